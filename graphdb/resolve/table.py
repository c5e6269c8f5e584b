"""The known-institutions table (``graphdb/data/institutions.json``) and its alias matcher."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from graphdb.resolve.normalize import match_key, normalize_affiliation

GREATER_CHINA_SPLIT = frozenset({"HK", "MO", "TW"})


@dataclass(frozen=True)
class Entry:
    name: str
    country: str
    type: str  # education | facility | company | company_site
    aliases: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    ror: str | None = None

    @property
    def uid(self) -> str:
        return f"ror:{self.ror}" if self.ror else f"name:{normalize_affiliation(self.name)}"

    @property
    def is_company(self) -> bool:
        return self.type == "company"

    @property
    def is_site(self) -> bool:
        return self.type == "company_site"


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int  # token span in the part's matching tokens
    end: int


@dataclass
class Table:
    entries: list[Entry]
    index: dict[str, list[tuple[Entry, str | None]]] = field(default_factory=dict)
    by_domain: dict[str, Entry] = field(default_factory=dict)
    max_len: int = 1
    keys_by_len: dict[int, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for e in self.entries:
            names = [(e.name, None), *((a, None) for a in e.aliases), *((a, a) for a in e.abbreviations)]
            for text, abbr in names:
                key = match_key(text)
                if not key:
                    continue
                bucket = self.index.setdefault(key, [])
                if all(x is not e for x, _ in bucket):
                    bucket.append((e, abbr))
                self.max_len = max(self.max_len, len(key.split()))
            for d in e.domains:
                self.by_domain[d.lower().lstrip("@.")] = e
        self._index_lengths()

    def _index_lengths(self) -> None:
        for key in self.index:
            self.keys_by_len.setdefault(len(key.split()), []).append(key)

    def conflicts(self) -> dict[str, list[str]]:
        """Alias keys claimed by several entries (should be empty; checked by the tests)."""
        return {k: [e.name for e, _ in v] for k, v in self.index.items() if len(v) > 1}

    def lookup_name(self, name: str) -> Entry | None:
        """The entry whose name or alias is exactly ``name`` (after normalisation), if any."""
        hits = self.index.get(match_key(name))
        return hits[0][0] if hits else None

    def match(self, tokens: list[str], original: str, segs: list[int] | None = None) -> list[Match]:
        """Non-overlapping alias matches, longest first at each position, left to right.

        With ``segs`` (the comma segment of each token), a match may span several segments only
        when it starts at the beginning of one and ends at the end of another
        ("University of California, Berkeley"), never "..., AI Security, Institute of ...".
        """
        out: list[Match] = []
        n = len(tokens)
        i = 0
        whole = " ".join(tokens)
        while i < n:
            for length in range(min(self.max_len, n - i), 0, -1):
                j = i + length - 1
                if segs is not None and segs[i] != segs[j] and not (
                        (i == 0 or segs[i - 1] != segs[i]) and (j == n - 1 or segs[j + 1] != segs[j])):
                    continue
                key = " ".join(tokens[i:i + length])
                hits = self.index.get(key)
                if not hits:
                    continue
                entry = _pick(hits, original, whole == key)
                if entry is None:
                    continue
                out.append(Match(entry, i, i + length))
                i += length
                break
            else:
                i += 1
        return out

    def by_email_domain(self, domain: str) -> Entry | None:
        d = domain.lower().strip().lstrip("@.")
        while d:
            if d in self.by_domain:
                return self.by_domain[d]
            if "." not in d:
                return None
            d = d.split(".", 1)[1]
        return None


def _pick(hits: list[tuple[Entry, str | None]], original: str, alone: bool) -> Entry | None:
    for entry, abbr in hits:
        if abbr is None or alone or _has_caps_word(original, abbr):
            return entry
    return None


@lru_cache(maxsize=1 << 14)
def _caps_rx(abbr: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z0-9])" + re.escape(abbr) + r"(?![a-z0-9])")


def _has_caps_word(original: str, abbr: str) -> bool:
    return _caps_rx(abbr).search(original) is not None


def load_table(path: str | None = None) -> Table:
    if path is None:
        text = resources.files("graphdb.data").joinpath("institutions.json").read_text(encoding="utf-8")
    else:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    doc = json.loads(text)
    rows = doc["institutions"] if isinstance(doc, dict) else doc
    entries = [Entry(name=r["name"], country=r["country"], type=r.get("type", "education"),
                     aliases=tuple(r.get("aliases", ())), abbreviations=tuple(r.get("abbreviations", ())),
                     domains=tuple(r.get("domains", ())), ror=r.get("ror")) for r in rows]
    return Table(entries)


@lru_cache(maxsize=1)
def default_table() -> Table:
    return load_table()
