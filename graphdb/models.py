"""Model catalog and model-mention extraction from paper titles and abstracts.

The catalog (``graphdb/data/models.json``) lists widely used architectures, models and methods with the
country of the lab that released them (the counting rule is in the file's ``_about`` field). Extraction is
pure Python: every entry's regexes are compiled once, a cheap keyword prefilter skips entries whose
trigger words are absent, and ambiguous names (Adam, Claude, Gemini, Falcon, Mistral, SAM, Whisper, ...)
need context before they count.

>>> [(m.model, m.family, m.field, m.count) for m in extract_mentions("Fine-tuning LLaMA-2-7B with LoRA", None)]
[('Llama', 'Llama', 'title', 1), ('LoRA', 'LoRA', 'title', 1)]
>>> extract_mentions("A llama grazing near a power transformer", "Adam Smith said so.")
[]
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as _field
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "ModelEntry",
    "Mention",
    "CatalogError",
    "load_catalog",
    "catalog_patterns",
    "extract_mentions",
    "extract_spans",
    "Span",
    "catalog_about",
]

KINDS = ("architecture", "model family", "release", "method/optimizer")
FIELDS = ("title", "abstract")

# Characters that may not touch a match on either side. The backslash on the left keeps LaTeX
# commands such as \Phi or \OPT out.
_LEFT = r"(?<![A-Za-z0-9\\$])"
_RIGHT = r"(?![A-Za-z0-9])"
# A match in the owner slot of a code-hosting URL names an organisation, not a model (github.com/InternLM/...).
_URL_OWNER = re.compile(r"(?:github\.com|gitlab\.com|huggingface\.co)/$")
_TOKEN = re.compile(r"[a-z0-9]+")
# Left neighbours that rule a match out: letters, digits, a backslash (LaTeX command) or a dollar sign (a
# LaTeX-built name such as $M^3$GPT).
_LEFT_BAD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789\\$")


class CatalogError(ValueError):
    """The model catalog is malformed (bad field, duplicate name, pattern that does not compile)."""


@dataclass(frozen=True)
class ModelEntry:
    """One catalog entry. ``country`` is the ISO 3166-1 alpha-2 code of the releasing lab."""

    name: str
    aliases: tuple[str, ...]
    family: str
    kind: str
    developers: tuple[str, ...]
    country: str
    year: int
    month: int | None
    url: str
    patterns: tuple[str, ...] = ()
    weak_patterns: tuple[str, ...] = ()
    context: str | None = None
    window: int = 100
    exclude: tuple[str, ...] = ()
    note: str | None = None


@dataclass
class Mention:
    """Mentions of one catalog model in one field of one paper.

    ``spans`` holds the matched texts in order of appearance, so ``len(spans) == count``.
    """

    model: str
    family: str
    field: str
    count: int
    spans: list[str] = _field(default_factory=list)


# ---------------------------------------------------------------------------------------------- catalog


def _raw_catalog() -> dict[str, Any]:
    text = resources.files("graphdb.data").joinpath("models.json").read_text(encoding="utf-8")
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise CatalogError("models.json must be an object with a 'models' list")
    return data


def catalog_about() -> str:
    """The catalog's ``_about`` text: the country rule and the matching rules."""
    return str(_raw_catalog().get("_about", ""))


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for key, value in macros.items():
        pattern = pattern.replace(f"%{key}%", value)
    return pattern


