"""Neo4j Browser helpers: a guide of the shipped queries, a graph style (GraSS), and a tiny
local web server to play the guide from.

How Neo4j Browser 5 loads a guide (checked against the neo4j-browser sources):

* ``:guide <url>`` (``:play <url>`` is the older spelling) fetches the URL from the web page
  with a cross-origin request, so the server must send CORS headers, and only if the URL's
  host name is in the ``browser.remote_content_hostname_whitelist`` setting (default
  ``guides.neo4j.com,localhost``: the host *name* is compared, any port is fine, but
  ``127.0.0.1`` is not ``localhost``).
* ``<script>`` tags and ``on...=`` attributes are stripped; the ``<title>`` becomes the guide's
  title; each ``<slide>`` element is one page of the guide (without slides, the whole page is
  one).
* ``<pre class="runnable">`` (or a ``<pre>`` inside ``.runnable``) gets a play icon; clicking
  it puts its text (trimmed) into the editor.

So :func:`serve_guide` runs a small HTTP server on 127.0.0.1 with
``Access-Control-Allow-Origin: *`` and the guide is played as
``:guide http://localhost:<port>/guide.html`` - no change to neo4j.conf needed. Neo4j itself
does not serve arbitrary files, so a separate server is the simplest allowlisted origin.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Sequence
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["build_guide", "write_style", "browser_instructions", "serve_guide", "cypher_literal",
           "param_commands", "STYLE"]

# ---------------------------------------------------------------------------------------------
# guide


def cypher_literal(value: Any) -> str:
    """A Cypher literal for a parameter value: 'text', 12, 1.5, true, null, ['US', 'CN']."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return "null"
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"`{k}`: {cypher_literal(v)}" for k, v in value.items()) + "}"
    s = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{s}'"


def _raw_default(query: Any, name: str) -> str | None:
    """The default as written in the file's header (e.g. 'greater-china'), if we can find it."""
    source = getattr(query, "source", "") or ""
    m = re.search(rf"@param\s+{re.escape(name)}\s+\S+\s*=\s*(\S+)", source)
    return m.group(1).strip("'\"") if m else None


def param_commands(query: Any) -> list[tuple[str, str]]:
    """``(command, note)`` pairs: one ``:param name => value`` per parameter of the query.

    A ``countries`` parameter is a list of ISO codes in Cypher plus ``<name>_label`` (the text
    given), as :mod:`graphdb.queries` passes it. A required parameter without a default gets
    ``null`` and a note to replace it.
    """
    out: list[tuple[str, str]] = []
    for p in getattr(query, "params", []) or []:
        ptype = str(getattr(p, "type", "") or "")
        default = getattr(p, "default", None)
        required = bool(getattr(p, "required", False))
        note = "required: replace null with a value" if required and default is None else \
            (str(getattr(p, "help", "") or ""))
        if ptype == "countries":
            codes = default if isinstance(default, list | tuple) else \
                ([] if default is None else [c for c in str(default).split(",") if c])
            out.append((f":param {p.name} => {cypher_literal(list(codes)) if default is not None else 'null'}", note))
            text = query.text if hasattr(query, "text") else ""
            if f"${p.name}_label" in text:
                label = _raw_default(query, p.name) or ",".join(codes)
                out.append((f":param {p.name}_label => {cypher_literal(label if default is not None else None)}",
                            "the text shown for the countries"))
        else:
            out.append((f":param {p.name} => {cypher_literal(default)}", note))
    return out


_GUIDE_CSS = """
.graphdb-guide h3 { margin-top: 0; }
.graphdb-guide table.params { border-collapse: collapse; font-size: 0.9em; margin: 6px 0; }
.graphdb-guide table.params th, .graphdb-guide table.params td { border: 1px solid #ccc; padding: 2px 6px; text-align: left; }
.graphdb-guide .writes { color: #b00020; font-weight: bold; }
.graphdb-guide pre.runnable { white-space: pre-wrap; }
"""


def _slide(title: str, lead: str, body: str) -> str:
    return (f'<slide class="row-fluid">\n<div class="col-sm-3">\n<h3>{html.escape(title)}</h3>\n'
            f'<p class="lead">{html.escape(lead)}</p>\n</div>\n<div class="col-sm-9">\n{body}\n</div>\n</slide>')


