"""Security: read mode unless asked, parameters never pasted into Cypher, no unauthenticated HTTP
Cypher, no password in error messages or logs, private files 0600.

(tests/test_server.py already covers loopback-only listening, Bolt auth, the password in argv
and logs of running processes, and the state/password files of a started server.)
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from graphdb.server import ManagedServer

from conftest import count

pytestmark = pytest.mark.neo4j


def _graphdb(*args, env=None):
    return subprocess.run([sys.executable, "-m", "graphdb", *args], capture_output=True, text=True,
                          env=env if env is not None else os.environ.copy(), timeout=300)


@pytest.fixture
def seeded(db):
    db.write("UNWIND range(1, 5) AS i CREATE (:Paper {uid: 'sec-' + i, title: 'T' + i, venue: 'NeurIPS', year: 2024})")
    assert count(db, "MATCH (n) RETURN count(n)") == 5
    return db


def _nodes(db) -> int:
    return count(db, "MATCH (n) RETURN count(n)")


def test_undeclared_write_is_refused_even_with_write_flag(seeded, tmp_path):
    q = tmp_path / "wipe.cypher"
    q.write_text("// Deletes every paper (not declared as writing).\nMATCH (p:Paper) DETACH DELETE p\n")
    for extra in ([], ["--write"]):
        r = _graphdb("query", "run", str(q), *extra)
        assert r.returncode == 1
        assert r.stderr.strip().splitlines()[-1] == (
            "Error: the query 'wipe' tried to write, but runs in read mode — run it with --write if you mean "
            "to change the database")
        assert _nodes(seeded) == 5


def test_declared_write_runs_only_when_asked(seeded, tmp_path):
    q = tmp_path / "tag.cypher"
    q.write_text("// Tags papers.\n// @writes\nMATCH (p:Paper) SET p.tagged = true RETURN count(p) AS n\n")
    r = _graphdb("query", "run", str(q))
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].startswith("Error: query 'tag' is declared as writing — run it with --write")
    assert count(seeded, "MATCH (p:Paper) WHERE p.tagged RETURN count(p)") == 0
    r = _graphdb("query", "run", str(q), "--write")
    assert r.returncode == 0, r.stderr
    assert count(seeded, "MATCH (p:Paper) WHERE p.tagged RETURN count(p)") == 5


INJECTIONS = [
    "x' OR 1=1 WITH p DETACH DELETE p RETURN 'x",
    'x" OR true DETACH DELETE p //',
    "NeurIPS') MATCH (n) DETACH DELETE n //",
    "$name} ) DETACH DELETE p //",
    "x\nMATCH (n) DETACH DELETE n",
]


@pytest.mark.parametrize("value", INJECTIONS)
def test_injection_values_are_parameters_not_cypher(seeded, tmp_path, value):
    q = tmp_path / "by_title.cypher"
    q.write_text("// Papers by title.\n// @param name string\nMATCH (p:Paper) WHERE p.title = $name RETURN p.title AS title\n")
    r = _graphdb("query", "run", str(q), "-p", "name", value, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows"] == []
    r = _graphdb("query", "run", "cross_border_share", "-p", "venue", value, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert _nodes(seeded) == 5


def test_injection_in_country_or_parameter_name_is_refused(seeded):
    r = _graphdb("query", "run", "cross_border_share", "-p", "a", "US'] MATCH (n) DETACH DELETE n //")
    assert r.returncode == 1 and r.stderr.startswith("Error: ")
    r = _graphdb("query", "run", "cross_border_share", "-p", "x}) DETACH DELETE n //", "1")
    assert r.returncode == 1 and "has no parameter(s)" in r.stderr
    assert _nodes(seeded) == 5


def _post(url: str, body: dict, auth: tuple[str, str] | None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_http_api_refuses_unauthenticated_cypher(seeded):
    if not seeded.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    srv = ManagedServer()
    port = srv.status().http_port
    wipe = {"statement": "MATCH (n) DETACH DELETE n"}
    # a user that does not exist: no lock-out of the real account for concurrent tests
    for auth in (None, ("graphdb_no_such_user", "not-the-password")):
        for path in ("/db/neo4j/query/v2", "/db/neo4j/tx/commit"):
            body = wipe if path.endswith("v2") else {"statements": [wipe]}
            status, _ = _post(f"http://127.0.0.1:{port}{path}", body, auth)
            assert status == 401, (path, auth, status)
    assert _nodes(seeded) == 5
    # the endpoint exists and answers with the password (so the 401s above are auth, not 404s)
    status, text = _post(f"http://127.0.0.1:{port}/db/neo4j/query/v2", {"statement": "RETURN 1 AS x"},
                         ("neo4j", srv.password()))
    assert status in (200, 202) and json.loads(text)["data"]["values"] == [[1]]


def test_wrong_password_is_not_echoed(neo4j_db):
    secret = "Wr0ng-Secret-7f3a9c"
    env = os.environ.copy()
    env.update(NEO4J_USER="graphdb_no_such_user", NEO4J_PASSWORD=secret)
    r = _graphdb("query", "run", "cross_border_share", env=env)
    assert r.returncode == 1
    assert "refused the credentials of user 'graphdb_no_such_user'" in r.stderr
    assert secret not in r.stderr + r.stdout
    if neo4j_db.settings.managed:
        for f in (ManagedServer().home / "logs").glob("*"):
            if f.is_file():
                assert secret.encode() not in f.read_bytes(), f


def test_password_in_uri_is_not_echoed():
    secret = "Hunter2-uri-secret"
    env = os.environ.copy()
    env.update(NEO4J_URI=f"bolt://neo4j:{secret}@127.0.0.1:1")
    r = _graphdb("query", "run", "cross_border_share", env=env)
    assert r.returncode == 1
    assert secret not in r.stderr + r.stdout


def test_password_file_is_private_whatever_the_umask(tmp_path, monkeypatch):
    monkeypatch.delenv("NEO4J_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env here
    old = os.umask(0)
    try:
        srv = ManagedServer(tmp_path / "home")
        pw = srv.password()
    finally:
        os.umask(old)
    assert len(pw) >= 24
    assert stat.S_IMODE(srv.password_file.stat().st_mode) == 0o600
    assert srv.password() == pw  # stored, not regenerated
    assert stat.S_IMODE(srv.password_file.stat().st_mode) == 0o600


def test_state_file_private_and_no_password_in_loader_argv(db, tmp_path):
    if not db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    srv = ManagedServer()
    assert stat.S_IMODE(srv.state_file.stat().st_mode) == 0o600
    pw = srv.password().encode()
    src = tmp_path / "nips2024_sec.json"
    from graphdb.synth import write_paperlists

    write_paperlists(src, 300, seed=2)
    proc = subprocess.Popen([sys.executable, "-m", "graphdb", "load", "paperlists", str(src), "--batch-size", "10",
                             "--no-resolve", "--rejects", str(tmp_path / "rej.jsonl")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seen = []
    try:
        while proc.poll() is None:
            seen.append(open(f"/proc/{proc.pid}/cmdline", "rb").read())
    except OSError:
        pass
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert seen and all(pw not in c for c in seen)
    assert pw not in out + err
