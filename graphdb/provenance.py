"""Where results come from: the datasets loaded (source, file, load date) and the counting rule."""

from __future__ import annotations

import datetime as _dt


def datasets(db) -> list[dict]:
    return db.read("MATCH (d:Dataset) RETURN d.source AS source, d.file AS file, d.loaded_at AS loaded_at, "
                   "d.papers AS papers ORDER BY d.loaded_at", what="provenance")


def describe(db, rule: str) -> str:
    """One line: the data (source:file@date) and the rule."""
    ds = datasets(db)
    data = "; ".join(f"{d['source']}:{d['file']} (loaded {str(d['loaded_at'])[:10]})" for d in ds) or "no datasets recorded"
    today = _dt.date.today().isoformat()
    return f"data: {data} | rule: {rule} | run: {today}"