def _query_slide(q: Any, index: int, total: int) -> str:
    description = str(getattr(q, "description", "") or "").strip()
    lines = description.splitlines()
    lead = lines[0] if lines else q.name
    more = "\n".join(lines[1:]).strip()
    parts: list[str] = []
    if getattr(q, "writes", False):
        parts.append('<p class="writes">This query WRITES to the database.</p>')
    if more:
        parts.append("".join(f"<p>{html.escape(par)}</p>\n" for par in re.split(r"\n\s*\n", more) if par.strip()))
    params = list(getattr(q, "params", []) or [])
    if params:
        rows = "".join(
            f"<tr><td><code>${html.escape(p.name)}</code></td><td>{html.escape(str(p.type))}</td>"
            f"<td><code>{html.escape(cypher_literal(getattr(p, 'default', None)))}</code></td>"
            f"<td>{html.escape(str(getattr(p, 'help', '') or ''))}</td></tr>\n" for p in params)
        parts.append('<table class="params"><thead><tr><th>parameter</th><th>type</th><th>default</th>'
                     f'<th>meaning</th></tr></thead>\n<tbody>\n{rows}</tbody></table>')
        parts.append("<p>1. Set the parameters (click each line, then run it; edit the value first if you like):</p>")
        for cmd, note in param_commands(q):
            cell = f'<pre class="pre-scrollable code runnable param">{html.escape(cmd)}</pre>'
            parts.append(cell + (f'\n<p class="note"><small>{html.escape(note)}</small></p>' if note else ""))
        parts.append("<p>2. Run the query:</p>")
    else:
        parts.append("<p>Click the query to put it in the editor, then run it:</p>")
    parts.append(f'<figure>\n<pre class="pre-scrollable code runnable query" mode="cypher" data-lang="cypher" '
                 f'lang="cypher" data-query="{html.escape(q.name)}">{html.escape(q.text.strip())}</pre>\n'
                 f'<figcaption>{html.escape(q.name)} ({index}/{total})</figcaption>\n</figure>')
    return _slide(q.name, lead, "\n".join(parts))


def build_guide(queries: Sequence[Any], out: Path, *, title: str = "graphdb queries") -> Path:
    """Write a Neo4j Browser guide (HTML slides) with one slide per query; return its path.

    Each query object needs ``name``, ``description``, ``text`` (the Cypher) and ``params``
    (objects with ``name``, ``type``, ``default``; optional ``required``, ``help``), as
    :class:`graphdb.queries.Query` has. Each slide shows the explanation, one runnable
    ``:param`` line per parameter (its default) and the query as a runnable cell whose text is
    exactly ``query.text`` (stripped).
    """
    qs = sorted(queries, key=lambda q: q.name)
    index_items = "".join(
        f"<li><b>{html.escape(q.name)}</b> ({i}): "
        f"{html.escape((str(getattr(q, 'description', '') or '').splitlines() or [''])[0])}</li>\n"
        for i, q in enumerate(qs, 2))
    intro = _slide(title, "The analysis queries shipped with graphdb, one per slide.",
                   "<p>Each slide: what the query answers, its parameters as runnable "
                   "<code>:param</code> lines (defaults), then the query itself. Click a grey block to "
                   "copy it into the editor, then press run.</p>\n"
                   "<p>See the parameters set so far with <code>:params</code>; clear them with "
                   "<code>:params clear</code>.</p>\n"
                   f"<ol start=\"2\">\n{index_items}</ol>")
    slides = [intro] + [_query_slide(q, i, len(qs)) for i, q in enumerate(qs, 1)]
    page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{html.escape(title)}</title>\n<style>{_GUIDE_CSS}</style>\n</head>\n<body>\n"
            "<article class=\"guide graphdb-guide\">\n<carousel class=\"deck container-fluid\">\n"
            + "\n".join(slides) + "\n</carousel>\n</article>\n</body>\n</html>\n")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8", newline="\n")
    return out


# ---------------------------------------------------------------------------------------------
# style

