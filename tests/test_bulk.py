"""The bulk path (neo4j-admin import into an empty managed database) builds the batch writer's graph.

Runs against a second managed server in a tmp GRAPHDB_HOME (free ports, small memory), because
the bulk path stops and restarts the server it imports into.
"""

from __future__ import annotations

import os

import click
import pytest
from click.testing import CliRunner
from graphdb.loaders import load_file, paperlists

from graphdb.bulk import NotEmpty, NotManaged, bulk_load, write_csvs
from graphdb.config import Settings
from graphdb.db import Database
from graphdb.resolution import resolve_graph
from graphdb.schema import reset
from graphdb.server import ManagedServer
from graphdb.synth import write_paperlists

pytestmark = pytest.mark.neo4j

PW = "bulk-second-server-pw"


@pytest.fixture(scope="module")
def server(tmp_path_factory, neo4j_db):
    if not neo4j_db.settings.managed:
        pytest.skip("NEO4J_URI points at an external server; the bulk path needs a managed one")
    lib = ManagedServer().lib
    home = tmp_path_factory.mktemp("bulk") / "home"
    home.mkdir()
    os.symlink(lib, home / "lib")
    with pytest.MonkeyPatch.context() as mp:
        for k in ("NEO4J_URI", "GRAPHDB_BOLT_PORT", "GRAPHDB_HTTP_PORT", "NEO4J_DATABASE", "NEO4J_USER"):
            mp.delenv(k, raising=False)
        mp.setenv("NEO4J_PASSWORD", PW)
        mp.setenv("GRAPHDB_HOME", str(home))
        mp.setenv("GRAPHDB_NEO4J_HEAP", "384m")
        mp.setenv("GRAPHDB_NEO4J_PAGECACHE", "64m")
        mp.setenv("GRAPHDB_IMPORT_HEAP", "384m")
        mp.setenv("GRAPHDB_IMPORT_OFFHEAP", "256m")
        srv = ManagedServer(home)
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()


def _db(srv) -> Database:
    return Database(Settings(uri=srv.status().uri, password=PW))


