"""The command line: every command documented with an example, exit codes and exact error lines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from graphdb.cli import cli

from conftest import ROOT


def _commands(group: click.Group, prefix: str = ""):
    for name, cmd in sorted(group.commands.items()):
        full = f"{prefix}{name}"
        yield full, cmd
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, full + " ")


ALL = list(_commands(cli))


def test_top_level_help_lists_every_command():
    out = CliRunner().invoke(cli, ["--help"]).output
    for name in cli.commands:
        assert re.search(rf"^\s+{re.escape(name)}\s", out, re.M), name


@pytest.mark.parametrize("name,cmd", ALL, ids=[n for n, _ in ALL])
def test_every_command_has_help_and_an_example(name, cmd):
    assert cmd.help and cmd.help.strip(), name
    assert "Example:" in cmd.help and "graphdb " in cmd.help.split("Example:")[1], name
    res = CliRunner().invoke(cli, [*name.split(), "--help"])
    assert res.exit_code == 0 and "Example:" in res.output


def test_readme_documents_every_command():
    readme = (ROOT / "README.md").read_text()
    for name, _ in ALL:
        assert f"graphdb {name}" in readme, f"README does not mention `graphdb {name}`"


def _run(*args, env_extra=None, env_drop=()):
    env = os.environ.copy()
    env.update(env_extra or {})
    for k in env_drop:
        env.pop(k, None)
    return subprocess.run([sys.executable, "-m", "graphdb", *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=ROOT)


def test_reset_refuses_without_yes():
    r = _run("reset")
    assert r.returncode == 1
    assert r.stderr.strip() == "Error: reset deletes every node in the database; run `graphdb reset --yes` to confirm"


def test_unreachable_database_is_one_clear_line():
    r = _run("query", "run", "cross_border_share", env_extra={"NEO4J_URI": "bolt://127.0.0.1:1"})
    assert r.returncode == 1
    assert r.stderr.strip() == ("Error: Neo4j is not reachable at bolt://127.0.0.1:1 — run `graphdb neo4j start`, "
                                "or `docker compose up -d`, or set NEO4J_URI")


def test_unknown_parameter_refused_before_connecting():
    r = _run("query", "run", "cross_border_share", "-p", "country", "US", env_extra={"NEO4J_URI": "bolt://127.0.0.1:1"})
    assert r.returncode == 1
    assert r.stderr.strip() == ("Error: query 'cross_border_share' has no parameter(s) country — its parameters: "
                                "a, b, venue, year")


def test_missing_file_and_unknown_source():
    r = _run("load", "paperlists", "/nonexistent/nips2018.json")
    assert r.returncode == 1 and r.stderr.strip() == "Error: /nonexistent/nips2018.json: no such file"
    r = _run("load", "dblp", "x.json")
    assert r.returncode == 2 and "'dblp' is not one of 'paperlists'" in r.stderr


@pytest.mark.neo4j
def test_wrong_password_is_named_not_echoed(neo4j_db):
    secret = "definitely-wrong-pw-123"
    r = _run("query", "run", "cross_border_share", env_extra={"NEO4J_URI": neo4j_db.uri, "NEO4J_PASSWORD": secret})
    assert r.returncode == 1
    assert r.stderr.strip() == (f"Error: Neo4j at {neo4j_db.uri} refused the credentials of user 'neo4j' — "
                                "set NEO4J_PASSWORD (or NEO4J_USER) to the database's credentials")
    assert secret not in r.stderr + r.stdout


@pytest.mark.neo4j
def test_query_run_formats(db, tmp_path):
    r = _run("query", "run", "country_pairs", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["rows"] == [] and "rule: country_pairs()" in doc["provenance"]
    r = _run("query", "run", "trend", "--format", "parquet", "--out", str(tmp_path / "t.parquet"))
    assert r.returncode == 0 and (tmp_path / "t.parquet").stat().st_size > 0
    r = _run("query", "run", "trend", "--format", "parquet")
    assert r.returncode == 1 and r.stderr.strip() == "Error: --format parquet needs --out FILE"
