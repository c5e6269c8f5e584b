"""Constraints and indexes, applied idempotently before any load."""

from __future__ import annotations

from .db import Database

CONSTRAINTS = [
    ("paper_uid", "Paper", "uid"),
    ("author_uid", "Author", "uid"),
    ("authorship_uid", "Authorship", "uid"),
    ("institution_uid", "Institution", "uid"),
    ("country_code", "Country", "code"),
    ("venue_key", "Venue", "key"),
    ("model_name", "Model", "name"),
]
INDEXES = [
    ("paper_year", "Paper", "year"),
    ("paper_venue", "Paper", "venue"),
    ("paper_title_norm", "Paper", "title_norm"),
    ("authorship_resolved", "Authorship", "resolved"),
    ("institution_name", "Institution", "name"),
    ("author_name_norm", "Author", "name_norm"),
]


def statements() -> list[str]:
    out = [f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
           for name, label, prop in CONSTRAINTS]
    out += [f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{label}) ON (n.{prop})" for name, label, prop in INDEXES]
    return out


def apply(db: Database) -> dict[str, int]:
    """Create every constraint and index that is missing; returns how many were added."""
    added = {"constraints_added": 0, "indexes_added": 0}
    for stmt in statements():
        c = db.write(stmt, what="schema change")
        added["constraints_added"] += c["constraints_added"]
        added["indexes_added"] += c["indexes_added"]
    db.write("CALL db.awaitIndexes(300)", what="index build")
    return added


def reset(db: Database) -> int:
    """Delete every node and relationship in the configured database (schema is kept)."""
    total = 0
    with db.errors("reset"), db.driver.session(database=db.database) as s:
        while True:
            rec = s.run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c").single()
            n = rec["c"] if rec else 0
            total += n
            if n == 0:
                break
    return total
