"""The main job end to end on the shared data: report and networks, checked in headless Chromium."""

from __future__ import annotations

import http.server
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graphdb.analysis import download, find_datasets

from conftest import IN_CI, ROOT, SHARED

pytestmark = pytest.mark.neo4j
ARTIFACTS = ROOT / "test-artifacts"
READY = "window.graphdb && window.graphdb.ready"
CANVAS_INK = """(function () {
  var c = document.querySelector('#mynetwork canvas');
  var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  var ink = 0;
  for (var i = 0; i < d.length; i += 4) { if (d[i + 3] > 0 && (d[i] < 235 || d[i + 1] < 235 || d[i + 2] < 235)) ink++; }
  return ink; })()"""


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory, neo4j_db):
    if not SHARED.exists():
        if IN_CI:
            pytest.fail(f"{SHARED} missing")
        pytest.skip(f"{SHARED} missing")
    from graphdb.schema import reset

    reset(neo4j_db)
    out = tmp_path_factory.mktemp("demo")
    r = subprocess.run([sys.executable, "-m", "graphdb", "demo", "--out", str(out)], capture_output=True, text=True,
                       timeout=1200, cwd=ROOT, env={**__import__("os").environ, "GRAPHDB_DATA_DIR": str(SHARED)})
    assert r.returncode == 0, r.stderr[-3000:]
    return out, r.stdout


def test_demo_prints_report_and_headlines(demo_out):
    out, stdout = demo_out
    assert f"report: {out / 'index.html'}" in stdout
    heads = stdout.split("headline numbers:")[1].strip().splitlines()
    assert len(heads) == 3
    assert re.search(r"NeurIPS 2024: [\d,]+ of 4,553 papers", heads[0])
    for f in ("index.html", "countries.html", "institutions.html", "models.html", "cross_border.csv",
              "counting_rules.csv", "model_reuse.csv"):
        assert (out / f).stat().st_size > 0, f


def test_no_remote_scripts_or_styles(demo_out):
    out, _ = demo_out
    for page in out.glob("*.html"):
        html = page.read_text()
        assert not re.search(r"<script[^>]+src=[\"']https?://", html), page
        assert not re.search(r"<link[^>]+href=[\"']https?://", html), page
        assert "@import url(http" not in html


@pytest.mark.browser
def test_report_and_country_network_render_in_chromium(demo_out):
    from browser_util import Chromium, png_colours, require_chromium

    binary = require_chromium()
    out, _ = demo_out
    ARTIFACTS.mkdir(exist_ok=True)
    pairs = len([x for x in (out / "country_pairs.csv").read_text().splitlines()[1:] if x.strip()])
    with Chromium(binary) as browser:
        rep = browser.load(out / "index.html", screenshot=ARTIFACTS / "demo_report.png",
                           evaluate={"tables": "document.querySelectorAll('table').length",
                                     "svgs": "document.querySelectorAll('svg').length"})
        net = browser.load(out / "countries.html", wait_for=READY, screenshot=ARTIFACTS / "demo_countries.png",
                           evaluate={"nodes": "window.graphdb.nodes.length", "edges": "window.graphdb.edges.length",
                                     "ink": CANVAS_INK})
    assert rep.console_errors == [] and rep.external_requests() == []
    assert rep.values["tables"] >= 8 and rep.values["svgs"] >= 3
    assert png_colours(rep.screenshot) > 20
    assert net.console_errors == [] and net.external_requests() == []
    assert net.values["nodes"] > 40
    assert net.values["edges"] == pairs
    assert net.values["ink"] > 2000, "blank canvas"


def test_finds_shared_datasets():
    if not SHARED.exists():
        pytest.skip("no shared data")
    found = {(s, p.name) for s, p in find_datasets(SHARED)}
    assert ("neurips-virtual", "nips2024_virtual.jsonl") in found
    assert {("paperlists", f"{n}.json") for n in ("nips2017", "nips2018", "naacl2024", "colm2025")} <= found


def test_download_from_a_local_server(tmp_path):
    src = tmp_path / "srv"
    (src / "nips").mkdir(parents=True)
    (src / "nips" / "nips2018.json").write_text('[{"id": "1", "title": "T", "author": "A B"}]')

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=str(src), **k)

        def log_message(self, *a):
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{srv.server_address[1]}"
    try:
        got = download(tmp_path / "cache", {"paperlists/nips2018.json": f"{base}/nips/nips2018.json"})
        assert got[0].read_text().startswith('[{"id"')
        from graphdb.errors import DataError

        with pytest.raises(DataError, match=r"cannot download http://127\.0\.0\.1:\d+/missing\.json"):
            download(tmp_path / "cache", {"paperlists/x.json": f"{base}/missing.json"})
        assert not list((tmp_path / "cache").rglob("*.part"))
    finally:
        srv.shutdown()
    assert Path(got[0]).name == "nips2018.json"
