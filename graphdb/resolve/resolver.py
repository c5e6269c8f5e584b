"""Affiliation strings -> institutions -> ISO 3166-1 alpha-2 countries, with provenance.

Layers, in order (``Attribution.layer`` records which one decided the country):

1. ``source``  the country the source gives for the slot, corrected in two ways: Hong Kong,
   Macau and Taiwan institutions that the source labels "China" are split out to HK/MO/TW by
   institution, and a located company lab (Microsoft Research Asia, DeepMind London, ...)
   is placed where the lab is.
2. ``table``   the known-institutions table (``graphdb/data/institutions.json``). Companies carry
   their headquarters country, which a place named in the same affiliation overrides
   ("Google, London" -> GB; that override is recorded as ``geo``). Google DeepMind / DeepMind
   with no place named -> GB (headquarters in London), with a lower confidence and a note.
3. ``learned`` institution uid -> country seen elsewhere (``Resolver(learned=...)``/``learn``).
4. ``geo``     country, region (US states, provinces) and city names in the string.
5. ``domain``  the email/web domain (table domains first, then the top-level domain).
6. ``unresolved`` kept and counted, never guessed (country None).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from graphdb.countries import country_code
from graphdb.resolve.geo import COUNTRY, REGION, GeoHit, abbreviation_hits, decide, find_places, gazetteer
from graphdb.resolve.normalize import (
    clean_text,
    is_empty,
    match_key,
    normalize_affiliation,
    segment_tokens,
    split_affiliations,
)
from graphdb.resolve.table import GREATER_CHINA_SPLIT, Entry, Table, default_table

LAYERS = ("source", "table", "learned", "geo", "domain", "unresolved")

GREATER_CHINA = frozenset({"CN", "HK", "MO", "TW"})
_CONF = {"source": 0.95, "table": 0.95, "company_hq": 0.8, "learned": 0.8, COUNTRY: 0.9, REGION: 0.85,
         1: 0.75, "domain_table": 0.9, "domain_tld": 0.7, "domain_edu": 0.6}


@dataclass(frozen=True)
class Attribution:
    """One institution (or place) on one author slot, with the country and how it was decided."""

    institution_uid: str | None
    institution_name: str | None
    country: str | None
    layer: str
    confidence: float
    ror: str | None = None
    openalex_id: str | None = None
    note: str | None = None


# --- institution-name heuristics for strings the table does not know ----------------------------

_ORG_WORDS = {
    "university", "college", "institute", "academy", "polytechnic", "school", "hospital", "inc",
    "limited", "llc", "corporation", "gmbh", "company", "lab", "labs", "research", "center",
    "foundation", "group", "technologies", "council", "agency", "clinic", "observatory", "society",
    "ag", "sa", "srl", "bv", "ai", "plc", "pte", "kk", "co", "politecnico", "ecole", "hochschule",
    "universidad", "institution", "organization", "organisation", "centre", "team", "studio", "studios",
    "systems", "solutions", "network", "networks", "health", "medical", "consortium", "ministry",
}
_UNIVERSITY_WORDS = {"university", "college", "polytechnic", "politecnico", "ecole", "hochschule"}
_DEPT = re.compile(
    r"^(?:dept|department|departement|departamento|dipartimento|school of|faculty|college of|division|"
    r"graduate school|program|programme|chair|section|unit of|institute of (?!technology)|"
    r"(?:state |national |moe |provincial |[a-z]+ )?key lab|lab (?:of|for)|center (?:of|for)|"
    r"research center (?:of|for)|computer|electrical|mechanical|engineering|informatics|mathematics|"
    r"statistics|physics|cs|ece|eecs|cse|ai thrust|data science|machine learning|artificial intelligence)\b"
)
_GENERIC = re.compile(
    r"^(?:independent( researcher)?|researcher|student|phd student|unaffiliated|none|n a|na|unknown|"
    r"self|personal|individual|private|freelance|work done.*|equal contribution.*|corresponding.*|"
    r"inc|ltd|limited|llc|co|corp|corporation|research|ai|lab|university|institute|school|"
    r"department|usa|china)$"
)


def _uid_for_name(name: str) -> str:
    return f"name:{normalize_affiliation(name)}"


@dataclass(frozen=True)
class _Found:
    uid: str | None
    name: str | None
    country: str | None
    layer: str
    confidence: float
    note: str | None = None
    entry: Entry | None = None


class Resolver:
    """Resolve author-slot affiliations. Results are cached by normalised input.

    >>> r = Resolver()
    >>> [(a.institution_name, a.country, a.layer) for a in r.resolve_slot("HKUST; MSRA")]
    [('The Hong Kong University of Science and Technology', 'HK', 'table'), ('Microsoft Research Asia', 'CN', 'table')]
    """

    def __init__(self, *, use_source: bool = True, learned: Mapping[str, str] | None = None,
                 table: Table | None = None) -> None:
        self.use_source = use_source
        self.table = table if table is not None else default_table()
        self._learned_counts: dict[str, Counter[str]] = {}
        self._learned: dict[str, str] = {}
        for uid, cc in (learned or {}).items():
            code = country_code(cc)
            if code:
                self._learned_counts[uid] = Counter({code: 1})
                self._learned[uid] = code
        self._slot_cache: dict[Any, tuple[Attribution, ...]] = {}
        self._part_cache: dict[str, tuple[_Found, ...]] = {}

    # --- layer 3 -----------------------------------------------------------------------------
    def learn(self, institution_uid: str, country: str) -> None:
        """Record that ``institution_uid`` was seen with ``country`` elsewhere (majority wins)."""
        code = country_code(country)
        if not institution_uid or code is None:
            return
        counts = self._learned_counts.setdefault(institution_uid, Counter())
        counts[code] += 1
        best = counts.most_common(1)[0][0]
        if self._learned.get(institution_uid) != best:
            self._learned[institution_uid] = best
            self._slot_cache.clear()
            self._part_cache.clear()

    @property
    def learned(self) -> Mapping[str, str]:
        return dict(self._learned)

    # --- public entry point --------------------------------------------------------------------
    def resolve_slot(self, raw_affiliation: str | None, institutions: Sequence[Any] = (),
                     countries: Sequence[str] = (), email_domain: str | None = None) -> list[Attribution]:
        """One Attribution per distinct institution found on one author slot (see module doc)."""
        try:
            key = (raw_affiliation, tuple(institutions), tuple(countries), email_domain)
            hit = self._slot_cache.get(key)
        except TypeError:  # unhashable institution objects: no caching
            key, hit = None, None
        if hit is not None:
            return list(hit)
        result = tuple(self._resolve_slot(raw_affiliation, institutions, countries, email_domain))
        if key is not None:
            if len(self._slot_cache) > 500_000:
                self._slot_cache.clear()
            self._slot_cache[key] = result
        return list(result)

    def resolve(self, raw_affiliation: str | None) -> list[Attribution]:
        """Shortcut: resolve a string alone (no source data)."""
        return self.resolve_slot(raw_affiliation)

    # --- internals -------------------------------------------------------------------------------
    def _resolve_slot(self, raw: str | None, refs: Sequence[Any], countries: Sequence[str],
                      email_domain: str | None) -> list[Attribution]:
        src_codes = [c for c in (country_code(x) for x in countries) if c] if self.use_source else []
        parts = [] if is_empty(raw) else split_affiliations(raw)
        found: list[_Found] = []
        ids: dict[int, tuple[str | None, str | None]] = {}  # index in found -> (ror, openalex)

        if refs:
            for ref in refs:
                name = getattr(ref, "name", None) or ""
                ror = _short_id(getattr(ref, "ror", None))
                oa = _short_id(getattr(ref, "openalex_id", None))
                own = self._resolve_part(clean_text(name)) if not is_empty(name) else ()
                if not own and len(refs) == 1 and parts:
                    own = tuple(f for p in parts for f in self._resolve_part(p))[:1]
                f = own[0] if own else _Found(None, clean_text(name) or None, None, "unresolved", 0.0)
                if f.entry is None and name and not is_empty(name):
                    f = replace(f, uid=_uid_for_name(clean_text(name)), name=clean_text(name))
                ref_cc = country_code(getattr(ref, "country", None)) if self.use_source else None
                if ref_cc is None and len(src_codes) == 1:
                    ref_cc = src_codes[0]
                if len(refs) == 1 and parts:
                    # the verbatim text may be more precise than the source's institution
                    # ("Microsoft Research Asia" for "Microsoft"; "HKUST" under "China")
                    for g in (x for p in parts for x in self._resolve_part(p)):
                        if g.entry is not None and (g.entry.is_site or g.country in GREATER_CHINA_SPLIT) \
                                and g.country != f.country:
                            f = replace(f, country=g.country, layer=g.layer, confidence=g.confidence,
                                        entry=g.entry, note=_join(f.note, f"text names {g.entry.name}"))
                            break
                if ref_cc:
                    f = _apply_source(f, ref_cc)
                uid = f"ror:{ror}" if ror else f"openalex:{oa}" if oa else f.uid
                f = replace(f, uid=uid)
                ids[len(found)] = (ror or (f.entry.ror if f.entry else None), oa)
                found.append(f)
        else:
            for p in parts:
                found.extend(self._resolve_part(p))
            found = _dedupe(found)
            if src_codes:
                found = _align_source(found, src_codes)

        # layer 5: email / web domain
        if email_domain and not is_empty(email_domain):
            dom = self._domain(email_domain)
            if dom is not None:
                entry, cc, conf, note = dom
                if not found:
                    found.append(_Found(entry.uid if entry else None, entry.name if entry else None, cc,
                                        "domain", conf, note, entry))
                else:
                    for i, f in enumerate(found):
                        if f.country is None:
                            found[i] = replace(f, country=cc, layer="domain", confidence=conf,
                                               note=_join(f.note, note))

        if not found and (parts or refs):
            found.append(_Found(None, None, None, "unresolved", 0.0,
                                f"nothing recognised in {clean_text(raw)!r}" if raw else None))
        out = []
        for i, f in enumerate(found):
            ror, oa = ids.get(i, (f.entry.ror if f.entry else None, None))
            layer = f.layer if f.country else "unresolved"
            out.append(Attribution(f.uid, f.name, f.country, layer, f.confidence if f.country else 0.0,
                                   ror=ror, openalex_id=oa, note=f.note))
        return out

    def _resolve_part(self, part: str) -> tuple[_Found, ...]:
        hit = self._part_cache.get(part)
        if hit is None:
            hit = tuple(self._resolve_part_uncached(part))
            if len(self._part_cache) > 500_000:
                self._part_cache.clear()
            self._part_cache[part] = hit
        return hit

    def _resolve_part_uncached(self, part: str) -> list[_Found]:
        tk = segment_tokens(part)
        if not tk:
            return []
        toks = [t for t, _ in tk]
        segs = [s for _, s in tk]
        n = len(toks)
        matches = self.table.match(toks, part, segs)
        covered = {j for m in matches for j in range(m.start, m.end)}
        places = find_places(toks, segs, covered)
        seg_first: dict[int, int] = {}
        for j, s in enumerate(segs):
            seg_first.setdefault(s, j)
        geo_tokens = {j for h in places for j in range(h.start, h.end)}
        for h in abbreviation_hits(part):
            pos = seg_first.get(h.start, n)
            places.append(GeoHit(h.country, h.strength, h.name, pos, pos))
            abbr = match_key(h.name)
            geo_tokens.update(j for j, s in enumerate(segs) if s == h.start and toks[j] in abbr.split())

        found: list[_Found] = []
        seen: set[str] = set()
        for k, m in enumerate(matches):
            e = m.entry
            if e.uid in seen:
                continue
            seen.add(e.uid)
            # this institution's stretch of text runs to the next *other* institution
            later = [x.start for x in matches[k + 1:] if x.entry.uid != e.uid]
            nxt = later[0] if later else n + 1
            local = [h for h in places if m.start <= h.start < nxt]
            g_cc, g_strength, _ = decide(local)
            country, layer, conf, note = e.country, "table", _CONF["table"], None
            if e.is_company:
                if g_cc and g_cc != e.country:
                    country, layer, conf = g_cc, "geo", _CONF[g_strength]
                    note = f"{e.name}: headquarters {e.country}; place named in the string is in {g_cc}"
                elif not g_cc:
                    conf = _CONF["company_hq"]
                    note = f"company lab, no place named: headquarters country {e.country}"
            elif g_cc and g_strength == COUNTRY and g_cc != e.country \
                    and not ({g_cc, e.country} <= GREATER_CHINA):
                country, layer, conf = g_cc, "geo", 0.7
                note = f"table places {e.name} in {e.country}; the string names {g_cc}"
            found.append(_Found(e.uid, e.name, country, layer, conf, note, e))

        # segments not covered by the table: unknown institutions
        seg_text = [s.strip() for s in part.split(",")]
        residual: list[tuple[int, str]] = []
        for s_idx, text in enumerate(seg_text):
            idx = [j for j, s in enumerate(segs) if s == s_idx]
            if not idx or any(j in covered for j in idx):
                continue
            rest = [toks[j] for j in idx if j not in geo_tokens and not toks[j].isdigit()]
            if rest and " ".join(rest) not in gazetteer().placeish:
                residual.append((s_idx, text))
        if not matches:
            g_cc, g_strength, g_note = decide(places)
            fuzzy = None if g_cc else self._fuzzy(toks)
            if fuzzy is not None:
                e = fuzzy
                return [_Found(e.uid, e.name, e.country, "table", 0.8,
                               f"spelling close to {e.name!r}", e)]
            name = _pick_name(residual)
            uid = _uid_for_name(name) if name else None
            if uid and uid in self._learned:
                found.append(_Found(uid, name, self._learned[uid], "learned", _CONF["learned"], None))
            elif g_cc:
                found.append(_Found(uid, name, g_cc, "geo", _CONF[g_strength], g_note))
            elif name:
                found.append(_Found(uid, name, None, "unresolved", 0.0))
        else:
            for s_idx, text in residual:
                words = set(match_key(text).split())
                if not (words & _UNIVERSITY_WORDS) or _DEPT.match(normalize_affiliation(text)):
                    continue
                uid = _uid_for_name(text)
                if uid in seen:
                    continue
                seen.add(uid)
                first = seg_first[s_idx]
                local = [h for h in places if h.start >= first]
                g_cc, g_strength, g_note = decide(local)
                if uid in self._learned:
                    found.append(_Found(uid, text, self._learned[uid], "learned", _CONF["learned"]))
                elif g_cc:
                    found.append(_Found(uid, text, g_cc, "geo", _CONF[g_strength], g_note))
                else:
                    found.append(_Found(uid, text, None, "unresolved", 0.0))
        return found

    def _fuzzy(self, toks: list[str]) -> Entry | None:
        """A table name within a typo or two of the whole string ("King's College Lonodn")."""
        key = " ".join(toks)
        if len(key) < 15 or len(toks) < 2:
            return None
        cands = self.table.keys_by_len.get(len(toks), ())
        best = difflib.get_close_matches(key, cands, n=2, cutoff=0.94)
        if not best:
            return None
        hits = self.table.index[best[0]]
        return hits[0][0] if hits[0][1] is None else None

    def _domain(self, domain: str) -> tuple[Entry | None, str, float, str] | None:
        d = domain.strip().lower()
        if "@" in d:
            d = d.rsplit("@", 1)[1]
        d = re.sub(r"^https?://", "", d).split("/")[0].strip(".")
        if not d:
            return None
        entry = self.table.by_email_domain(d)
        if entry is not None:
            return entry, entry.country, _CONF["domain_table"], f"email domain {d} belongs to {entry.name}"
        cc = tld_country(d)
        if cc is None:
            return None
        conf = _CONF["domain_edu"] if d.endswith(".edu") else _CONF["domain_tld"]
        return None, cc, conf, f"email domain {d}"


# --- helpers --------------------------------------------------------------------------------------

_TLD_SKIP = {"ai", "io", "co", "me", "tv", "ly", "fm", "cc", "ws", "gg", "to", "sh", "am", "is", "it",
             "la", "so", "xyz", "app", "dev", "ml", "tk", "ga", "cf", "gq", "nu", "vc", "im", "ac", "gl",
             "ms", "md", "fi_", "one", "page"}
_TLD_MAP = {"uk": "GB", "edu": "US", "gov": "US", "mil": "US"}


def tld_country(domain: str) -> str | None:
    """Country implied by a domain's top-level domain (".edu" -> US, ".ac.uk" -> GB, ...), or None."""
    d = domain.strip().lower().strip(".")
    if not d or "." not in d:
        return None
    labels = d.split(".")
    tld = labels[-1]
    if tld in _TLD_MAP:
        return _TLD_MAP[tld]
    if tld == "it" and len(labels) >= 2:
        return "IT"  # .it is Italy; kept out of the skip list only for 2+ label domains
    if tld in _TLD_SKIP or len(tld) != 2:
        return None
    return country_code(tld)


