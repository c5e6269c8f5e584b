"""OpenAlex works -> PaperRecords, from a file or from the API (cursor paging).

Files: one ``/works/{id}`` response (a work object), a list page ``{"meta": ..., "results": [...]}``
(streamed), a JSON array of works (streamed), or JSON lines (one work, or one page, per line).

Both schemas are read:

* 2022: ``host_venue.display_name``, ``authorships[].institutions[]`` (``id``, ``display_name``,
  ``ror``, ``country_code``, ``type``), ``authorships[].raw_affiliation_string``.
* current: ``primary_location.source.display_name``, ``authorships[].countries[]``,
  ``raw_affiliation_strings[]``, ``affiliations[]{raw_affiliation_string, institution_ids[]}``,
  ``raw_author_name``, ``is_corresponding``.

Per slot: ``name`` = ``author.display_name`` (else ``raw_author_name``), ``openalex_id`` (short
``A...``), ``orcid`` (bare ``0000-...``), ``raw_affiliation`` = ``raw_affiliation_string`` or the
``raw_affiliation_strings`` joined with ``"; "`` (OpenAlex's own 2022 joiner), ``institutions`` =
``InstitutionRef(display_name, country_code, ror (full https://ror.org/ URL), openalex_id (short
I...), type)``; ``countries`` = the authorship's ``countries[]`` when present (OpenAlex's per-slot
answer, which can differ from the institutions' countries), else the institutions' countries.
``paper_countries`` is the union of the slots' countries in order. The abstract is rebuilt from
``abstract_inverted_index``.

Venue and year: the ``venue``/``year`` options win (pass ``venue="NeurIPS"`` so the paper uid
matches the other NeurIPS sources); otherwise the source's display name and ``publication_year``.
The source's name is kept in ``extra['source_venue']``.

API: :func:`iter_works_api` pages ``/works?filter=primary_location.source.id:S...,publication_year:Y``
with ``cursor=*`` / ``meta.next_cursor``, ``per_page`` up to 200, a ``mailto`` (polite pool), and
the retries of :mod:`graphdb.loaders.http`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from graphdb.countries import country_code

from .errors import FetchError, FormatError
from .http import HttpClient, url_with_params
from .identity import clean_orcid, collapse_ws, short_openalex_id
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
)
from .records import AuthorSlot, InstitutionRef, PaperRecord, Reject

SOURCE = "openalex"
EXPECTED = ("OpenAlex works (a /works/{id} object, a {\"results\": [...]} page, "
            "a JSON array of works, or JSON lines)")
API_BASE = "https://api.openalex.org"
MAX_ABSTRACT_WORDS = 100_000


def detect(path: str | os.PathLike[str]) -> bool:
    return first_is_record(parse, path)


def _looks_like_work(d: dict[str, Any]) -> bool:
    sid = short_openalex_id(d.get("id")) or ""
    return "authorships" in d or sid.startswith("W")


_ENTITY = {"I": "an institution", "A": "an author", "S": "a source", "C": "a concept", "P": "a publisher",
           "F": "a funder", "T": "a topic"}


def parse(path: str | os.PathLike[str], *, venue: str | None = None,
          year: int | None = None) -> Iterator[PaperRecord | Reject]:
    """Stream PaperRecords (or Rejects) from an OpenAlex file; FormatError at once if it is none."""
    spath = os.fspath(path)
    ts = open_stream(path, EXPECTED)
    c = ts.peek()
    if c == "[":
        ts.pos += 1
        return _stream(ts, iter_array(ts), spath, venue, year, "record")
    if c != "{":
        found = describe(ts)
        ts.close()
        raise FormatError(path, EXPECTED, found)
    if first_value_is_one_line(ts):
        ts.close()
        return _iter_lines(spath, venue, year)
    ts.pos += 1
    members: dict[str, Any] = {}
    for key, value in iter_object(ts, {"results"}):
        if key == "results" and not isinstance(value, list | dict | str | int | float | bool | None):
            return _stream(ts, value, spath, venue, year, "record")
        if key is None:
            ts.close()
            raise FormatError(path, EXPECTED, f"a broken JSON object ({value.reason})")
        members[key] = value
    ts.close()
    if not _looks_like_work(members):
        sid = short_openalex_id(members.get("id")) or " "
        what = _ENTITY.get(sid[0], "a JSON object that is neither a work nor a results page")
        if what.startswith("an ") or what.startswith("a ") and sid[0] in _ENTITY:
            what = f"{what} object ({sid}), not a work"
        raise FormatError(path, EXPECTED, what)
    return iter([parse_work(members, path=spath, position="record 1", venue=venue, year=year)])


def _stream(ts: TextStream, items: Iterator[Any], path: str, venue: str | None, year: int | None,
            label: str) -> Iterator[PaperRecord | Reject]:
    with ts:
        for i, item in enumerate(items, 1):
            pos = f"{label} {i}"
            if isinstance(item, Broken):
                yield Reject(SOURCE, path, pos, item.reason, item.raw)
            else:
                yield parse_work(item, path=path, position=pos, venue=venue, year=year)


def _iter_lines(path: str, venue: str | None, year: int | None) -> Iterator[PaperRecord | Reject]:
    for n, item in iter_jsonl(path):
        pos = f"line {n}"
        if isinstance(item, Broken):
            yield Reject(SOURCE, path, pos, item.reason, item.raw)
        elif isinstance(item, dict) and isinstance(item.get("results"), list):
            for i, w in enumerate(item["results"], 1):
                yield parse_work(w, path=path, position=f"{pos} record {i}", venue=venue, year=year)
        else:
            yield parse_work(item, path=path, position=pos, venue=venue, year=year)


def abstract_gaps(inv: Any) -> bool:
    """True if an inverted index leaves positions out (a truncated or sampled index)."""
    if not isinstance(inv, dict):
        return False
    pos = {p for v in inv.values() if isinstance(v, list) for p in v if isinstance(p, int)}
    return bool(pos) and len(pos) != max(pos) + 1


def rebuild_abstract(inv: Any) -> str | None:
    """``{"word": [0, 5], ...}`` -> text (words in position order); None if absent or malformed.

    Positions missing from the index are simply skipped; :func:`abstract_gaps` tells.
    """
    if not isinstance(inv, dict) or not inv:
        return None
    words: dict[int, str] = {}
    for word, positions in inv.items():
        if not isinstance(word, str) or not isinstance(positions, list):
            return None
        for p in positions:
            if not isinstance(p, int) or isinstance(p, bool) or p < 0 or p >= MAX_ABSTRACT_WORDS:
                return None
            words[p] = word
    if not words:
        return None
    return " ".join(words[k] for k in sorted(words))


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v.strip() else None


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else []


def parse_work(obj: Any, *, path: str = "", position: str = "", venue: str | None = None,
               year: int | None = None) -> PaperRecord | Reject:
    """One OpenAlex work (either schema) -> PaperRecord, or Reject naming the field. Never raises."""
    return guarded_build(SOURCE, _build, obj, path, position, venue, year)


def _institution(d: Any) -> InstitutionRef | None:
    if not isinstance(d, dict):
        return None
    name = _str(d.get("display_name"))
    if not name:
        return None
    cc = _str(d.get("country_code"))
    ror = _str(d.get("ror"))
    return InstitutionRef(
        name=collapse_ws(name),
        country=country_code(cc) if cc else None,
        ror=ror.strip() if ror else None,
        openalex_id=short_openalex_id(d.get("id")),
        type=_str(d.get("type")),
    )


def _build(obj: Any, path: str, position: str, venue: str | None, year: int | None) -> PaperRecord | Reject:
    def reject(reason: str) -> Reject:
        return Reject(SOURCE, path, position, reason, excerpt(obj))

    if not isinstance(obj, dict):
        return reject(f"record: expected a JSON object, found {type_name(obj)}")
    tkey = "title" if obj.get("title") is not None else "display_name"
    title = obj.get(tkey)
    if title is not None and not isinstance(title, str):
        return reject(f"field '{tkey}': expected a string, found {type_name(title)}")
    if not title or not title.strip():
        return reject("field 'title': missing or empty")
    auths = obj.get("authorships")
    if auths is None:
        auths = []
    if not isinstance(auths, list):
        return reject(f"field 'authorships': expected a list, found {type_name(auths)}")

    slots: list[AuthorSlot] = []
    raw_names: list[str | None] = []
    corresponding: list[int] = []
    for k, a in enumerate(auths):
        if not isinstance(a, dict):
            return reject(f"field 'authorships[{k}]': expected an object, found {type_name(a)}")
        author = a.get("author")
        if author is not None and not isinstance(author, dict):
            return reject(f"field 'authorships[{k}].author': expected an object, found {type_name(author)}")
        author = author or {}
        name = _str(author.get("display_name")) or _str(a.get("raw_author_name"))
        if not name:
            return reject(f"field 'authorships[{k}].author.display_name': missing or empty")
        insts = [i for i in (_institution(x) for x in _list(a.get("institutions"))) if i]
        raw = _str(a.get("raw_affiliation_string"))
        if raw is None:
            strs = [s for s in _list(a.get("raw_affiliation_strings")) if _str(s)]
            if not strs:
                strs = [x.get("raw_affiliation_string") for x in _list(a.get("affiliations"))
                        if isinstance(x, dict) and _str(x.get("raw_affiliation_string"))]
            raw = "; ".join(strs) if strs else None
        countries: list[str] = []
        src_countries = [c for c in _list(a.get("countries")) if isinstance(c, str)]
        for c in src_countries or [i.country for i in insts if i.country]:
            code = country_code(c)
            if code and code not in countries:
                countries.append(code)
        if a.get("is_corresponding") is True:
            corresponding.append(len(slots))
        raw_names.append(_str(a.get("raw_author_name")))
        slots.append(AuthorSlot(
            position=len(slots),
            name=collapse_ws(name),
            raw_affiliation=raw,
            institutions=insts,
            countries=countries,
            orcid=clean_orcid(author.get("orcid")),
            openalex_id=short_openalex_id(author.get("id")),
        ))

    loc = _dict(obj.get("primary_location"))
    src_venue = _str(_dict(loc.get("source")).get("display_name")) or _str(_dict(obj.get("host_venue")).get("display_name"))
    pub_year = obj.get("publication_year")
    if not isinstance(pub_year, int) or isinstance(pub_year, bool):
        pub_year = None
    paper_countries: list[str] = []
    for s in slots:
        for c in s.countries:
            if c not in paper_countries:
                paper_countries.append(c)
    extra: dict[str, Any] = {}
    if src_venue:
        extra["source_venue"] = src_venue
    for key in ("doi", "type", "publication_date"):
        if _str(obj.get(key)):
            extra[key] = obj[key]
    if any(raw_names):
        extra["raw_author_names"] = raw_names
    if corresponding:
        extra["corresponding_positions"] = corresponding
    if abstract_gaps(obj.get("abstract_inverted_index")):
        extra["abstract_incomplete"] = True
    return PaperRecord(
        source=SOURCE,
        source_id=short_openalex_id(obj.get("id")) or _str(obj.get("id")),
        title=collapse_ws(title),
        venue=venue or src_venue,
        year=year if year is not None else pub_year,
        authors=slots,
        abstract=rebuild_abstract(obj.get("abstract_inverted_index")) or _str(obj.get("abstract")),
        status=None,
        paper_countries=paper_countries,
        position=position,
        extra=extra,
    )


def iter_works_api(venue_id: str = "S4306420609", year: int | None = 2024, *, mailto: str | None = None,
                   base_url: str = API_BASE, per_page: int = 200, venue: str | None = None,
                   extra_filter: str | None = None, client: HttpClient | None = None,
                   max_pages: int | None = None) -> Iterator[PaperRecord | Reject]:
    """Yield PaperRecords for the works of one OpenAlex source (venue) and year, page by page.

    ``venue_id`` is the OpenAlex source id (``S4306420609`` is NeurIPS); ``venue`` is the short
    name to store (e.g. "NeurIPS"; default: the source's display name). Positions are
    ``page P record R``; a Reject's ``path`` is the page URL. Raises FetchError (naming the URL)
    when a page cannot be fetched after the retries, or is not a results page.
    """
    client = client or HttpClient()
    filters = [f"primary_location.source.id:{venue_id}"] if venue_id else []
    if year is not None:
        filters.append(f"publication_year:{year}")
    if extra_filter:
        filters.append(extra_filter)
    url = base_url.rstrip("/") + "/works"
    cursor: str | None = "*"
    page = 0
    while cursor:
        page += 1
        params: dict[str, Any] = {"per_page": max(1, min(per_page, 200)), "cursor": cursor}
        if filters:
            params["filter"] = ",".join(filters)
        if mailto:
            params["mailto"] = mailto
        data = client.get_json(url, params)
        page_url = url_with_params(url, params)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise FetchError(page_url, "not an OpenAlex results page (no 'results' list)")
        for i, w in enumerate(data["results"], 1):
            yield parse_work(w, path=page_url, position=f"page {page} record {i}", venue=venue, year=None)
        meta = _dict(data.get("meta"))
        nxt = meta.get("next_cursor")
        cursor = nxt if isinstance(nxt, str) and nxt and data["results"] else None
        if max_pages is not None and page >= max_pages:
            break