#: label -> (caption property, fill colour, border colour, text colour, diameter px)
STYLE: dict[str, tuple[str, str, str, str, int]] = {
    "Paper": ("title", "#56B4E9", "#3E8FBF", "#000000", 45),
    "Author": ("name", "#E69F00", "#B87F00", "#000000", 40),
    "Authorship": ("position", "#DDDDDD", "#AAAAAA", "#000000", 25),
    "Institution": ("name", "#009E73", "#007A59", "#FFFFFF", 55),
    "Country": ("code", "#0072B2", "#005A8C", "#FFFFFF", 65),
    "Model": ("name", "#CC79A7", "#A35F86", "#000000", 50),
    "Venue": ("key", "#F0E442", "#C2B735", "#000000", 50),
}

_RELATIONSHIPS = ("WROTE", "OF", "AUTHORED", "AT", "IN", "LOCATED_IN", "PUBLISHED_IN", "MENTIONS",
                  "DEVELOPED_BY", "FROM_COUNTRY")


def write_style(out: Path) -> Path:
    """Write the Neo4j Browser graph style (GraSS) for graphdb's labels; return its path.

    Captions: Paper title, Author name, Institution name, Country code, Model name, Venue key,
    Authorship position; colours from the same colour-blind-safe palette as the network pages.
    """
    blocks = ["node {\n  diameter: 50px;\n  color: #A5ABB6;\n  border-color: #9AA1AC;\n  border-width: 2px;\n"
              "  text-color-internal: #FFFFFF;\n  font-size: 10px;\n}",
              "relationship {\n  color: #A5ABB6;\n  shaft-width: 1px;\n  font-size: 8px;\n  padding: 3px;\n"
              "  text-color-external: #000000;\n  text-color-internal: #FFFFFF;\n  caption: \"<type>\";\n}"]
    for label, (prop, fill, border, text, diameter) in STYLE.items():
        blocks.append(f"node.{label} {{\n  color: {fill};\n  border-color: {border};\n  text-color-internal: {text};\n"
                      f"  diameter: {diameter}px;\n  caption: \"{{{prop}}}\";\n}}")
    for rel in _RELATIONSHIPS:
        blocks.append(f"relationship.{rel} {{\n  caption: \"<type>\";\n}}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(blocks) + "\n", encoding="utf-8", newline="\n")
    return out


# ---------------------------------------------------------------------------------------------
# serving and instructions


class _GuideHandler(SimpleHTTPRequestHandler):
    """Static files with CORS for Neo4j Browser's cross-origin fetch; no directory listings."""

    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".grass": "text/plain; charset=utf-8",
                      ".html": "text/html; charset=utf-8"}

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "*")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def list_directory(self, path):  # type: ignore[override]
        self.send_error(404, "No directory listings")
        return None

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return


def serve_guide(directory: Path, port: int = 0, *, host: str = "127.0.0.1") -> tuple[str, ThreadingHTTPServer]:
    """Serve ``directory`` over HTTP on ``host`` (loopback) in a daemon thread.

    Returns ``(base_url, server)``; the URL uses the host name ``localhost`` (which Neo4j
    Browser allows by default). Stop with ``server.shutdown(); server.server_close()``.
    ``port=0`` picks a free port.
    """
    directory = Path(directory).resolve()
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a directory")
    handler = partial(_GuideHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="graphdb-guide-server", daemon=True)
    thread.start()
    return f"http://localhost:{server.server_address[1]}", server


def browser_instructions(browser_url: str, guide_url: str, style_path: Path,
                         style_url: str | None = None) -> str:
    """Step-by-step text for a person: open Browser, load the style, play the guide."""
    steps: Iterable[str] = [
        f"1. Open Neo4j Browser at {browser_url} and connect (bolt URL, user, password).",
        f"2. Load the graph style: drag the file {Path(style_path).resolve()} onto the Browser window"
        + (f", or run  :style {style_url}" if style_url else "")
        + ". (`:style` shows the style in use; `:style reset` goes back to the default.)",
        f"3. Play the query guide: run  :guide {guide_url}   (older spelling: :play {guide_url}).",
        "   Its host must be allowed by browser.remote_content_hostname_whitelist "
        "(default guides.neo4j.com,localhost: use 'localhost', not 127.0.0.1).",
        "4. In the guide, click a :param line, run it (Ctrl+Enter), then click the query and run it.",
        "   `:params` shows the parameters set; `:params clear` clears them.",
        "5. Keep this command running while you use the guide; Ctrl+C stops the guide server.",
    ]
    return "\n".join(steps)
