"""Errors the parsers raise.

A *record* that cannot be used never raises: it becomes a :class:`~graphdb.loaders.records.Reject`.
Only a *file* that is not the expected format at all raises :class:`FormatError`, at once,
before any record is yielded (an empty file, HTML, binary data, a JSON object where an array
is expected, ...). :class:`FetchError` is raised by the HTTP helper when a URL cannot be fetched
after its retries.
"""

from __future__ import annotations

import os


class FormatError(ValueError):
    """The input file is not the expected format at all (not a bad record: a wrong file)."""

    def __init__(self, path: str | os.PathLike[str], expected: str, found: str) -> None:
        self.path = os.fspath(path)
        self.expected = expected
        self.found = found
        super().__init__(f"{os.path.basename(self.path)}: expected {expected}, found {found}")


class FetchError(RuntimeError):
    """A URL could not be fetched (after retries), or its answer was not what was expected."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{message}: {url}")
