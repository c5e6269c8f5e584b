"""The managed server's failures, each one clear line with the next step (exit code 1)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def _fake(dirpath: Path, name: str, script: str) -> None:
    dirpath.mkdir(parents=True, exist_ok=True)
    f = dirpath / name
    f.write_text("#!/bin/sh\n" + script)
    f.chmod(0o755)


def _run(args, home: Path, path: str, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "GRAPHDB_JAVA", "NEO4J_URI")}
    env.update(GRAPHDB_HOME=str(home), PATH=path, **extra)
    return subprocess.run([sys.executable, "-m", "graphdb", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=ROOT)


def test_old_java_is_named(tmp_path):
    _fake(tmp_path / "bin", "java", 'echo \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    r = _run(["neo4j", "install"], tmp_path / "home", str(tmp_path / "bin"))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"Error: Neo4j 5.26.30 needs Java 17 or newer; found: {tmp_path / 'bin' / 'java'} "
                                "(Java 11) — install a Java 17 or 21 runtime (e.g. `apt-get install "
                                "openjdk-17-jre-headless`) or set JAVA_HOME")


def test_no_java_at_all(tmp_path):
    (tmp_path / "empty").mkdir()
    r = _run(["neo4j", "start"], tmp_path / "home", str(tmp_path / "empty"))
    assert r.returncode == 1
    assert r.stderr.startswith("Error: Neo4j 5.26.30 needs Java 17 or newer; found: no java on PATH or JAVA_HOME")


def test_no_maven(tmp_path):
    _fake(tmp_path / "bin", "java", 'echo \'openjdk version "17.0.15" 2025-04-15\' >&2\n')
    r = _run(["neo4j", "install"], tmp_path / "home", str(tmp_path / "bin"))
    assert r.returncode == 1
    assert r.stderr.strip() == ("Error: Maven (mvn) is not on PATH — install Maven (`apt-get install maven`); "
                                "it fetches Neo4j from Maven Central")


def test_download_failure_names_the_artifact(tmp_path):
    _fake(tmp_path / "bin", "java", 'echo \'openjdk version "17.0.15" 2025-04-15\' >&2\n')
    _fake(tmp_path / "bin", "mvn", "echo '[ERROR] Failed to execute goal on project neo4j-managed: Could not "
          "resolve dependencies for project graphdb.local:neo4j-managed:pom:1: Could not find artifact "
          "org.neo4j:neo4j:jar:5.26.30 in central'\nexit 1\n")
    r = _run(["neo4j", "install"], tmp_path / "home", str(tmp_path / "bin"))
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: Maven could not fetch org.neo4j:neo4j:jar:5.26.30")
    assert last.endswith("— check that Maven Central is reachable, then run `graphdb neo4j install` again")


@pytest.mark.neo4j
def test_port_in_use(tmp_path, neo4j_db):
    from graphdb.server import ManagedServer

    home = tmp_path / "home"
    home.mkdir()
    os.symlink(ManagedServer().lib, home / "lib")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = _run(["neo4j", "start"], home, os.environ["PATH"], GRAPHDB_BOLT_PORT=str(port))
    assert r.returncode == 1
    assert r.stderr.strip() == (f"Error: port {port} (GRAPHDB_BOLT_PORT) is already in use on 127.0.0.1 — free the "
                                "port, or choose another with GRAPHDB_BOLT_PORT / GRAPHDB_HTTP_PORT")


@pytest.mark.neo4j
def test_server_that_cannot_start_points_at_the_log(tmp_path, neo4j_db):
    from graphdb.server import ManagedServer

    home = tmp_path / "home"
    home.mkdir()
    os.symlink(ManagedServer().lib, home / "lib")
    r = _run(["neo4j", "start"], home, os.environ["PATH"], GRAPHDB_NEO4J_HEAP="not-a-size",
             NEO4J_PASSWORD="a-test-password")
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == (
        f"Error: Neo4j exited with code 1 during start-up (log: {home / 'logs' / 'console.log'}) — see "
        "`graphdb neo4j logs`")
    assert "a-test-password" not in r.stderr
    st = _run(["neo4j", "status"], home, os.environ["PATH"])
    assert st.returncode == 3
