"""NeurIPS virtual-site paper lists -> PaperRecords.

Two shapes are accepted (sniffed from the file, not the name):

* JSON lines, one paper per line: ``{"title", "authors": [{"name", "affiliation", "no"}]}``
  (the shared ``nips2024_virtual.jsonl``, 4,553 papers). Positions are ``line N`` (1-based).
* The official export, one JSON object: ``{"results": [{"id", "name" (the title),
  "authors": [{"fullname", "institution", "id"?}], "abstract", "decision", "event_type",
  "sourceurl", ...}]}``, streamed item by item. Positions are ``record N`` (1-based).
  A plain JSON array of such objects (or of JSON-lines style objects) is accepted too.

Text decisions (the site's strings carry transport damage: ``\\xfc`` written as four
characters, ``&#x27;``, HTML escaped up to four times, ``&amp;amp;amp;#x27;``):

* ``title`` and author ``name`` are *decoded* (:func:`graphdb.loaders.identity.decode_text`)
  because they are displayed and matched; whitespace is collapsed.
* ``raw_affiliation`` is kept *verbatim* as the file has it (provenance; the resolver decodes
  it with the same ``decode_text``). The decoded form of each slot's affiliation is also given,
  in slot order, in ``extra['affiliations_decoded']``.
* The literal affiliations ``"None"`` (358 slots in 2024), ``"n/a"`` (1) and the empty string (262)
  become None (97.5% of slots keep an affiliation).
* The author ``no`` / ``id`` (a nips.cc person number) is kept in ``extra['author_ids']``;
  ``decision``, ``event_type``, ``sourceurl`` of the export go to ``status``, ``track``,
  ``extra['sourceurl']``.

Venue is "NeurIPS" unless given; the year comes from the option or the file name
(``nips2024_virtual.jsonl`` -> 2024).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from .errors import FormatError
from .identity import collapse_ws, decode_text
from .jsonstream import (
    Broken,
    TextStream,
    describe,
    excerpt,
    first_is_record,
    first_value_is_one_line,
    guarded_build,
    iter_array,
    iter_jsonl,
    iter_object,
    open_stream,
    type_name,
    venue_year_from_filename,
)
from .records import AuthorSlot, PaperRecord, Reject

SOURCE = "neurips-virtual"
EXPECTED = ("NeurIPS virtual-site papers (JSON lines of {title, authors} objects, "
            "or an export object {\"results\": [...]})")
_NONE_AFFILIATIONS = {"", "none", "null", "n/a"}


def detect(path: str | os.PathLike[str]) -> bool:
    """True if the file looks like either NeurIPS virtual-site shape."""
    return first_is_record(parse, path)


def parse(path: str | os.PathLike[str], *, venue: str | None = None,
          year: int | None = None) -> Iterator[PaperRecord | Reject]:
    """Stream PaperRecords (or Rejects) from either shape, in input order.

    Raises FormatError at once if the file is neither shape (empty, HTML, binary, a bare
    value, an object without ``results``...).
    """
    _, y = venue_year_from_filename(path)
    venue = venue or "NeurIPS"
    year = year if year is not None else y
    spath = os.fspath(path)
    ts = open_stream(path, EXPECTED)
    c = ts.peek()
    if c == "[":
        ts.pos += 1
        return _iter_array(ts, spath, venue, year)
    if c != "{":
        found = describe(ts)
        ts.close()
        raise FormatError(path, EXPECTED, found)
    if first_value_is_one_line(ts):
        ts.close()
        return _iter_lines(spath, venue, year)
    # A single JSON document: it must hold a "results" array (checked before yielding).
    ts.pos += 1
    members = iter_object(ts, {"results"})
    for key, value in members:
        if key == "results" and not isinstance(value, list | dict | str | int | float | bool | None):
            return _iter_results(ts, value, spath, venue, year)
        if key == "results":
            break
        if key is None:
            break
    ts.close()
    raise FormatError(path, EXPECTED, "a JSON object without a \"results\" array")


def _iter_lines(path: str, venue: str, year: int | None) -> Iterator[PaperRecord | Reject]:
    for n, item in iter_jsonl(path):
        pos = f"line {n}"
        if isinstance(item, Broken):
            yield Reject(SOURCE, path, pos, item.reason, item.raw)
        elif isinstance(item, dict) and isinstance(item.get("results"), list) and not (
                "title" in item or "name" in item):  # a one-line export object
            for i, sub in enumerate(item["results"], 1):
                yield parse_record(sub, path=path, position=f"{pos} record {i}", venue=venue, year=year)
        else:
            yield parse_record(item, path=path, position=pos, venue=venue, year=year)


def _iter_array(ts: TextStream, path: str, venue: str, year: int | None) -> Iterator[PaperRecord | Reject]:
    with ts:
        yield from _items(iter_array(ts), path, venue, year)


def _iter_results(ts: TextStream, items: Iterator[Any], path: str, venue: str,
                  year: int | None) -> Iterator[PaperRecord | Reject]:
    with ts:
        yield from _items(items, path, venue, year)


def _items(items: Iterator[Any], path: str, venue: str, year: int | None) -> Iterator[PaperRecord | Reject]:
    for i, item in enumerate(items, 1):
        pos = f"record {i}"
        if isinstance(item, Broken):
            yield Reject(SOURCE, path, pos, item.reason, item.raw)
        else:
            yield parse_record(item, path=path, position=pos, venue=venue, year=year)


def parse_record(obj: Any, *, path: str = "", position: str = "", venue: str | None = "NeurIPS",
                 year: int | None = None) -> PaperRecord | Reject:
    """One paper object (either shape) -> PaperRecord, or Reject naming the field. Never raises."""
    return guarded_build(SOURCE, _build, obj, path, position, venue, year)


def _text(v: Any) -> str | None:
    return collapse_ws(decode_text(v)) if isinstance(v, str) else None


def _build(obj: Any, path: str, position: str, venue: str | None, year: int | None) -> PaperRecord | Reject:
    def reject(reason: str) -> Reject:
        return Reject(SOURCE, path, position, reason, excerpt(obj))

    if not isinstance(obj, dict):
        return reject(f"record: expected a JSON object, found {type_name(obj)}")
    tkey = "title" if "title" in obj else "name"
    raw_title = obj.get(tkey)
    if raw_title is not None and not isinstance(raw_title, str):
        return reject(f"field '{tkey}': expected a string, found {type_name(raw_title)}")
    title = _text(raw_title)
    if not title:
        return reject(f"field '{tkey}': missing or empty")
    authors = obj.get("authors")
    if authors is None:
        return reject("field 'authors': missing")
    if isinstance(authors, str):  # tolerate "A, B, C"
        authors = [{"name": a} for a in authors.split(",")]
    if not isinstance(authors, list):
        return reject(f"field 'authors': expected a list, found {type_name(authors)}")

    slots: list[AuthorSlot] = []
    decoded_affs: list[str | None] = []
    author_ids: list[str | None] = []
    for k, a in enumerate(authors):
        if isinstance(a, str):
            a = {"name": a}
        if not isinstance(a, dict):
            return reject(f"field 'authors[{k}]': expected an object, found {type_name(a)}")
        nkey = "name" if "name" in a else "fullname"
        raw_name = a.get(nkey)
        if raw_name is not None and not isinstance(raw_name, str):
            return reject(f"field 'authors[{k}].{nkey}': expected a string, found {type_name(raw_name)}")
        name = _text(raw_name)
        if not name:
            return reject(f"field 'authors[{k}].{nkey}': missing or empty")
        akey = "affiliation" if "affiliation" in a else "institution"
        aff = a.get(akey)
        if aff is not None and not isinstance(aff, str):
            return reject(f"field 'authors[{k}].{akey}': expected a string, found {type_name(aff)}")
        if aff is not None and aff.strip().lower() in _NONE_AFFILIATIONS:
            aff = None
        aid = a.get("no", a.get("id"))
        author_ids.append(str(aid) if isinstance(aid, str | int) and not isinstance(aid, bool) else None)
        decoded_affs.append(_text(aff) if aff is not None else None)
        slots.append(AuthorSlot(position=len(slots), name=name, raw_affiliation=aff))

    sid = obj.get("id")
    if sid is not None and (isinstance(sid, bool) or not isinstance(sid, str | int)):
        return reject(f"field 'id': expected a string or number, found {type_name(sid)}")
    extra: dict[str, Any] = {"affiliations_decoded": decoded_affs}
    if any(author_ids):
        extra["author_ids"] = author_ids
    for key in ("sourceurl", "virtualsite_url", "paper_url", "session"):
        if isinstance(obj.get(key), str):
            extra[key] = obj[key]

    def opt(*keys: str) -> str | None:
        for k in keys:
            v = obj.get(k)
            if isinstance(v, str) and v.strip():
                return v.strip()
        return None

    return PaperRecord(
        source=SOURCE,
        source_id=str(sid) if sid is not None else None,
        title=title,
        venue=venue,
        year=year,
        authors=slots,
        abstract=opt("abstract"),
        track=opt("event_type", "track"),
        status=opt("decision", "status"),
        position=position,
        extra=extra,
    )
