"""Network pages: structure, offline-ness, determinism, and a real headless Chromium load."""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

import pandas as pd
import pytest
from graphdb.viz import NetworkInputError, build_network, country_network
from graphdb.viz.network import (
    LARGE_GRAPH,
    PALETTE,
    ego_network,
    institution_network,
    model_network,
    region_of,
)

try:  # tests/ may or may not be a package
    from .browser_util import Chromium, png_colours, require_chromium
except ImportError:
    from browser_util import Chromium, png_colours, require_chromium  # type: ignore[no-redef]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

CODES = ["US", "CN", "GB", "DE", "FR", "CA", "JP", "KR", "IN", "AU", "CH", "NL", "SG", "IL", "HK",
         "TW", "IT", "ES", "SE", "BR", "RU", "PL", "AT", "BE", "DK", "FI", "NO", "IE", "NZ", "ZA"]


def small_country_frames(n: int = 30, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    codes = CODES[:n]
    countries = pd.DataFrame({"country": codes, "name": [f"Country {c}" for c in codes],
                              "papers": [1000 // (i + 1) + 5 for i in range(n)]})
    pairs = []
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            if rng.random() < 0.25 or (a == "US" and b == "CN"):
                papers = rng.randint(1, 200)
                pairs.append({"country_a": a, "country_b": b, "papers": papers, "fractional": papers * 0.4})
    # every country has at least one partner
    linked = {p["country_a"] for p in pairs} | {p["country_b"] for p in pairs}
    for c in codes:
        if c not in linked:
            pairs.append({"country_a": "US", "country_b": c, "papers": 2, "fractional": 0.5})
    return pd.DataFrame(pairs), countries


def embedded(html: str, name: str):
    m = re.search(rf"var {name} = (.*);\n", html)
    assert m, f"{name} not found in page"
    return json.loads(m.group(1))


def external_refs(html: str) -> list[str]:
    """src/href values of script, link, img, iframe tags that point off the machine, and CSS imports."""
    refs = re.findall(r"<(?:script|link|img|iframe|source|video|audio)\b[^>]*?\b(?:src|href)\s*=\s*[\"']?([^\"'\s>]+)",
                      html, flags=re.I)
    bad = [r for r in refs if re.match(r"^(?:https?:)?//", r, flags=re.I)]
    bad += re.findall(r"@import\s+(?:url\()?\s*[\"']?(?:https?:)?//[^\s\"')]+", html, flags=re.I)
    bad += re.findall(r"url\(\s*[\"']?(?:https?:)?//[^\s\"')]+", html, flags=re.I)
    return bad


@pytest.fixture()
def thirty(tmp_path: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    pairs, countries = small_country_frames()
    out = country_network(pairs, countries, title="Country network (test)",
                          provenance="synthetic test data; full counting; built by tests", out=tmp_path / "c.html",
                          synthetic=True)
    return out, pairs, countries


def test_country_network_structure(thirty):
    out, pairs, countries = thirty
    html = out.read_text(encoding="utf-8")
    nodes, edges = embedded(html, "GRAPHDB_NODES"), embedded(html, "GRAPHDB_EDGES")
    assert len(nodes) == 30
    assert len(edges) == len(pairs)
    us = next(n for n in nodes if n["id"] == "US")
    assert us["papers"] == 1005 and "Papers: 1,005" in us["title"] and us["category"] == "North America"
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in nodes)
    biggest = max(nodes, key=lambda n: n["papers"])
    assert biggest["size"] == max(n["size"] for n in nodes)
    assert max(e["width"] for e in edges) == 8.0
    assert "Country network (test)" in html and "synthetic test data; full counting" in html
    assert "SYNTHETIC DATA" in html
    assert 'id="legend"' in html and "North America" in html
    options = embedded(html, "GRAPHDB_OPTIONS")
    assert options["physics"]["enabled"] is True  # small graph
    colours = {g["color"]["background"] for g in options["groups"].values()}
    assert colours <= set(PALETTE) | {"#9E9E9E"}


def test_offline_no_external_references(thirty):
    html = thirty[0].read_text(encoding="utf-8")
    assert external_refs(html) == []
    assert not re.search(r"<script\b[^>]*\bsrc=", html, flags=re.I), "all scripts must be inline"
    assert not re.search(r"<link\b", html, flags=re.I), "no stylesheet links: CSS is inline"
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html and "bootstrap" not in html.lower()


def test_same_input_same_bytes(tmp_path: Path):
    pairs, countries = small_country_frames()
    a = country_network(pairs, countries, provenance="p", out=tmp_path / "a" / "n.html")
    b = country_network(pairs.sample(frac=1.0, random_state=1), countries.iloc[::-1], provenance="p",
                        out=tmp_path / "b" / "n.html")
    assert a.read_bytes() == b.read_bytes()


def test_tooltips_and_labels_are_not_html(tmp_path: Path):
    nasty = '</script><script>alert("x")</script><img src=x onerror=alert(1)>'
    nodes = pd.DataFrame({"id": ["a", "b"], "label": [nasty, "b & c"], "group": ["g", "g"],
                          "size_value": [1, 2], "tooltip": [nasty, "line1\nline2"]})
    edges = pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [1], "tooltip": [nasty]})
    out = build_network(nodes, edges, title=nasty, provenance=nasty, out=tmp_path / "x.html")
    html = out.read_text(encoding="utf-8")
    assert nasty not in html
    assert "<img src=x" not in html
    assert embedded(html, "GRAPHDB_NODES")[0]["title"] == nasty  # the text survives, as text


def test_input_errors(tmp_path: Path):
    good_nodes = pd.DataFrame({"id": ["a", "b"], "label": ["a", "b"], "group": ["g", "h"], "size_value": [1, 2],
                               "tooltip": ["", ""]})
    good_edges = pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [1], "tooltip": [""]})
    with pytest.raises(NetworkInputError, match="missing column.*size_value"):
        build_network(good_nodes.drop(columns="size_value"), good_edges, title="t", provenance="p",
                      out=tmp_path / "x.html")
    with pytest.raises(NetworkInputError, match="unknown nodes"):
        build_network(good_nodes, good_edges.assign(target=["zz"]), title="t", provenance="p", out=tmp_path / "x.html")
    with pytest.raises(NetworkInputError, match="duplicate ids"):
        build_network(pd.concat([good_nodes, good_nodes]), good_edges, title="t", provenance="p",
                      out=tmp_path / "x.html")
    with pytest.raises(NetworkInputError, match="more than one row"):
        build_network(good_nodes, pd.concat([good_edges, good_edges.assign(source=["b"], target=["a"])]),
                      title="t", provenance="p", out=tmp_path / "x.html")
    pairs = pd.DataFrame({"country_a": ["US", "CN"], "country_b": ["CN", "US"], "papers": [3, 4], "fractional": [1, 1]})
    with pytest.raises(NetworkInputError, match="conflicting rows"):
        country_network(pairs, pd.DataFrame({"country": ["US"], "name": ["US"], "papers": [1]}), out=tmp_path / "c.html")


