"""OpenReview API v2 notes -> PaperRecords, from a file or from the API (offset paging).

A note's fields are ``content.<field>.value`` in API v2 (``content.title.value``,
``content.authors.value``, ``content.authorids.value``, ``content.venue.value``,
``content.venueid.value``, ``content.abstract.value``); API v1 plain values
(``content.title = "..."``) are accepted too.

Files: a JSON array of notes, ``{"notes": [...], "count": N}`` (one API page, streamed), or JSON
lines (one note, or one page, per line).

Per slot: ``name`` from ``authors``, ``openreview_id`` from ``authorids`` (``~Name1`` tokens
only; an email there gives ``email_domain``), only when ``authorids`` has one entry per author.

Venue/year: options win; else parsed from ``venueid`` (``NeurIPS.cc/2024/Conference`` ->
("NeurIPS", 2024)); else the year of ``pdate``/``cdate``. ``status`` is ``content.venue.value``
("NeurIPS 2024 poster"); ``source_id`` the note id.

Profiles (optional): ``parse(..., profiles=...)`` / ``iter_notes_api(..., with_profiles=True)``
join each ``~id`` with its profile's ``content.history[]`` entries whose ``start``..``end`` covers
the paper year (``end`` missing = current; an entry without ``start`` is used only if nothing else
covers the year). Each such entry gives an ``InstitutionRef(name, country)`` and the slot's
``countries``; ``institution.domain`` gives ``email_domain``; ``raw_affiliation`` is the
institution names joined with ``+`` and ``extra['affiliation_source'] == 'openreview-profile'``
says where it came from. A ``~id`` that is an alias of a merged profile (listed in its
``content.names[].username``) is replaced by the profile's canonical id. This is the author's *profile* history, not the paper's byline: people
who moved during the year get both institutions, and stale profiles give stale affiliations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from graphdb.countries import country_code

from .errors import FetchError, FormatError
from .http import HttpClient, url_with_params
from .identity import clean_openreview_id, collapse_ws
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

SOURCE = "openreview"
EXPECTED = "OpenReview API v2 notes (a JSON array of notes, {\"notes\": [...]}, or JSON lines)"
API_BASE = "https://api2.openreview.net"
_VENUEID = re.compile(r"^([^/]+?)(?:\.cc|\.org|\.net)?/((?:19|20)\d{2})\b")

Profiles = Mapping[str, Any]


def venue_year_from_venueid(venueid: Any) -> tuple[str | None, int | None]:
    """``NeurIPS.cc/2024/Conference`` -> ("NeurIPS", 2024); ``ICLR.cc/2025/Conference`` -> ("ICLR", 2025)."""
    if not isinstance(venueid, str):
        return None, None
    m = _VENUEID.match(venueid.strip())
    if not m:
        return None, None
    name = m.group(1)
    return (name if name else None), int(m.group(2))


def profiles_by_id(profiles: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Index profiles by their id and every ``content.names[].username`` alias."""
    out: dict[str, dict[str, Any]] = {}
    for p in profiles:
        if not isinstance(p, dict):
            continue
        ids = [p.get("id")]
        content: dict[str, Any] = p["content"] if isinstance(p.get("content"), dict) else {}
        for n in content.get("names") or []:
            if isinstance(n, dict):
                ids.append(n.get("username"))
        for i in ids:
            if isinstance(i, str) and i.startswith("~"):
                out.setdefault(i, p)
    return out


