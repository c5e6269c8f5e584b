"""Test fixtures. Database tests run against a real Neo4j: NEO4J_URI when set, else the managed
local server (started here if needed). Under CI=true an unreachable database fails the run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def shared_file(rel: str) -> Path:
    p = SHARED / rel
    if not p.exists():
        if IN_CI:
            pytest.fail(f"shared dataset missing: {p}")
        pytest.skip(f"shared dataset missing: {p}")
    return p


@pytest.fixture(scope="session")
def neo4j_db():
    """A Database connected to a real, running Neo4j (session-wide)."""
    from graphdb.config import load_settings
    from graphdb.db import Database
    from graphdb.errors import GraphdbError

    settings = load_settings()
    try:
        if settings.managed:
            from graphdb.server import ManagedServer

            ManagedServer().start()
        db = Database(settings)
        db.ping()
    except GraphdbError as e:
        if IN_CI:
            pytest.fail(f"Neo4j is required under CI and is unreachable: {e}")
        pytest.skip(f"Neo4j unreachable: {e}")
    from graphdb.schema import apply

    apply(db)
    yield db
    db.close()


@pytest.fixture
def db(neo4j_db):
    """A clean database for one test."""
    from graphdb.schema import reset

    reset(neo4j_db)
    return neo4j_db


def count(db, cypher: str, **params) -> int:
    rows = db.read(cypher, params)
    return next(iter(rows[0].values())) if rows else 0