def test_mirrored_pairs_are_counted_once(tmp_path: Path):
    pairs = pd.DataFrame({"country_a": ["US", "CN", "US"], "country_b": ["CN", "US", "GB"], "papers": [3, 3, 1],
                          "fractional": [1.0, 1.0, 0.5]})
    countries = pd.DataFrame({"country": ["US", "CN", "GB"], "name": ["United States", "China", "UK"],
                              "papers": [10, 8, 2]})
    html = country_network(pairs, countries, out=tmp_path / "c.html").read_text()
    edges = embedded(html, "GRAPHDB_EDGES")
    assert sorted((e["from"], e["to"], e["papers"]) for e in edges) == [("CN", "US", 3.0), ("GB", "US", 1.0)]
    html = country_network(pairs, countries, min_papers=2, out=tmp_path / "c2.html").read_text()
    assert [n["id"] for n in embedded(html, "GRAPHDB_NODES")] == ["CN", "US"]  # GB isolated -> dropped
    html = country_network(pairs, countries, top=2, keep_isolated=True, out=tmp_path / "c3.html").read_text()
    assert [n["id"] for n in embedded(html, "GRAPHDB_NODES")] == ["CN", "US"]


def test_region_of():
    assert region_of("US") == "North America" and region_of("HK") == "Asia" and region_of("DE") == "Europe"
    assert region_of("XX") == "Unknown" and region_of(None) == "Unknown"


def test_institution_model_and_ego_networks(tmp_path: Path):
    inst = pd.DataFrame({"inst_a": ["MIT", "Tsinghua", "MIT", "Oxford"],
                         "country_a": ["US", "CN", "US", "GB"],
                         "inst_b": ["Tsinghua", "MIT", "Oxford", "ETH"],
                         "country_b": ["CN", "US", "GB", "CH"],
                         "papers": [5, 5, 2, 1]})
    html = institution_network(inst, out=tmp_path / "i.html", min_papers=2).read_text()
    nodes = embedded(html, "GRAPHDB_NODES")
    assert sorted(n["id"] for n in nodes) == ["MIT", "Oxford", "Tsinghua"]
    assert {n["id"]: n["category"] for n in nodes}["Tsinghua"] == "CN"
    assert len(embedded(html, "GRAPHDB_EDGES")) == 2

    rows = pd.DataFrame({"model": ["Llama 2", "Llama 2", "Qwen", "Qwen"],
                         "model_country": ["US", "US", "CN", "CN"],
                         "paper_country": ["US", "CN", "CN", "US"], "papers": [10, 4, 6, 1]})
    html = model_network(rows, out=tmp_path / "m.html").read_text()
    nodes, edges = embedded(html, "GRAPHDB_NODES"), embedded(html, "GRAPHDB_EDGES")
    assert sorted(n["id"] for n in nodes) == ["country:CN", "country:US", "model:Llama 2", "model:Qwen"]
    assert {n["id"]: n.get("shape") for n in nodes}["model:Qwen"] == "diamond"
    assert len(edges) == 4 and embedded(html, "GRAPHDB_OPTIONS")["edges"]["arrows"]["to"]["enabled"] is True
    llama = next(n for n in nodes if n["id"] == "model:Llama 2")
    assert "Of which from other countries: 4" in llama["title"]
    # same colour group for a model and its home country
    by_id = {n["id"]: n["group"] for n in nodes}
    assert by_id["model:Qwen"] == by_id["country:CN"]

    ego = pd.DataFrame({"center": ["Ada", "Ada", "Ada"], "neighbour": ["Bo", "Cy", "Di"],
                        "neighbour_country": ["CN", "US", None], "papers": [3, 1, 2]})
    html = ego_network(ego, top=2, out=tmp_path / "e.html").read_text()
    nodes = embedded(html, "GRAPHDB_NODES")
    assert sorted(n["id"] for n in nodes) == ["Ada", "Bo", "Di"]
    assert {n["id"]: n.get("shape") for n in nodes}["Ada"] == "star"