def _short_id(value: str | None) -> str | None:
    if not value:
        return None
    return str(value).rstrip("/").rsplit("/", 1)[-1] or None


def _join(a: str | None, b: str | None) -> str | None:
    return "; ".join(x for x in (a, b) if x) or None


def _pick_name(residual: list[tuple[int, str]]) -> str | None:
    """The segment most likely to be the institution among those the table does not know."""
    best: tuple[int, int] | None = None
    pick: str | None = None
    for order, (_, text) in enumerate(residual):
        norm = normalize_affiliation(text)
        if not norm or _GENERIC.match(norm):
            continue
        words = set(match_key(text).split())
        dept = bool(_DEPT.match(norm))
        if words & _UNIVERSITY_WORDS and not dept:
            rank = 0
        elif words & _ORG_WORDS and not dept:
            rank = 1
        elif not dept:
            rank = 2
        else:
            continue
        if best is None or (rank, order) < best:
            best, pick = (rank, order), text
    return pick


def _dedupe(found: list[_Found]) -> list[_Found]:
    out: list[_Found] = []
    seen_uid: dict[str, int] = {}
    seen_cc: set[str | None] = set()
    for f in found:
        if f.uid is not None:
            if f.uid in seen_uid:
                i = seen_uid[f.uid]
                if out[i].country is None and f.country is not None:
                    out[i] = f
                continue
            seen_uid[f.uid] = len(out)
            out.append(f)
        else:
            if f.country in seen_cc:
                continue
            seen_cc.add(f.country)
            out.append(f)
    # an institution-less place hit adds nothing when an institution already carries that country
    with_inst = {f.country for f in out if f.uid is not None}
    return [f for f in out if f.uid is not None or f.country not in with_inst]


