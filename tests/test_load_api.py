"""`graphdb load openalex --api-venue ...` end to end: a local HTTP server serves recorded pages,
the CLI pages through them with the cursor and writes the works to a real Neo4j."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from conftest import ROOT, count

pytestmark = pytest.mark.neo4j
FIX = Path(__file__).parent / "fixtures"
PAGES = {"*": "openalex_page1.json",
         "IlsxNzMzNzg4ODAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQwMDAwMDAwMDInXSI=": "openalex_page2.json",
         "IlsxNzMzNzg4ODAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQwMDAwMDAwMDQnXSI=": "openalex_page3.json"}


@pytest.fixture
def api():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            u = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(u.query).items()}
            seen.append(q)
            page = PAGES.get(q.get("cursor", ""))
            body = (FIX / page).read_bytes() if u.path == "/works" and page else b'{"error": "no"}'
            self.send_response(200 if page else 400)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", seen
    srv.shutdown()


def test_openalex_api_load(db, api, tmp_path):
    url, seen = api
    args = [sys.executable, "-m", "graphdb", "load", "openalex", "--api-venue", "S4306420609", "--year", "2024",
            "--venue", "NeurIPS", "--api-url", url, "--mailto", "dev@example.org",
            "--rejects", str(tmp_path / "rej.jsonl"), "--json"]
    r = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["load"]["records_read"] == 4 and out["load"]["rejected"] == 1
    assert [q["cursor"] for q in seen] == list(PAGES)
    assert count(db, "MATCH (p:Paper {venue: 'NeurIPS', year: 2024}) RETURN count(p)") == 3
    # OpenAlex institutions keep their ids; the slot's countries come from the source
    assert count(db, "MATCH (i:Institution {uid: 'ror:03cve4549'}) RETURN i.openalex_id") == "I99065089"
    assert count(db, "MATCH (:Authorship)-[r:IN]->(:Country {code: 'HK'}) RETURN count(r)") >= 1
    rej = [json.loads(x) for x in (tmp_path / "rej.jsonl").read_text().splitlines()]
    assert rej[0]["reason"] == "field 'title': missing or empty"
    # the same pages again: nothing new
    r2 = subprocess.run(args, capture_output=True, text=True, timeout=300, cwd=ROOT, env=os.environ.copy())
    assert json.loads(r2.stdout)["load"]["created"]["Paper"] == 0
