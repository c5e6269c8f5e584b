"""Identity rules: when two records are the same paper, person or authorship.

The writer MERGEs on these keys, so they decide what is counted once. Every rule is a pure
function of the record; none looks at the database.

``normalize_title(t)``
    NFKC, decode textual escapes (``\\xfc`` written as four characters), HTML-unescape
    (repeatedly: the NeurIPS site double-escapes, ``&amp;amp;#x27;``), strip accents, casefold,
    delete punctuation and symbols (``$``, ``\\``, ``-``, ``:`` ...), collapse whitespace.
    Known failure modes: a title written in LaTeX in one source and in Unicode in another
    (``$\\ell_1$`` -> ``ell1`` vs ``ℓ1`` -> ``l1``) does not match; deleting hyphens joins words
    (``Non-parallel`` == ``Nonparallel``, wanted) but also ``A-B`` == ``AB`` (rarely two papers);
    two different papers with the same title at one venue/year are told apart only by authors.

``normalize_name(n)``
    NFKC, decode textual escapes, HTML-unescape, strip accents (``ü`` -> ``u``, plus ``ł ø đ æ
    œ ß ı`` by table), casefold, dots become spaces (``E.J.`` == ``E. J.``), collapse whitespace.
    Known failure modes: merges two people with the same name (``Yang Liu``); splits one person
    written two ways (``Zhi-Hua Zhou`` / ``Zhihua Zhou``, middle initial present or not,
    ``Bill``/``William``, family name first, transliteration variants, nicknames in quotes).

``paper_uid(record)``
    sha1 (first 20 hex) of normalised title + venue key + year + the normalised author list in
    order. The same paper listed twice under different ids (NeurIPS 2017: ids 9253/10008,
    9161/10058, 9450/10118, one of each pair with ``, `` between authors) merges; two papers whose
    titles differ only in case but whose authors differ (NeurIPS 2024 reproducibility studies)
    stay apart. Known failure modes: the same paper from two sources with any difference in
    the author list (a missing author, a different spelling, a different order, a source that
    truncates the list) gets two uids; a venue missing on one side splits too. It is a
    *within-source-and-venue* key; cross-source matching must be done by the resolver.

``author_uid(slot)``
    ``openreview:~Id`` > ``orcid:0000-...`` > ``openalex:A123`` > ``name:<normalised name>``.
    Known failure modes: the same person gets an ``openreview:`` uid in one source and a
    ``name:`` uid in another (ids are not reconciled here); people with several OpenReview
    profiles or ORCIDs split; ``name:`` merges homonyms across all papers and splits variants.

``authorship_uid(paper_uid, position)``
    ``<paper uid>#<position>``: stable as long as the paper uid and the author order are.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from functools import lru_cache
from typing import Any

_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
_WS = re.compile(r"\s+")
_LATIN_EXTRA = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "ß": "ss", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
})
_PAIR_SEP = "\x1f"


def _unescape_match(m: re.Match[str]) -> str:
    code = int(m.group(1) or m.group(2) or m.group(3), 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return m.group(0)
    return chr(code)


def decode_text(s: str) -> str:
    """Undo transport damage: textual escapes (``\\xfc``, ``\\u0142``) and HTML entities.

    HTML is unescaped up to four times because some scraped strings are escaped repeatedly
    (``Queen&amp;amp;amp;#x27;s``). The result is otherwise untouched (no case or space change).
    """
    if "\\" in s:
        s = _ESCAPE.sub(_unescape_match, s)
    for _ in range(4):
        if "&" not in s:
            break
        t = html.unescape(s)
        if t == s:
            break
        s = t
    return s


def strip_accents(s: str) -> str:
    s = s.translate(_LATIN_EXTRA)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def collapse_ws(s: str) -> str:
    return _WS.sub(" ", s).strip()


@lru_cache(maxsize=4096)  # the writer and paper_uid normalise the same title back to back
def normalize_title(t: str | None) -> str:
    """A title reduced to its words, for matching (see module docstring)."""
    if not t:
        return ""
    s = decode_text(unicodedata.normalize("NFKC", t))
    s = strip_accents(unicodedata.normalize("NFKC", s)).casefold()
    s = "".join(c for c in s if not unicodedata.category(c).startswith(("P", "S")))
    return collapse_ws(s)


@lru_cache(maxsize=1 << 15)  # names repeat across papers; bounded so memory stays flat
def normalize_name(n: str | None) -> str:
    """A person's name reduced for matching (see module docstring)."""
    if not n:
        return ""
    s = decode_text(unicodedata.normalize("NFKC", n))
    s = strip_accents(unicodedata.normalize("NFKC", s)).casefold()
    s = s.replace(".", " ")
    return collapse_ws(s)


def venue_key(venue: str | None, year: int | None) -> str:
    """``("NeurIPS", 2024)`` -> ``"neurips-2024"``; an unknown venue is ``"unknown"``."""
    v = re.sub(r"[^a-z0-9]+", "-", strip_accents(venue or "").casefold()).strip("-") or "unknown"
    return f"{v}-{year}" if year is not None else v


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def paper_uid(record: Any) -> str:
    """Stable paper key: sha1 of title, venue, year and author list (normalised)."""
    year = _field(record, "year")
    authors = _field(record, "authors") or []
    names = [normalize_name(_field(a, "name") if not isinstance(a, str) else a) for a in authors]
    key = _PAIR_SEP.join([
        normalize_title(_field(record, "title")),
        venue_key(_field(record, "venue"), year),
        str(year if year is not None else ""),
        "\x1e".join(names),
    ])
    return hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dXx])")