def load_profiles(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """Profiles from a file: ``{"profiles": [...]}``, a JSON array, or JSON lines."""
    ts = open_stream(path, "OpenReview profiles ({\"profiles\": [...]}, a JSON array, or JSON lines)")
    with ts:
        c = ts.peek()
        if c == "[":
            ts.pos += 1
            return profiles_by_id(x for x in iter_array(ts) if not isinstance(x, Broken))
        if c == "{" and not first_value_is_one_line(ts):
            ts.pos += 1
            for key, value in iter_object(ts, {"profiles"}):
                if key == "profiles" and not isinstance(value, list | dict | str | int | float | bool | None):
                    return profiles_by_id(x for x in value if not isinstance(x, Broken))
            return {}
    items: list[Any] = []
    for _, obj in iter_jsonl(path):
        if isinstance(obj, dict) and isinstance(obj.get("profiles"), list):
            items.extend(obj["profiles"])
        elif isinstance(obj, dict):
            items.append(obj)
    return profiles_by_id(items)


def affiliations_for_year(profile: Any, year: int | None) -> list[dict[str, Any]]:
    """The profile's ``history`` institutions whose period covers ``year`` (see module docstring)."""
    if not isinstance(profile, dict) or not isinstance(profile.get("content"), dict):
        return []
    hist = profile["content"].get("history")
    if not isinstance(hist, list):
        return []
    covering: list[dict[str, Any]] = []
    undated: list[dict[str, Any]] = []
    for h in hist:
        if not isinstance(h, dict) or not isinstance(h.get("institution"), dict):
            continue
        inst = h["institution"]
        if not isinstance(inst.get("name"), str) or not inst["name"].strip():
            continue
        start, end = h.get("start"), h.get("end")
        start = start if isinstance(start, int) and not isinstance(start, bool) else None
        end = end if isinstance(end, int) and not isinstance(end, bool) else None
        if year is None:  # no year: the current positions
            if end is None:
                (covering if start is not None else undated).append(inst)
            continue
        if start is None:
            if end is None or end >= year:
                undated.append(inst)
            continue
        if start <= year and (end is None or end >= year):
            covering.append(inst)
    return covering or undated


def detect(path: str | os.PathLike[str]) -> bool:
    return first_is_record(parse, path)


def parse(path: str | os.PathLike[str], *, venue: str | None = None, year: int | None = None,
          profiles: Profiles | str | os.PathLike[str] | None = None) -> Iterator[PaperRecord | Reject]:
    """Stream PaperRecords (or Rejects) from a notes file; FormatError at once if it is none.

    ``profiles``: a mapping ``~id -> profile`` (see :func:`profiles_by_id`) or a profiles file.
    """
    spath = os.fspath(path)
    if profiles is not None and not isinstance(profiles, Mapping):
        profiles = load_profiles(profiles)
    ts = open_stream(path, EXPECTED)
    c = ts.peek()
    if c == "[":
        ts.pos += 1
        return _stream(ts, iter_array(ts), spath, venue, year, profiles)
    if c != "{":
        found = describe(ts)
        ts.close()
        raise FormatError(path, EXPECTED, found)
    if first_value_is_one_line(ts):
        ts.close()
        return _iter_lines(spath, venue, year, profiles)
    ts.pos += 1
    members: dict[str, Any] = {}
    for key, value in iter_object(ts, {"notes"}):
        if key == "notes" and not isinstance(value, list | dict | str | int | float | bool | None):
            return _stream(ts, value, spath, venue, year, profiles)
        if key is None:
            break
        members[key] = value
    ts.close()
    if isinstance(members.get("content"), dict):  # a single note object
        return iter([parse_note(members, path=spath, position="record 1", venue=venue, year=year,
                                profiles=profiles)])
    raise FormatError(path, EXPECTED, "a JSON object without a \"notes\" array")


def _stream(ts: TextStream, items: Iterator[Any], path: str, venue: str | None, year: int | None,
            profiles: Profiles | None) -> Iterator[PaperRecord | Reject]:
    with ts:
        for i, item in enumerate(items, 1):
            pos = f"record {i}"
            if isinstance(item, Broken):
                yield Reject(SOURCE, path, pos, item.reason, item.raw)
            else:
                yield parse_note(item, path=path, position=pos, venue=venue, year=year, profiles=profiles)


def _iter_lines(path: str, venue: str | None, year: int | None,
                profiles: Profiles | None) -> Iterator[PaperRecord | Reject]:
    for n, item in iter_jsonl(path):
        pos = f"line {n}"
        if isinstance(item, Broken):
            yield Reject(SOURCE, path, pos, item.reason, item.raw)
        elif isinstance(item, dict) and isinstance(item.get("notes"), list):
            for i, note in enumerate(item["notes"], 1):
                yield parse_note(note, path=path, position=f"{pos} record {i}", venue=venue, year=year,
                                 profiles=profiles)
        else:
            yield parse_note(item, path=path, position=pos, venue=venue, year=year, profiles=profiles)


def _value(content: dict[str, Any], key: str) -> Any:
    v = content.get(key)
    if isinstance(v, dict):
        return v.get("value")
    return v


def parse_note(obj: Any, *, path: str = "", position: str = "", venue: str | None = None,
               year: int | None = None, profiles: Profiles | None = None) -> PaperRecord | Reject:
    """One API v2 (or v1) note -> PaperRecord, or Reject naming the field. Never raises."""
    return guarded_build(SOURCE, _build, obj, path, position, venue, year, profiles)


def _ms_year(v: Any) -> int | None:
    if isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 1e14:
        return datetime.fromtimestamp(v / 1000, tz=UTC).year
    return None


def _build(obj: Any, path: str, position: str, venue: str | None, year: int | None,
           profiles: Profiles | None) -> PaperRecord | Reject:
    def reject(reason: str) -> Reject:
        return Reject(SOURCE, path, position, reason, excerpt(obj))

    if not isinstance(obj, dict):
        return reject(f"record: expected a JSON object, found {type_name(obj)}")
    content = obj.get("content")
    if not isinstance(content, dict):
        return reject("field 'content': missing" if content is None
                      else f"field 'content': expected an object, found {type_name(content)}")
    title = _value(content, "title")
    if title is not None and not isinstance(title, str):
        return reject(f"field 'content.title': expected a string, found {type_name(title)}")
    if not title or not title.strip():
        return reject("field 'content.title': missing or empty")
    authors = _value(content, "authors")
    if authors is None:
        return reject("field 'content.authors': missing")
    if not isinstance(authors, list):
        return reject(f"field 'content.authors': expected a list, found {type_name(authors)}")
    for k, a in enumerate(authors):
        if not isinstance(a, str) or not a.strip():
            return reject(f"field 'content.authors[{k}]': expected a non-empty string, found {type_name(a)}")
    ids = _value(content, "authorids")
    if not (isinstance(ids, list) and len(ids) == len(authors)):
        ids = [None] * len(authors)

    venueid = _value(content, "venueid")
    vv, vy = venue_year_from_venueid(venueid)
    venue = venue or vv
    if year is None:
        year = vy or _ms_year(obj.get("pdate")) or _ms_year(obj.get("cdate"))

    slots: list[AuthorSlot] = []
    with_profile = 0
    for k, name in enumerate(authors):
        aid = ids[k]
        orid = clean_openreview_id(aid)
        email_domain = aid.rsplit("@", 1)[1].lower() if isinstance(aid, str) and "@" in aid else None
        slot = AuthorSlot(position=k, name=collapse_ws(name), openreview_id=orid, email_domain=email_domain)
        if profiles is not None and orid:
            profile = profiles.get(orid)
            if isinstance(profile, dict) and clean_openreview_id(profile.get("id")):
                slot.openreview_id = profile["id"]  # the canonical id of a merged profile
            insts = affiliations_for_year(profile, year)
            if insts:
                with_profile += 1
            for inst in insts:
                code = country_code(inst["country"]) if isinstance(inst.get("country"), str) else None
                ref = InstitutionRef(name=collapse_ws(inst["name"]), country=code)
                if ref not in slot.institutions:
                    slot.institutions.append(ref)
                if code and code not in slot.countries:
                    slot.countries.append(code)
                dom = inst.get("domain")
                if slot.email_domain is None and isinstance(dom, str) and dom.strip():
                    slot.email_domain = dom.strip().lower()
            if slot.institutions:
                slot.raw_affiliation = "+".join(i.name for i in slot.institutions)
        slots.append(slot)

    extra: dict[str, Any] = {}
    if isinstance(venueid, str):
        extra["venueid"] = venueid
    if with_profile:
        extra["affiliation_source"] = "openreview-profile"
    for key in ("forum", "number"):
        if isinstance(obj.get(key), str | int) and not isinstance(obj.get(key), bool):
            extra[key] = obj[key]
    abstract = _value(content, "abstract")
    status = _value(content, "venue")
    sid = obj.get("id")
    paper_countries: list[str] = []
    for s in slots:
        for c in s.countries:
            if c not in paper_countries:
                paper_countries.append(c)
    return PaperRecord(
        source=SOURCE,
        source_id=sid if isinstance(sid, str) else None,
        title=collapse_ws(title),
        venue=venue,
        year=year,
        authors=slots,
        abstract=abstract.strip() if isinstance(abstract, str) and abstract.strip() else None,
        status=status.strip() if isinstance(status, str) and status.strip() else None,
        paper_countries=paper_countries,
        position=position,
        extra=extra,
    )


def fetch_profiles(ids: Iterable[str], *, base_url: str = API_BASE, client: HttpClient | None = None,
                   batch: int = 50) -> dict[str, dict[str, Any]]:
    """``GET /profiles?ids=~A1,~B2,...`` in batches -> ``{~id: profile}`` (aliases included)."""
    client = client or HttpClient()
    wanted = sorted({i for i in ids if clean_openreview_id(i)})
    out: dict[str, dict[str, Any]] = {}
    url = base_url.rstrip("/") + "/profiles"
    for s in range(0, len(wanted), batch):
        chunk = wanted[s:s + batch]
        data = client.get_json(url, {"ids": ",".join(chunk)})
        if not isinstance(data, dict) or not isinstance(data.get("profiles"), list):
            raise FetchError(url, "not an OpenReview profiles answer (no 'profiles' list)")
        out.update(profiles_by_id(data["profiles"]))
    return out


def iter_notes_api(venueid: str = "NeurIPS.cc/2024/Conference", *, base_url: str = API_BASE,
                   limit: int = 1000, venue: str | None = None, year: int | None = None,
                   with_profiles: bool = False, token: str | None = None,
                   client: HttpClient | None = None, max_pages: int | None = None) -> Iterator[PaperRecord | Reject]:
    """Yield PaperRecords for the notes whose ``content.venueid`` is ``venueid`` (accepted papers).

    Offset paging (``offset``/``limit``) until a short page or ``offset >= count``. With
    ``with_profiles`` each page's ``~ids`` are looked up in ``/profiles`` (cached) and joined.
    A token (for non-public venues) is sent as a Bearer header, never in the URL. Positions are
    ``page P record R``; a Reject's ``path`` is the page URL. Raises FetchError naming the URL.
    """
    if client is None:
        client = HttpClient(headers={"Authorization": f"Bearer {token}"} if token else None)
    url = base_url.rstrip("/") + "/notes"
    cache: dict[str, dict[str, Any]] = {}
    offset, page = 0, 0
    while True:
        page += 1
        params = {"content.venueid": venueid, "offset": offset, "limit": limit}
        data = client.get_json(url, params)
        page_url = url_with_params(url, params)
        if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
            raise FetchError(page_url, "not an OpenReview notes answer (no 'notes' list)")
        notes = data["notes"]
        profiles: dict[str, dict[str, Any]] | None = None
        if with_profiles:
            ids = {i for n in notes if isinstance(n, dict) and isinstance(n.get("content"), dict)
                   for i in (_value(n["content"], "authorids") or []) if isinstance(i, str)}
            missing = [i for i in ids if clean_openreview_id(i) and i not in cache]
            if missing:
                found = fetch_profiles(missing, base_url=base_url, client=client)
                cache.update(found)
                for pid in missing:
                    cache.setdefault(pid, {})
            profiles = cache
        for i, note in enumerate(notes, 1):
            yield parse_note(note, path=page_url, position=f"page {page} record {i}", venue=venue, year=year,
                             profiles=profiles)
        offset += len(notes)
        count = data.get("count")
        if not notes or len(notes) < limit or (isinstance(count, int) and offset >= count):
            return
        if max_pages is not None and page >= max_pages:
            return
