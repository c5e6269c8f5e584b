"""Loaders: parse sources into records (pure) and write them to Neo4j in batches.

``load_file(db, source, path, ...)`` is the one entry point the CLI uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

from .errors import FetchError, FormatError

__all__ = ["FetchError", "FormatError", "SOURCES", "load_file", "parser"]

SOURCES = {
    "paperlists": "paperlists",
    "neurips-virtual": "neurips_virtual",
    "openalex": "openalex",
    "openreview": "openreview",
}


def parser(source: str):
    from graphdb.errors import DataError

    if source not in SOURCES:
        raise DataError(f"unknown source {source!r}", hint=f"one of: {', '.join(SOURCES)}")
    return importlib.import_module(f"graphdb.loaders.{SOURCES[source]}")


def default_rejects_path(path: str | Path, source: str) -> Path:
    p = Path(path)
    return Path.cwd() / "rejects" / f"{p.stem}.{source}.rejects.jsonl"


def load_file(db, source: str, path: str | Path, *, venue: str | None = None, year: int | None = None,
              batch_size: int = 500, rejects: Path | None = None,
              progress: Callable[[int, int], None] | None = None):
    """Parse ``path`` as ``source`` and write it; returns a LoadSummary."""
    from graphdb.errors import DataError
    from graphdb.schema import apply

    from .errors import FormatError
    from .writer import write_records

    mod = parser(source)
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{path}: no such file")
    apply(db)
    try:
        records = mod.parse(str(p), venue=venue, year=year)
        return write_records(db, records, source=source, path=str(p), batch_size=batch_size,
                             rejects=rejects if rejects is not None else default_rejects_path(p, source),
                             progress=progress)
    except FormatError as e:
        raise DataError(str(e), hint=f"is it a {source} file? see `graphdb load --help`") from None


def load_api(db, source: str, *, venue_id: str, year: int | None = None, venue: str | None = None,
             base_url: str | None = None, mailto: str | None = None, batch_size: int = 500,
             rejects: Path | None = None, progress: Callable[[int, int], None] | None = None):
    """Page through the OpenAlex or OpenReview API and write what it returns; returns a LoadSummary."""
    from graphdb.errors import DataError
    from graphdb.schema import apply

    from .writer import write_records

    kw = {"base_url": base_url} if base_url else {}
    if source == "openalex":
        from .openalex import iter_works_api

        records = iter_works_api(venue_id, year, mailto=mailto, venue=venue, **kw)
        label = f"openalex:{venue_id}/{year}"
    elif source == "openreview":
        from .openreview import iter_notes_api

        records = iter_notes_api(venue_id, venue=venue, year=year, **kw)
        label = f"openreview:{venue_id}"
    else:
        raise DataError(f"source {source!r} has no API loader", hint="use openalex or openreview with --api-venue")
    apply(db)
    try:
        return write_records(db, records, source=source, path=label, batch_size=batch_size,
                             rejects=rejects or Path.cwd() / "rejects" / f"{source}-api.rejects.jsonl",
                             progress=progress)
    except FetchError as e:
        raise DataError(str(e), hint="papers already written are kept; re-run the same command to complete") from None