_OPENALEX = re.compile(r"(?:https?://openalex\.org/)?([AWISCPFT]\d+)$", re.IGNORECASE)


def clean_orcid(value: Any) -> str | None:
    """``https://orcid.org/0000-0002-1825-0097`` -> ``0000-0002-1825-0097``; junk -> None."""
    if not isinstance(value, str):
        return None
    m = _ORCID.search(value)
    return m.group(1).upper() if m else None


def short_openalex_id(value: Any) -> str | None:
    """``https://openalex.org/I114027177`` -> ``I114027177``; junk -> None."""
    if not isinstance(value, str):
        return None
    m = _OPENALEX.search(value.strip())
    return m.group(1).upper() if m else None


def clean_openreview_id(value: Any) -> str | None:
    """``~Yiqing_Xie1`` stays; anything not starting with ``~`` (an email, an ACL path) -> None."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    return v if len(v) > 1 and v.startswith("~") and not any(c.isspace() for c in v) else None


def author_uid(slot: Any) -> str:
    """``openreview:~Id`` > ``orcid:...`` > ``openalex:A123`` > ``name:<normalised name>``."""
    orid = clean_openreview_id(_field(slot, "openreview_id"))
    if orid:
        return f"openreview:{orid}"
    orcid = clean_orcid(_field(slot, "orcid"))
    if orcid:
        return f"orcid:{orcid}"
    oa = short_openalex_id(_field(slot, "openalex_id"))
    if oa:
        return f"openalex:{oa}"
    return f"name:{normalize_name(_field(slot, 'name'))}"


def authorship_uid(paper_uid: str, position: int) -> str:
    return f"{paper_uid}#{position}"


def institution_uid(ref: Any) -> str:
    """``ror:<id>`` > ``openalex:<id>`` > ``name:<normalised name>`` (see docs/graph-model.md)."""
    ror = _field(ref, "ror")
    if isinstance(ror, str) and ror.strip():
        return "ror:" + ror.strip().rstrip("/").rsplit("/", 1)[-1].lower()
    oa = short_openalex_id(_field(ref, "openalex_id"))
    if oa:
        return f"openalex:{oa}"
    return f"name:{normalize_name(_field(ref, 'name'))}"