def _snapshot(db) -> dict:
    """Every node's labels and properties by key, and every relationship as (start key, type, end key, props)."""
    nodes = db.read("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    out_nodes = {}
    for r in nodes:
        p = dict(r["p"])
        p.pop("loaded_at", None)  # the load time
        key = p.get("uid") or p.get("key") or p.get("code")
        assert key is not None, r
        out_nodes[(tuple(sorted(r["l"])), key)] = p
    rels = db.read("MATCH (a)-[x]->(b) RETURN coalesce(a.uid, a.key, a.code) AS a, type(x) AS t, "
                   "coalesce(b.uid, b.key, b.code) AS b, properties(x) AS p")
    out_rels = sorted((r["a"], r["t"], r["b"], sorted(r["p"].items())) for r in rels)
    return {"nodes": out_nodes, "rels": out_rels}


def _shape(snap: dict) -> dict:
    from collections import Counter

    c = Counter(":" + ":".join(k[0]) for k in snap["nodes"])
    c.update(f"[:{r[1]}]" for r in snap["rels"])
    return dict(c)


def test_csvs_dedupe_like_the_writer(tmp_path):
    src = tmp_path / "nips2024_small.json"
    write_paperlists(src, 400, seed=9)
    s = write_csvs(paperlists.parse(src), tmp_path / "csv", source="paperlists", path=str(src))
    assert s.papers + s.duplicates_in_input == s.records_read == 400
    assert s.duplicates_in_input >= 0 and s.rejected == 0
    lines = {p.stem: (tmp_path / "csv" / p.name).read_text().count("\n") - 1 for p in (tmp_path / "csv").glob("*.csv")}
    assert lines["papers"] == s.papers and lines["published_in"] == s.papers
    assert lines["authorships"] == lines["wrote"] == lines["of"] == s.author_slots
    assert lines["authors"] == s.authors and lines["authored"] <= s.author_slots
    assert lines["venues"] == 1 and lines["datasets"] == 1


def test_bulk_graph_equals_batch_writer_graph(server, tmp_path):
    src = tmp_path / "nips2024_bulk.json"
    write_paperlists(src, 800, seed=21)
    db = _db(server)
    try:
        reset(db)
        db.write("MATCH (n) DETACH DELETE n")
    finally:
        db.close()
    summary = bulk_load(server, src, rejects=tmp_path / "rej.jsonl", keep_csv=True, csv_dir=tmp_path / "csv")
    assert summary.papers + summary.duplicates_in_input == 800
    assert summary.totals["Paper"] == summary.papers and summary.totals["Authorship"] == summary.author_slots
    assert summary.resolve and summary.resolve["slots"] > 0
    assert (tmp_path / "csv" / "papers.csv").exists()
    db = _db(server)
    try:
        bulk = _snapshot(db)
        constraints = {r["name"] for r in db.read("SHOW CONSTRAINTS YIELD name RETURN name")}
        assert {"paper_uid", "author_uid", "authorship_uid", "venue_key"} <= constraints

        reset(db)
        load_file(db, "paperlists", src, rejects=tmp_path / "rej2.jsonl")
        resolve_graph(db)
        batch = _snapshot(db)
    finally:
        db.close()
    assert _shape(bulk) == _shape(batch)
    assert {"Paper", "Author", "Authorship", "Venue", "Dataset", "Institution", "Country"} <= {
        lab for k in bulk["nodes"] for lab in k[0]}
    assert bulk["nodes"] == batch["nodes"]  # same keys and properties
    assert bulk["rels"] == batch["rels"]


def test_refuses_non_empty_database_and_keeps_it(server, tmp_path):
    src = tmp_path / "nips2024_x.json"
    write_paperlists(src, 20, seed=3)
    db = _db(server)
    try:
        db.write("CREATE (:Paper {uid: 'keep-me'})")
        n = db.read("MATCH (n) RETURN count(n) AS c")[0]["c"]
        with pytest.raises(NotEmpty, match=r"is not empty \(\d+ nodes\)"):
            bulk_load(server, src)
        assert server.status().running
        assert db.read("MATCH (n) RETURN count(n) AS c")[0]["c"] == n

        from graphdb.cli_scale import register

        @click.group()
        def cli():
            pass

        register(cli)
        r = CliRunner().invoke(cli, ["bulk-load", "paperlists", str(src)])
        assert r.exit_code == 1
        lines = r.output.strip().splitlines()
        assert lines[-1].startswith("Error: the database neo4j at bolt://127.0.0.1:")
        assert "use `graphdb load` to add to a database" in lines[-1]
    finally:
        db.close()


def test_refuses_a_server_that_is_not_the_managed_one(server, tmp_path, monkeypatch):
    src = tmp_path / "nips2024_y.json"
    write_paperlists(src, 5, seed=3)
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://example.databases.neo4j.io")
    with pytest.raises(NotManaged, match="only on the managed local Neo4j"):
        bulk_load(server, src)
    assert server.status().running


def test_failed_import_leaves_an_empty_working_database(server, tmp_path, monkeypatch):
    import graphdb.bulk as bulk
    from graphdb.errors import ServerFailed

    db = _db(server)
    try:
        db.write("MATCH (n) DETACH DELETE n")
    finally:
        db.close()
    real = bulk.write_csvs

    def broken(records, out_dir, **kw):
        s = real(records, out_dir, **kw)
        with open(out_dir / "wrote.csv", "a", encoding="utf-8") as f:
            f.write('"name:nobody","no-such-slot"\n')  # a relationship to nodes that do not exist
        return s

    monkeypatch.setattr(bulk, "write_csvs", broken)
    src = tmp_path / "nips2024_z.json"
    write_paperlists(src, 30, seed=5)
    with pytest.raises(ServerFailed, match=r"neo4j-admin import failed .*the database was left empty"):
        bulk_load(server, src, rejects=tmp_path / "r.jsonl")
    assert server.status().running
    db = _db(server)
    try:
        assert db.read("MATCH (n) RETURN count(n) AS c")[0]["c"] == 0
        db.write("CREATE (:Paper {uid: 'works'})")
        assert db.read("MATCH (n) RETURN count(n) AS c")[0]["c"] == 1
    finally:
        db.close()
