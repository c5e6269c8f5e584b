"""HTTP helper, OpenAlex and OpenReview clients, against a local HTTP server serving recorded pages.

No test here touches the internet: a ``http.server`` runs in a thread on 127.0.0.1 (random port)
and answers from a script of (status, body, headers) per path, recording every request.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from graphdb.loaders import openalex, openreview
from graphdb.loaders.errors import FetchError, FormatError
from graphdb.loaders.http import HttpClient
from graphdb.loaders.records import PaperRecord, Reject

FIX = Path(__file__).parent / "fixtures"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def fixture(name: str) -> bytes:
    return (FIX / name).read_bytes()


class Server:
    """Answers GETs from ``routes[path]``: a list of responses used in turn (the last repeats),
    or a function of the query dict returning one response. A response is (status, body[, headers])."""

    def __init__(self):
        self.routes = {}
        self.requests = []
        self.counts = defaultdict(int)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                server.requests.append((parts.path, query, dict(self.headers)))
                route = server.routes.get(parts.path)
                if route is None:
                    resp = (404, b'{"error": "not found"}')
                elif callable(route):
                    resp = route(query)
                else:
                    k = server.counts[parts.path]
                    server.counts[parts.path] += 1
                    resp = route[min(k, len(route) - 1)]
                status, body, *rest = resp
                headers = rest[0] if rest else {}
                self.send_response(status)
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                for h, v in headers.items():
                    self.send_header(h, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client timed out
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def client():
    sleeps = []
    c = HttpClient(timeout=5, retries=3, backoff=0.01, max_backoff=0.05, sleep=sleeps.append)
    c.sleeps = sleeps  # type: ignore[attr-defined]
    return c


# --------------------------------------------------------------------------- http helper


def test_http_429_then_success(server, client):
    server.routes["/x"] = [(429, b'{"error": "slow down"}', {"Retry-After": "0"}), (200, b'{"ok": true}')]
    assert client.get_json(server.url + "/x", {"a": 1}) == {"ok": True}
    assert server.counts["/x"] == 2
    assert client.sleeps == [0.0]  # Retry-After honoured


def test_http_500_exhausts_retries_names_the_url(server, client):
    server.routes["/works"] = [(500, b"boom")]
    with pytest.raises(FetchError) as e:
        client.get_json(server.url + "/works", {"filter": "publication_year:2024", "mailto": "a@b.org"})
    msg = str(e.value)
    assert msg == (f"HTTP 500 Internal Server Error after 4 attempts: "
                   f"{server.url}/works?filter=publication_year%3A2024&mailto=a%40b.org")
    assert e.value.status == 500 and e.value.url.startswith(server.url)
    assert server.counts["/works"] == 4 and len(client.sleeps) == 3
    assert client.sleeps[0] < client.sleeps[1] <= client.sleeps[2] <= 0.055  # exponential, capped


def test_http_404_fails_at_once(server, client):
    with pytest.raises(FetchError, match=r"^HTTP 404 Not Found: http://127\.0\.0\.1:\d+/missing$"):
        client.get_json(server.url + "/missing")
    assert client.sleeps == []


def test_http_not_json(server, client):
    server.routes["/html"] = [(200, b"<html>maintenance</html>", {"Content-Type": "text/html"})]
    with pytest.raises(FetchError, match=r"response is not JSON \(HTTP 200, text/html\): http://127"):
        client.get_json(server.url + "/html")


def test_http_connection_refused_names_url(client):
    s = Server()
    url = s.url
    s.close()
    with pytest.raises(FetchError, match=r"connection failed .* after 4 attempts: " + url.replace(".", r"\.")):
        client.get_json(url + "/gone")


def test_http_timeout(server):
    import time

    def slow(query):
        time.sleep(0.5)
        return (200, b"{}")

    server.routes["/slow"] = slow
    c = HttpClient(timeout=0.1, retries=1, backoff=0.0, sleep=lambda s: None)
    with pytest.raises(FetchError, match=r"timed out after 0\.1 s after 2 attempts"):
        c.get_json(server.url + "/slow")


# --------------------------------------------------------------------------- OpenAlex


def openalex_pages(query):
    cursor = query.get("cursor")
    page = {"*": "openalex_page1.json",
            "IlsxNzMzNzg4ODAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQwMDAwMDAwMDInXSI=": "openalex_page2.json",
            "IlsxNzMzNzg4ODAwMDAwLCAnaHR0cHM6Ly9vcGVuYWxleC5vcmcvVzQwMDAwMDAwMDQnXSI=": "openalex_page3.json"}.get(cursor)
    return (200, fixture(page)) if page else (400, b'{"error": "bad cursor"}')


def test_openalex_cursor_paging_three_pages(server, client):
    server.routes["/works"] = openalex_pages
    out = list(openalex.iter_works_api("S4306420609", 2024, mailto="dev@example.org", base_url=server.url,
                                       per_page=2, venue="NeurIPS", client=client))
    assert [type(r).__name__ for r in out] == ["PaperRecord", "PaperRecord", "Reject", "PaperRecord"]
    assert [r.position for r in out] == ["page 1 record 1", "page 1 record 2", "page 2 record 1", "page 3 record 1"]
    assert len(server.requests) == 3
    for path, q, headers in server.requests:
        assert path == "/works"
        assert q["filter"] == "primary_location.source.id:S4306420609,publication_year:2024"
        assert q["mailto"] == "dev@example.org" and q["per_page"] == "2"
        assert headers["User-Agent"].startswith("graphdb-loader/")
    assert server.requests[0][1]["cursor"] == "*"
    r = out[0]
    assert (r.source, r.source_id, r.venue, r.year) == ("openalex", "W4000000001", "NeurIPS", 2024)
    assert r.extra["source_venue"] == "Neural Information Processing Systems"
    assert [a.countries for a in r.authors] == [["US"], ["HK"], ["CN", "US"]]
    assert r.paper_countries == ["US", "HK", "CN"]
    assert r.authors[0].orcid == "0000-0002-1825-0097" and r.authors[0].openalex_id == "A5000000001"
    assert [(i.name, i.openalex_id, i.ror, i.country) for i in r.authors[2].institutions] == [
        ("Tsinghua University", "I99065089", "https://ror.org/03cve4549", "CN"),
        ("Google (United States)", "I1291425158", "https://ror.org/00njsd438", "US")]
    assert r.authors[2].raw_affiliation == "Tsinghua University, Beijing; Google Research"
    assert r.abstract == "We study attention."
    assert out[1].authors[0].institutions == [] and out[1].authors[0].raw_affiliation is None
    assert out[2].reason == "field 'title': missing or empty" and out[2].path.startswith(server.url + "/works?")


def test_openalex_429_then_success_mid_paging(server, client):
    calls = defaultdict(int)

    def flaky(query):
        calls[query["cursor"]] += 1
        if query["cursor"] != "*" and calls[query["cursor"]] == 1:
            return (429, b'{"error": "rate limited"}')
        return openalex_pages(query)

    server.routes["/works"] = flaky
    out = list(openalex.iter_works_api("S4306420609", 2024, base_url=server.url, client=client))
    assert len(out) == 4 and len(server.requests) == 5
    assert "mailto" not in server.requests[0][1]


def test_openalex_500_exhausts_retries(server, client):
    server.routes["/works"] = [(503, b"unavailable")]
    it = openalex.iter_works_api("S4306420609", 2024, mailto="m@x.org", base_url=server.url, client=client)
    with pytest.raises(FetchError, match=r"HTTP 503 Service Unavailable after 4 attempts: http://127\.0\.0\.1:\d+/works\?"):
        next(it)


def test_openalex_not_a_page(server, client):
    server.routes["/works"] = [(200, b'{"error": "oops"}')]
    with pytest.raises(FetchError, match="not an OpenAlex results page"):
        list(openalex.iter_works_api("S1", 2024, base_url=server.url, client=client))


def test_openalex_files():
    page = list(openalex.parse(FIX / "openalex_page1.json"))
    assert [r.position for r in page] == ["record 1", "record 2"]
    assert page[0].venue == "Neural Information Processing Systems"  # no option: the source's name
    (w,) = openalex.parse(FIX / "openalex_work_current.json", venue="NeurIPS")
    assert w.venue == "NeurIPS" and w.source_id == "W4000000001"


def test_openalex_jsonl(tmp_path):
    w = json.loads(fixture("openalex_work_current.json"))
    p = tmp_path / "works.jsonl"
    p.write_text(json.dumps(w) + "\n" + "{broken\n" + json.dumps({"results": [w]}) + "\n")
    out = list(openalex.parse(p))
    assert [(type(r).__name__, r.position) for r in out] == [
        ("PaperRecord", "line 1"), ("Reject", "line 2"), ("PaperRecord", "line 3 record 1")]


@pytest.mark.skipif(not DATA.is_dir(), reason="shared data not present")
def test_openalex_2022_schema_file():
    (r,) = openalex.parse(DATA / "openalex" / "work_W2741809807_2022schema.json")
    assert isinstance(r, PaperRecord)
    assert (r.source_id, r.year, r.venue) == ("W2741809807", 2018, "PeerJ")
    assert r.title.startswith("The state of OA")
    assert len(r.authors) == 9
    a0 = r.authors[0]
    assert (a0.name, a0.openalex_id, a0.orcid) == ("Heather A. Piwowar", "A1969205032", "0000-0003-1613-5981")
    assert a0.raw_affiliation == "Impactstory, Sanford, NC, USA"
    assert a0.institutions[0].openalex_id == "I4200000001" and a0.institutions[0].ror == "https://ror.org/02nr0ka47"
    assert a0.institutions[0].country == "CA" and a0.countries == ["US"]  # the authorship's own countries win
    assert r.abstract.startswith("Despite growing interest in") and r.extra["abstract_incomplete"]


def test_openalex_2022_host_venue_only():
    w = json.loads(fixture("openalex_work_current.json"))
    del w["primary_location"]
    w["host_venue"] = {"id": "https://openalex.org/V1", "display_name": "NeurIPS Proceedings"}
    for a in w["authorships"]:
        del a["countries"], a["raw_affiliation_strings"], a["affiliations"], a["raw_author_name"]
        a["raw_affiliation_string"] = "somewhere"
    r = openalex.parse_work(w)
    assert r.venue == "NeurIPS Proceedings"
    assert [a.countries for a in r.authors] == [["US"], ["HK"], ["CN", "US"]]  # from institutions
    assert r.authors[0].raw_affiliation == "somewhere"


@pytest.mark.skipif(not DATA.is_dir(), reason="shared data not present")
def test_openalex_institution_file_is_a_format_error():
    with pytest.raises(FormatError, match=r"found an institution object \(I114027177\), not a work"):
        openalex.parse(DATA / "openalex" / "institution_I114027177_2022schema.json")


# --------------------------------------------------------------------------- OpenReview


def openreview_routes(server, limit_pages=True):
    def notes(query):
        assert query["content.venueid"] == "NeurIPS.cc/2024/Conference"
        off = int(query["offset"])
        return (200, fixture({0: "openreview_notes_page1.json", 2: "openreview_notes_page2.json"}[off]))

    def profiles(query):
        ids = query["ids"].split(",")
        data = json.loads(fixture("openreview_profiles.json"))
        keep = [p for p in data["profiles"]
                if any(n["username"] in ids for n in p["content"]["names"])]
        return (200, json.dumps({"profiles": keep}).encode())

    server.routes["/notes"] = notes
    server.routes["/profiles"] = profiles


def test_openreview_offset_paging(server, client):
    openreview_routes(server)
    out = list(openreview.iter_notes_api("NeurIPS.cc/2024/Conference", base_url=server.url, limit=2, client=client))
    assert [type(r).__name__ for r in out] == ["PaperRecord", "PaperRecord", "PaperRecord", "Reject"]
    assert [q["offset"] for p, q, h in server.requests] == ["0", "2"]
    r = out[0]
    assert (r.source, r.source_id, r.venue, r.year, r.status) == (
        "openreview", "aB3dE5fG7h", "NeurIPS", 2024, "NeurIPS 2024 poster")
    assert [a.openreview_id for a in r.authors] == ["~Ann_Lee1", "~Wei_Zhang3"]
    assert all(a.institutions == [] for a in r.authors)
    assert out[1].authors[0].email_domain == "cs.stanford.edu" and out[1].authors[0].openreview_id is None
    assert out[3].reason == "field 'content.title': expected a string, found a number"


def test_openreview_with_profiles(server, client):
    openreview_routes(server)
    out = list(openreview.iter_notes_api("NeurIPS.cc/2024/Conference", base_url=server.url, limit=2,
                                         client=client, with_profiles=True))
    r = out[0]
    ann, wei = r.authors
    assert [(i.name, i.country) for i in ann.institutions] == [("Google DeepMind", "GB")]  # 2024, not MIT
    assert ann.countries == ["GB"] and ann.email_domain == "deepmind.com"
    assert ann.raw_affiliation == "Google DeepMind"
    assert wei.openreview_id == "~Wei_Zhang1"  # alias ~Wei_Zhang3 -> canonical id
    assert wei.countries == ["HK"] and r.paper_countries == ["GB", "HK"]
    assert r.extra["affiliation_source"] == "openreview-profile"
    profile_calls = [q for p, q, h in server.requests if p == "/profiles"]
    assert len(profile_calls) == 2  # one per page, only for ids not seen before
    assert "~Wei_Zhang3" not in profile_calls[1]["ids"]


def test_openreview_500_names_url(server, client):
    server.routes["/notes"] = [(500, b"{}")]
    with pytest.raises(FetchError, match=r"after 4 attempts: http://127\.0\.0\.1:\d+/notes\?content\.venueid=NeurIPS\.cc"):
        list(openreview.iter_notes_api(base_url=server.url, client=client))


def test_openreview_token_is_a_header_not_in_url(server):
    server.routes["/notes"] = [(200, b'{"notes": [], "count": 0}')]
    assert list(openreview.iter_notes_api(base_url=server.url, token="s3cret")) == []
    path, query, headers = server.requests[0]
    assert headers["Authorization"] == "Bearer s3cret" and "s3cret" not in json.dumps(query)


def test_openreview_files(tmp_path):
    out = list(openreview.parse(FIX / "openreview_notes_page1.json", profiles=FIX / "openreview_profiles.json"))
    assert [r.position for r in out] == ["record 1", "record 2"]
    assert out[0].authors[0].countries == ["GB"]
    notes = json.loads(fixture("openreview_notes_page1.json"))["notes"]
    p = tmp_path / "notes.json"
    p.write_text(json.dumps(notes))
    assert [r.source_id for r in openreview.parse(p)] == ["aB3dE5fG7h", "iJ9kL1mN3o"]
    p = tmp_path / "notes.jsonl"
    p.write_text("\n".join(json.dumps(n) for n in notes) + "\n[1]\n")
    out = list(openreview.parse(p, venue="NIPS", year=2031))
    assert [r.position for r in out] == ["line 1", "line 2", "line 3"]
    assert (out[0].venue, out[0].year) == ("NIPS", 2031) and isinstance(out[2], Reject)


def test_openreview_v1_plain_values():
    r = openreview.parse_note({"id": "x", "content": {"title": "Plain", "authors": ["A"], "authorids": ["~A1"],
                                                      "venueid": "ICLR.cc/2019/Conference"}})
    assert (r.title, r.venue, r.year, r.authors[0].openreview_id) == ("Plain", "ICLR", 2019, "~A1")


def test_openreview_profile_year_rules():
    prof = {"content": {"history": [
        {"start": 2015, "end": 2019, "institution": {"name": "Old", "country": "FR"}},
        {"start": 2020, "institution": {"name": "New", "country": "DE"}},
        {"institution": {"name": "Undated", "country": "IT"}},
    ]}}
    names = lambda y: [i["name"] for i in openreview.affiliations_for_year(prof, y)]  # noqa: E731
    assert names(2018) == ["Old"] and names(2024) == ["New"] and names(2010) == ["Undated"]
    assert names(None) == ["New"]
    assert openreview.affiliations_for_year({"content": {"history": "junk"}}, 2024) == []


def test_openreview_format_error(tmp_path):
    p = tmp_path / "n.json"
    p.write_text('{\n "count": 0\n}')
    with pytest.raises(FormatError, match=r'n.json: expected OpenReview API v2 notes .*found a JSON object without a "notes" array'):
        openreview.parse(p)