def _apply_source(f: _Found, src: str) -> _Found:
    """Layer 1 with its corrections (HK/MO/TW split, located company labs)."""
    own = f.country
    if src == "CN" and own in GREATER_CHINA_SPLIT:
        return replace(f, country=own, layer="source", confidence=_CONF["source"],
                       note=_join(f.note, f"source said CN; {f.layer} places it in {own}"))
    if f.entry is not None and f.entry.is_site and own and own != src:
        return replace(f, country=own, layer="source", confidence=0.9,
                       note=_join(f.note, f"source said {src}; the lab site is in {own}"))
    note = f.note if own in (None, src) else _join(f.note, f"source said {src}; {f.layer} suggested {own}")
    return replace(f, country=src, layer="source", confidence=_CONF["source"], note=note)


def _align_source(found: list[_Found], src: list[str]) -> list[_Found]:
    """Give source countries (no institutions from the source) to the institutions parsed from the string."""
    distinct = list(dict.fromkeys(src))
    if not found:
        return [_Found(None, None, cc, "source", _CONF["source"]) for cc in distinct]
    out: list[_Found] = []
    for i, f in enumerate(found):
        if f.country in distinct or (f.country in GREATER_CHINA_SPLIT and "CN" in distinct):
            cc = f.country if f.country in distinct else "CN"
            out.append(_apply_source(f, cc))
        elif len(distinct) == 1:
            out.append(_apply_source(f, distinct[0]))
        elif len(found) == len(src):
            out.append(_apply_source(f, src[i]))
        else:
            out.append(replace(f, note=_join(f.note, "source countries " + ",".join(distinct)
                                             + " could not be aligned with the institutions")))
    return out
