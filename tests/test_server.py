"""The managed Neo4j: status, auth, Browser, loopback only, no password leaks, files 0600."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import neo4j
import pytest
from neo4j.exceptions import AuthError

from graphdb.server import ManagedServer

pytestmark = pytest.mark.neo4j


def _graphdb(*args, env=None, check=False):
    return subprocess.run([sys.executable, "-m", "graphdb", *args], capture_output=True, text=True,
                          env=env or os.environ.copy(), check=check, timeout=300)


def test_status_json_reports_running(neo4j_db):
    if not neo4j_db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    r = _graphdb("neo4j", "status", "--json")
    assert r.returncode == 0, r.stderr
    st = json.loads(r.stdout)
    assert st["running"] is True
    assert st["version"] == "5.26.30"
    assert st["uri"].startswith("bolt://127.0.0.1:")
    assert st["browser_url"].startswith("http://127.0.0.1:") and st["browser_url"].endswith("/browser/")
    assert isinstance(st["pid"], int)


def test_bolt_needs_the_password(neo4j_db):
    uri = neo4j_db.uri
    pw = neo4j_db._password()
    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", pw)) as d:
        assert d.execute_query("RETURN 1 AS x").records[0]["x"] == 1
    with neo4j.GraphDatabase.driver(uri, auth=("neo4j", pw + "-wrong")) as d, pytest.raises(AuthError):
        d.execute_query("RETURN 1")
    with neo4j.GraphDatabase.driver(uri, auth=None) as d, pytest.raises(AuthError):
        d.execute_query("RETURN 1")


def test_browser_is_served(neo4j_db):
    if not neo4j_db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    st = ManagedServer().status()
    with urllib.request.urlopen(st.browser_url, timeout=10) as r:
        body = r.read().decode("utf-8", "replace")
        assert r.status == 200
    assert "Neo4j Browser" in body or "neo4j" in body.lower()


def _non_loopback_ip() -> str | None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))  # no packet is sent for UDP connect
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") else ip


def test_listens_on_loopback_only(neo4j_db):
    if not neo4j_db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    st = ManagedServer().status()
    conf = (ManagedServer().conf_dir / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf
    assert "dbms.security.auth_enabled=true" in conf
    ip = _non_loopback_ip()
    if ip is None:
        pytest.skip("this machine has no non-loopback address to try")
    for port in (st.bolt_port, st.http_port):
        with socket.socket() as s:
            s.settimeout(2)
            assert s.connect_ex((ip, port)) != 0, f"port {port} answers on {ip}"


def test_no_password_in_args_logs_or_loose_files(neo4j_db):
    if not neo4j_db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    srv = ManagedServer()
    pw = srv.password().encode()
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                assert pw not in open(f"/proc/{pid}/cmdline", "rb").read(), f"password in argv of pid {pid}"
            except OSError:
                pass
    for f in (srv.home / "logs").glob("*"):
        assert pw not in f.read_bytes(), f"password in {f}"
    assert pw not in (srv.conf_dir / "neo4j.conf").read_bytes()
    for f in (srv.password_file, srv.state_file):
        if f.exists():
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert not list((srv.home / "run").glob("admin-*.args")), "argfile left behind"


def test_second_home_start_stop_and_stale_state(tmp_path, neo4j_db):
    """A second managed server in another GRAPHDB_HOME: free ports are chosen, kill -9 is reported
    as stale by status, start is idempotent, stop stops."""
    if not neo4j_db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server")
    env = os.environ.copy()
    env["GRAPHDB_HOME"] = str(tmp_path / "home")
    env["NEO4J_PASSWORD"] = "second-server-pw"
    env["GRAPHDB_NEO4J_HEAP"] = "256m"
    env["GRAPHDB_NEO4J_PAGECACHE"] = "64m"
    env.pop("NEO4J_URI", None)
    # share the jars already fetched
    (tmp_path / "home").mkdir()
    os.symlink(ManagedServer().lib, tmp_path / "home" / "lib")
    try:
        r = _graphdb("neo4j", "start", env=env)
        assert r.returncode == 0, r.stderr
        st = json.loads(_graphdb("neo4j", "status", "--json", env=env).stdout)
        assert st["running"] and st["bolt_port"] != ManagedServer().status().bolt_port
        with neo4j.GraphDatabase.driver(st["uri"], auth=("neo4j", "second-server-pw")) as d:
            assert d.execute_query("RETURN 2 AS x").records[0]["x"] == 2
        r2 = _graphdb("neo4j", "start", env=env)
        assert r2.returncode == 0 and "already running" in r2.stderr
        os.kill(st["pid"], 9)
        time.sleep(1)
        r3 = _graphdb("neo4j", "status", env=env)
        assert r3.returncode == 3
        assert "stale state" in r3.stdout
        assert _graphdb("neo4j", "start", env=env).returncode == 0
        r4 = _graphdb("neo4j", "stop", env=env)
        assert r4.returncode == 0 and "stopped" in r4.stderr
        r5 = _graphdb("neo4j", "status", "--json", env=env)
        assert r5.returncode == 3 and json.loads(r5.stdout)["running"] is False
    finally:
        _graphdb("neo4j", "stop", env=env)
