"""Neo4j Browser guide, style and guide server."""

from __future__ import annotations

import html
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from graphdb.browser import (
    STYLE,
    browser_instructions,
    build_guide,
    cypher_literal,
    param_commands,
    serve_guide,
    write_style,
)

try:  # tests/ may or may not be a package
    from .browser_util import Chromium, require_chromium
except ImportError:
    from browser_util import Chromium, require_chromium  # type: ignore[no-redef]

REPO = Path(__file__).resolve().parent.parent


@dataclass
class P:
    name: str
    type: str
    default: Any = None
    required: bool = False
    help: str = ""


@dataclass
class Q:
    name: str
    description: str
    text: str
    params: list = field(default_factory=list)
    writes: bool = False
    source: str = ""


STAND_INS = [
    Q("cross_border_share", "Papers with authors in a and b.\nCounting: full.",
      "MATCH (p:Paper)\nWHERE p.year = $year AND p.venue = $venue\nRETURN $a_label AS a, count(p) AS papers",
      [P("a", "countries", ["CN", "HK", "MO", "TW"]), P("venue", "string", "NeurIPS"), P("year", "int", None),
       P("min", "float", 0.5), P("strict", "bool", True)],
      source="// @param a countries = greater-china\n"),
    Q("top_models", "Most mentioned models.", "MATCH (m:Model)<-[r:MENTIONS]-() RETURN m.name, count(r) < 3 AS few",
      [P("name", "string", None, required=True)]),
    Q("no_params", "A query without parameters & with <html> in its text.", "RETURN '<b>' AS x, \"it's\" AS y"),
]


class Cells(HTMLParser):
    """Collects what Neo4j Browser makes clickable: pre.runnable text, per slide, and <title>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.slides = 0
        self.cells: list[tuple[str, dict[str, str]]] = []
        self.title = ""
        self._in_pre: dict[str, str] | None = None
        self._in_title = False
        self._buf: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "slide":
            self.slides += 1
        elif tag == "pre" and "runnable" in a.get("class", "").split():
            self._in_pre, self._buf = a, []
        elif tag == "title":
            self._in_title = True
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "pre" and self._in_pre is not None:
            self.cells.append(("".join(self._buf).strip(), self._in_pre))
            self._in_pre = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_pre is not None:
            self._buf.append(data)
        if self._in_title:
            self.title += data


def parse(path: Path) -> Cells:
    c = Cells()
    c.feed(path.read_text(encoding="utf-8"))
    return c


def test_cypher_literal():
    assert cypher_literal("it's") == "'it\\'s'"
    assert cypher_literal(None) == "null" and cypher_literal(True) == "true" and cypher_literal(3) == "3"
    assert cypher_literal(0.5) == "0.5" and cypher_literal(["US", "CN"]) == "['US', 'CN']"


def test_param_commands_cover_every_type():
    cmds = [c for c, _ in param_commands(STAND_INS[0])]
    assert cmds == [":param a => ['CN', 'HK', 'MO', 'TW']", ":param a_label => 'greater-china'",
                    ":param venue => 'NeurIPS'", ":param year => null", ":param min => 0.5", ":param strict => true"]
    (cmd, note), = param_commands(STAND_INS[1])
    assert cmd == ":param name => null" and "required" in note


def test_guide_cells_are_the_queries(tmp_path: Path):
    out = build_guide(STAND_INS, tmp_path / "guide.html")
    c = parse(out)
    assert c.title == "graphdb queries"
    assert c.slides == len(STAND_INS) + 1
    assert c.scripts == 0
    queries = {a["data-query"]: text for text, a in c.cells if "data-query" in a}
    assert queries == {q.name: q.text for q in STAND_INS}
    assert all(a.get("mode") == "cypher" for _, a in c.cells if "data-query" in a)
    params = [text for text, a in c.cells if "param" in a.get("class", "").split()]
    assert params == [cmd for q in sorted(STAND_INS, key=lambda q: q.name) for cmd, _ in param_commands(q)]
    page = out.read_text()
    assert "&lt;b&gt;" in page and "<b>' AS x" not in page


def test_style_captions(tmp_path: Path):
    text = write_style(tmp_path / "style.grass").read_text()
    expected = {"Paper": "title", "Author": "name", "Institution": "name", "Country": "code", "Model": "name",
                "Venue": "key", "Authorship": "position"}
    assert {k: v[0] for k, v in STYLE.items()} == expected
    for label, prop in expected.items():
        block = text.split(f"node.{label} {{", 1)[1].split("\n}", 1)[0]
        assert f'caption: "{{{prop}}}";' in block
        assert "color: #" in block
    assert text.count("{") == text.count("}")


def test_serve_guide_with_cors(tmp_path: Path):
    build_guide(STAND_INS, tmp_path / "guide.html")
    write_style(tmp_path / "style.grass")
    url, server = serve_guide(tmp_path)
    try:
        assert url.startswith("http://localhost:")
        port = server.server_address[1]
        direct = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{direct}/guide.html", timeout=10) as r:
            assert r.status == 200
            assert r.headers["Access-Control-Allow-Origin"] == "*"
            assert "text/html" in r.headers["Content-Type"]
            assert b"<slide" in r.read()
        req = urllib.request.Request(f"{direct}/guide.html", method="OPTIONS", headers={
            "Origin": "http://localhost:7474", "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "pragma,cache-control"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 204 and r.headers["Access-Control-Allow-Headers"] == "*"
        with urllib.request.urlopen(f"{direct}/style.grass", timeout=10) as r:
            assert b"node.Paper" in r.read()
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{direct}/", timeout=10)  # no directory listing
    finally:
        server.shutdown()
        server.server_close()


def test_instructions():
    text = browser_instructions("http://localhost:7474/browser", "http://localhost:8123/guide.html",
                                Path("out/style.grass"), style_url="http://localhost:8123/style.grass")
    assert ":guide http://localhost:8123/guide.html" in text
    assert ":play http://localhost:8123/guide.html" in text
    assert ":style http://localhost:8123/style.grass" in text
    assert str(Path("out/style.grass").resolve()) in text
    assert "http://localhost:7474/browser" in text and "remote_content_hostname_whitelist" in text


def strip_header(text: str) -> str:
    """The file without its leading // header lines (and blank lines)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines) and (lines[i].strip().startswith("//") or not lines[i].strip()):
        i += 1
    return "\n".join(lines[i:]).strip()