def _entry(obj: dict[str, Any], macros: dict[str, str]) -> ModelEntry:
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise CatalogError(f"catalog entry without a name: {obj!r:.80}")
    country = obj.get("country")
    if not (isinstance(country, str) and len(country) == 2 and country.isupper()):
        raise CatalogError(f"{name}: country must be an ISO alpha-2 code, got {country!r}")
    if obj.get("kind") not in KINDS:
        raise CatalogError(f"{name}: kind must be one of {KINDS}, got {obj.get('kind')!r}")
    if not obj.get("patterns"):
        raise CatalogError(f"{name}: needs at least one pattern")
    if obj.get("weak_patterns") and not obj.get("context"):
        raise CatalogError(f"{name}: weak_patterns need a context regex")
    month = obj.get("month")
    return ModelEntry(
        name=name,
        aliases=tuple(obj.get("aliases") or ()),
        family=str(obj.get("family") or name),
        kind=obj["kind"],
        developers=tuple(obj.get("developers") or ()),
        country=country,
        year=int(obj["year"]),
        month=int(month) if month is not None else None,
        url=str(obj.get("url") or ""),
        patterns=tuple(_expand(p, macros) for p in obj["patterns"]),
        weak_patterns=tuple(_expand(p, macros) for p in obj.get("weak_patterns") or ()),
        context=obj.get("context"),
        window=int(obj.get("window", 100)),
        exclude=tuple(obj.get("exclude") or ()),
        note=obj.get("note"),
    )


@lru_cache(maxsize=1)
def _catalog() -> tuple[ModelEntry, ...]:
    data = _raw_catalog()
    macros = {str(k): str(v) for k, v in (data.get("_macros") or {}).items()}
    entries = tuple(_entry(obj, macros) for obj in data["models"])
    seen: set[str] = set()
    for e in entries:
        if e.name in seen:
            raise CatalogError(f"duplicate catalog name: {e.name}")
        seen.add(e.name)
    return entries


def load_catalog() -> list[ModelEntry]:
    """All catalog entries, in file order (a fresh list; the entries are immutable)."""
    return list(_catalog())


# ---------------------------------------------------------------------------------------------- matching


def _union(patterns: tuple[str, ...], name: str, left: bool = True) -> re.Pattern[str] | None:
    """All patterns of an entry as one regex with the boundaries.

    With ``left=False`` the left boundary is left out (checked in Python instead): a leading look-behind stops
    the regex engine from scanning quickly for the literal prefix, which makes matching ~20x slower.
    """
    if not patterns:
        return None
    body = "|".join(f"(?:{p})" for p in patterns)
    try:
        return re.compile(f"{_LEFT if left else ''}(?:{body}){_RIGHT}")
    except re.error as exc:
        raise CatalogError(f"{name}: pattern does not compile: {exc}") from exc


def _keys(entry: ModelEntry) -> frozenset[str]:
    """Lower-case alphanumeric prefixes one of which any match must start with (the prefilter).

    Derived from the literal text every pattern alternative starts with. An entry with an alternative that
    does not start with at least two literal characters gets no keys and is always tried.
    """
    keys: set[str] = set()
    for pat in entry.patterns + entry.weak_patterns:
        opts = _leading_options(pat)
        if opts is None:
            return frozenset()
        keys |= opts
    return frozenset(keys)


def _leading_options(pat: str) -> set[str] | None:
    """Literal lower-case prefixes (>= 2 chars) covering every match of ``pat``, or None if unknown."""
    out: set[str] = set()
    for alt in _top_level_alternatives(pat):
        if alt.startswith("("):
            close = _closing(alt, 0)
            head = re.match(r"\(\?(?:i:|:)?", alt)
            if close < 0 or head is None or alt[close + 1:close + 2] in ("?", "*", "{"):
                return None
            inner = _leading_options(alt[head.end():close])
            if inner is None:
                return None
            out |= inner
            continue
        lit = _leading_literal(alt)
        if len(lit) < 2:
            return None
        out.add(lit.lower())
    return out