def big_frames(n: int, seed: int = 11) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    groups = [f"G{i:02d}" for i in range(25)]
    ids = [f"n{i:05d}" for i in range(n)]
    nodes = pd.DataFrame({"id": ids, "label": ids, "group": [groups[min(int(rng.expovariate(0.3)), 24)] for _ in ids],
                          "size_value": [rng.randint(1, 500) for _ in ids], "tooltip": [f"node {i}" for i in ids]})
    seen = set()
    src, dst = [], []
    for i in range(1, n):
        for j in {rng.randrange(i)} | ({rng.randrange(n)} if rng.random() < 0.6 else set()):
            a, b = sorted((ids[i], ids[j]))
            if a != b and (a, b) not in seen:
                seen.add((a, b))
                src.append(a)
                dst.append(b)
    edges = pd.DataFrame({"source": src, "target": dst, "weight": [rng.randint(1, 30) for _ in src],
                          "tooltip": ["" for _ in src]})
    return nodes, edges


def test_large_network_builds_quickly(tmp_path: Path):
    nodes, edges = big_frames(5000)
    t0 = time.perf_counter()
    out = build_network(nodes, edges, title="5,000 nodes", provenance="generated", out=tmp_path / "big.html")
    took = time.perf_counter() - t0
    print(f"\n5,000-node network ({len(edges)} edges) built in {took:.2f} s, {out.stat().st_size / 1e6:.1f} MB")
    html = out.read_text()
    assert embedded(html, "GRAPHDB_OPTIONS")["physics"]["enabled"] is False
    assert len(embedded(html, "GRAPHDB_NODES")) == 5000


def test_physics_threshold(tmp_path: Path):
    nodes, edges = big_frames(LARGE_GRAPH + 1)
    html = build_network(nodes, edges, title="t", provenance="p", out=tmp_path / "m.html").read_text()
    assert embedded(html, "GRAPHDB_OPTIONS")["physics"]["enabled"] is False
    html = build_network(nodes, edges, title="t", provenance="p", out=tmp_path / "m.html", physics=True).read_text()
    assert embedded(html, "GRAPHDB_OPTIONS")["physics"]["enabled"] is True


# ---------------------------------------------------------------------------------------------
# real browser

READY = "window.graphdb && window.graphdb.ready"
CANVAS_INK = """(function () {
  var c = document.querySelector('#mynetwork canvas');
  var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  var ink = 0;
  for (var i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) ink++; }
  return ink;
})()"""


@pytest.mark.browser
def test_country_network_in_chromium(thirty):
    binary = require_chromium()
    out, pairs, _ = thirty
    shot = ARTIFACTS / "country_network_30.png"
    with Chromium(binary) as browser:
        page = browser.load(out, wait_for=READY, screenshot=shot,
                            evaluate={"nodes": "window.graphdb.nodes.length", "edges": "window.graphdb.edges.length",
                                      "ink": CANVAS_INK, "title": "document.title",
                                      "legend": "document.querySelectorAll('#legend li').length"})
    print(f"\n30-node page ready in {page.load_seconds:.2f} s; screenshot {shot}")
    assert page.console_errors == []
    assert page.external_requests() == []
    assert page.values["nodes"] == 30
    assert page.values["edges"] == len(pairs)
    assert page.values["title"] == "Country network (test)"
    assert page.values["legend"] >= 3
    assert page.values["ink"] > 2000, "the network canvas is blank"
    assert png_colours(page.screenshot) > 50, "the screenshot is (nearly) one colour"


@pytest.mark.browser
def test_large_network_in_chromium(tmp_path: Path):
    binary = require_chromium()
    nodes, edges = big_frames(5000)
    t0 = time.perf_counter()
    out = build_network(nodes, edges, title="5,000 nodes", provenance="generated", out=tmp_path / "big.html")
    built = time.perf_counter() - t0
    with Chromium(binary) as browser:
        page = browser.load(out, wait_for=READY, screenshot=ARTIFACTS / "network_5000.png",
                            evaluate={"nodes": "window.graphdb.nodes.length", "ink": CANVAS_INK})
    print(f"\n5,000 nodes: built in {built:.2f} s, drawn in Chromium in {page.load_seconds:.2f} s")
    assert page.console_errors == []
    assert page.external_requests() == []
    assert page.values["nodes"] == 5000
    assert page.values["ink"] > 2000