def test_guide_matches_shipped_query_files(tmp_path: Path):
    queries_mod = pytest.importorskip("graphdb.queries", reason="graphdb.queries is not there yet")
    queries = queries_mod.list_queries()
    if not queries:
        pytest.skip("no .cypher files shipped yet")
    c = parse(build_guide(queries, tmp_path / "guide.html"))
    cells = {a["data-query"]: text for text, a in c.cells if "data-query" in a}
    assert set(cells) == {q.name for q in queries}
    for q in queries:
        file_text = (REPO / "cypher" / f"{q.name}.cypher").read_text(encoding="utf-8")
        body = strip_header(file_text)
        assert cells[q.name] == q.text.strip(), q.name
        assert file_text.strip().endswith(cells[q.name]), f"{q.name}: the guide cell is not the file's Cypher"
        assert cells[q.name] == body.strip(), f"{q.name}: the guide cell differs from the file without its header"
    params = [text for text, a in c.cells if "param" in a.get("class", "").split()]
    assert len(params) == sum(len(param_commands(q)) for q in queries)


@pytest.mark.browser
def test_guide_as_neo4j_browser_reads_it(tmp_path: Path):
    """Chromium parses the guide as Browser 5 does: <slide> elements, pre.runnable textContent.trim()."""
    binary = require_chromium()
    out = build_guide(STAND_INS, tmp_path / "guide.html")
    with Chromium(binary) as browser:
        page = browser.load(out, evaluate={
            "slides": "document.getElementsByTagName('slide').length",
            "cells": "Array.from(document.querySelectorAll('pre.runnable.query')).map(e => e.textContent.trim())",
            "title": "document.title"})
    assert page.console_errors == [] and page.external_requests() == []
    assert page.values["slides"] == len(STAND_INS) + 1
    assert page.values["cells"] == [q.text for q in sorted(STAND_INS, key=lambda q: q.name)]
    assert page.values["title"] == "graphdb queries"
    assert html.unescape(page.values["cells"][0]) == page.values["cells"][0]