def _regex_structure(pat: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """``(index, char, depth after it)`` for each ``(``, ``)`` and ``|`` of a regex, skipping escapes
    and character classes; depth counts from ``start``."""
    depth, i = 0, start
    while i < len(pat):
        c = pat[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            while j < len(pat) and pat[j] != "]":
                j += 2 if pat[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c in "()|":
            yield i, c, depth
        i += 1


def _top_level_alternatives(pat: str) -> list[str]:
    """Split a regex on its top-level ``|``."""
    out: list[str] = []
    start = 0
    for i, c, depth in _regex_structure(pat):
        if c == "|" and depth == 0:
            out.append(pat[start:i])
            start = i + 1
    out.append(pat[start:])
    return out


def _closing(pat: str, open_at: int) -> int:
    """Index of the parenthesis closing the one at ``open_at`` (-1 if none)."""
    for i, c, depth in _regex_structure(pat, open_at):
        if c == ")" and depth == 0:
            return i
    return -1


def _leading_literal(alt: str) -> str:
    """The literal ASCII letters/digits an alternative starts with.

    A class such as ``[Tt]`` counts as one letter when it only holds case variants of one letter; a character
    followed by a quantifier ends the literal.
    """
    out: list[str] = []
    i = 0
    while i < len(alt):
        c = alt[i]
        step = 1
        m = re.match(r"\[([A-Za-z])([A-Za-z])\]", alt[i:])
        if c.isascii() and c.isalnum():
            ch = c
        elif m and m.group(1).lower() == m.group(2).lower():
            ch, step = m.group(1), m.end()
        else:
            break
        if alt[i + step:i + step + 1] in ("?", "*", "{"):
            break
        out.append(ch)
        i += step
    return "".join(out)


@dataclass(frozen=True)
class _Matcher:
    index: int
    entry: ModelEntry
    strong: re.Pattern[str] | None
    weak: re.Pattern[str] | None
    context: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    keys: frozenset[str]


@lru_cache(maxsize=1)
def _matchers() -> tuple[_Matcher, ...]:
    out = []
    for i, e in enumerate(_catalog()):
        try:
            ctx = re.compile(e.context) if e.context else None
            exc = re.compile("|".join(f"(?:{p})" for p in e.exclude)) if e.exclude else None
        except re.error as err:
            raise CatalogError(f"{e.name}: context/exclude regex does not compile: {err}") from err
        out.append(_Matcher(i, e, _union(e.patterns, e.name, left=False), _union(e.weak_patterns, e.name, left=False),
                            ctx, exc, _keys(e)))
    return tuple(out)


@lru_cache(maxsize=1)
def _key_index() -> tuple[dict[str, list[tuple[str, int]]], tuple[int, ...]]:
    """Prefilter index: first two characters of a key -> [(key, matcher index)], and the always-tried matchers."""
    index: dict[str, list[tuple[str, int]]] = {}
    always: list[int] = []
    for m in _matchers():
        if not m.keys:
            always.append(m.index)
        for k in m.keys:
            index.setdefault(k[:2], []).append((k, m.index))
    return index, tuple(always)


def _active(text: str) -> list[_Matcher]:
    """Matchers whose keys start some alphanumeric token of ``text`` (plus those without keys)."""
    index, always = _key_index()
    hit = set(always)
    for tok in set(_TOKEN.findall(text.lower())):
        for key, i in index.get(tok[:2], ()):
            if tok.startswith(key):
                hit.add(i)
    ms = _matchers()
    return [ms[i] for i in sorted(hit)]


def _finditer(pat: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Matches of ``pat`` whose left neighbour is not a letter, digit or backslash."""
    out = []
    pos, n = 0, len(text)
    while pos <= n:
        x = pat.search(text, pos)
        if x is None:
            break
        s, e = x.span()
        if (s > 0 and text[s - 1] in _LEFT_BAD) or _URL_OWNER.search(text, max(0, s - 20), s):
            pos = s + 1
            continue
        out.append(x)
        pos = e if e > s else s + 1
    return out


def catalog_patterns() -> dict[str, re.Pattern[str]]:
    """One compiled regex per catalog name (strong and weak patterns together, boundaries included).

    Useful to highlight candidate spans; whether a weak match counts depends on context, so use
    :func:`extract_mentions` to decide.
    """
    out: dict[str, re.Pattern[str]] = {}
    for m in _matchers():
        pats = m.entry.patterns + m.entry.weak_patterns
        compiled = _union(pats, m.entry.name)
        assert compiled is not None
        out[m.entry.name] = compiled
    return out


@dataclass
class _Cand:
    matcher: _Matcher
    field: str
    start: int
    end: int
    text: str


def _overlaps(a: _Cand, b: _Cand) -> bool:
    return a.field == b.field and a.start < b.end and b.start < a.end


def _resolve(cands: list[_Cand]) -> list[_Cand]:
    """Keep non-overlapping candidates: longer spans first, then catalog order."""
    kept: list[_Cand] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.matcher.index, c.start)):
        if not any(_overlaps(c, k) for k in kept):
            kept.append(c)
    return kept


def _excluded(m: _Matcher, text: str, start: int, end: int, cache: dict[int, list[tuple[int, int]]]) -> bool:
    if m.exclude is None:
        return False
    spans = cache.get(m.index)
    if spans is None:
        spans = [x.span() for x in m.exclude.finditer(text)]
        cache[m.index] = spans
    return any(s < end and start < e for s, e in spans)


@dataclass(frozen=True)
class Span:
    """One accepted match: ``text == (title or abstract)[start:end]`` for the given field."""

    model: str
    family: str
    field: str
    start: int
    end: int
    text: str


def extract_mentions(title: str | None, abstract: str | None) -> list[Mention]:
    """Catalog models mentioned in a paper's title and abstract, one :class:`Mention` per (model, field).

    Ordered by field (title first) and first appearance.
    """
    return _aggregate(_extract(title, abstract))


def extract_spans(title: str | None, abstract: str | None) -> list[Span]:
    """Every accepted match with its offsets, ordered by field (title first) and position."""
    order = {f: i for i, f in enumerate(FIELDS)}
    cands = sorted(_extract(title, abstract), key=lambda c: (order[c.field], c.start))
    return [Span(c.matcher.entry.name, c.matcher.entry.family, c.field, c.start, c.end, c.text) for c in cands]


def _extract(title: str | None, abstract: str | None) -> list[_Cand]:
    texts = [(f, t) for f, t in zip(FIELDS, (title, abstract), strict=True) if t]
    if not texts:
        return []
    strong: list[_Cand] = []
    weak: list[_Cand] = []
    for fld, text in texts:
        excl_cache: dict[int, list[tuple[int, int]]] = {}
        for m in _active(text):
            for pat, bucket in ((m.strong, strong), (m.weak, weak)):
                if pat is None:
                    continue
                for x in _finditer(pat, text):
                    s, e = x.span()
                    if not _excluded(m, text, s, e, excl_cache):
                        bucket.append(_Cand(m, fld, s, e, x.group(0)))
    accepted = _resolve(strong)
    if weak:
        families = {c.matcher.entry.family for c in accepted}
        by_field = dict(texts)
        ok: list[_Cand] = []
        for c in weak:
            if any(_overlaps(c, k) for k in accepted):
                continue
            if _weak_ok(c, by_field[c.field], accepted, families):
                ok.append(c)
        accepted += _resolve(ok)
    return accepted


def _weak_ok(c: _Cand, text: str, accepted: list[_Cand], families: set[str]) -> bool:
    e = c.matcher.entry
    if e.family in families:
        return True
    w = e.window
    lo, hi = max(0, c.start - w), min(len(text), c.end + w)
    ctx = c.matcher.context
    if ctx is not None and (ctx.search(text, lo, c.start) or ctx.search(text, c.end, hi)):
        return True
    for k in accepted:
        if k.field == c.field and k.matcher.entry.name != e.name and k.end >= lo and k.start <= hi:
            return True
    return False


def _aggregate(cands: list[_Cand]) -> list[Mention]:
    order = {f: i for i, f in enumerate(FIELDS)}
    groups: dict[tuple[str, str], list[_Cand]] = {}
    for c in sorted(cands, key=lambda c: (order[c.field], c.start)):
        groups.setdefault((c.field, c.matcher.entry.name), []).append(c)
    return [
        Mention(model=name, family=cs[0].matcher.entry.family, field=fld, count=len(cs), spans=[c.text for c in cs])
        for (fld, name), cs in groups.items()
    ]
