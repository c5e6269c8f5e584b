"""Text clean-up for affiliation strings: escapes, entities, accents, splitting, match keys.

Three levels:

- ``clean_text``: the display form (escapes written as text decoded, HTML entities
  unescaped, footnote marks dropped, whitespace collapsed); case and accents kept.
- ``normalize_affiliation``: the identity form used in uids and cache keys
  (lower case, ASCII, punctuation -> space).
- ``match_tokens``: the matching form (``normalize_affiliation`` plus spelling variants
  folded and stop words dropped), so "Univ. of Tübingen" and "Universität Tuebingen" meet.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from graphdb.loaders.identity import decode_text

_FOOTNOTE = re.compile(r"[†‡§¶*∗♠♣♡♢♥♦★☆✝⋆※#]+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "“": '"', "”": '"',
                         "–": "-", "—": "-", "‐": "-", "‑": "-", "−": "-", "\u00a0": " "})
_NONE = {"", "none", "null", "n/a", "na", "nan", "-", "unknown", "not specified", "?"}


@lru_cache(maxsize=1 << 16)
def clean_text(raw: str | None) -> str:
    """Display form: decoded escapes/entities, no footnote marks, single spaces.

    >>> clean_text("Universit\\\\xe4t T\\\\xfcbingen"), clean_text("Xi&#x27;an Jiaotong University")
    ('Universität Tübingen', "Xi'an Jiaotong University")
    """
    if not raw:
        return ""
    s = decode_text(str(raw))  # textual escapes and (repeated) HTML entities, as the loaders decode them
    if "´" in s or "¨" in s:  # PDF-extracted accents: "Montr ´eal", "´Ecole", "f´ed´erale"
        s = re.sub(r"\s?[´¨]\s?", "", s)
    s = unicodedata.normalize("NFKC", s).translate(_QUOTES)
    s = _FOOTNOTE.sub(" ", s)
    # footnote digits glued to words: "University of Toronto1", "1School of CS"
    s = re.sub(r"(?<=[a-z]{3})\d\b", "", s)
    s = re.sub(r"(?:(?<=^)|(?<=[\s,;+(]))\d(?=[A-Z][a-z])", "", s)
    s = " ".join(s.split())
    return s.strip(" ,;")


def is_empty(raw: str | None) -> bool:
    """True for None, blanks and placeholders such as the literal "None"."""
    return clean_text(raw).strip().lower() in _NONE


def _ascii_fold(s: str) -> str:
    s = s.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("æ", "ae").replace("ł", "l")
    s = s.replace("đ", "d").replace("ı", "i")
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s if not unicodedata.combining(c))


@lru_cache(maxsize=1 << 18)
def normalize_affiliation(raw: str | None) -> str:
    """Identity form: lower case ASCII words separated by single spaces.

    >>> normalize_affiliation("Xi&#x27;an Jiaotong Univ.")
    'xian jiaotong univ'
    """
    s = clean_text(raw)
    if not s:
        return ""
    s = _ascii_fold(s).lower()
    s = s.replace("'", "")
    # collapse dotted acronyms: "u.s.a." -> "usa", "p.r. china" -> "pr china"
    s = re.sub(r"\b(?:[a-z]\.){2,}", lambda m: m.group(0).replace(".", ""), s)
    s = s.replace("&", " & ")
    s = re.sub(r"[^a-z0-9&]+", " ", s)
    return " ".join(s.split())


def split_affiliations(raw: str | None) -> list[str]:
    """Split one author's affiliation text into its parts (cleaned, de-duplicated, order kept).

    Splits on ``;``, ``+``, ``|`` and on " / " between names; commas are kept (they usually
    separate a department, an institution and a place of the same affiliation).

    >>> split_affiliations("Tsinghua University + Microsoft Research Asia; None")
    ['Tsinghua University', 'Microsoft Research Asia']
    """
    s = clean_text(raw)
    if not s:
        return []
    parts = re.split(r"\s*(?:;|\+|\||\s/\s|(?<=[a-z])/(?=[A-Z]))\s*", s)
    out: list[str] = []
    seen: set[str] = set()
    for p in parts:
        p = p.strip(" ,.-&")
        key = normalize_affiliation(p)
        if not p or key in _NONE or key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out


# --- matching form -------------------------------------------------------------------------

_TOKEN_MAP = {
    "univ": "university", "universite": "university", "universitat": "university",
    "universitaet": "university", "universita": "university", "universidad": "university",
    "universidade": "university", "universiteit": "university", "universitet": "university",
    "uniwersytet": "university", "universiti": "university", "universitas": "university",
    "universitesi": "university", "univeristy": "university", "univiersity": "university",
    "univercity": "university", "universty": "university", "unversity": "university",
    "universiy": "university", "uiversity": "university", "universities": "university",
    "inst": "institute", "institut": "institute", "instituto": "institute", "istituto": "institute",
    "technol": "technology", "tech": "technology", "sci": "science", "natl": "national",
    "laboratory": "lab", "laboratories": "labs", "labo": "lab", "laboratoire": "lab",
    "centre": "center", "saint": "st", "tuebingen": "tubingen", "muenchen": "munich",
    "munchen": "munich", "zuerich": "zurich", "koeln": "koln", "goettingen": "gottingen",
    "saarbruecken": "saarbrucken", "wuerzburg": "wurzburg", "technische": "technical",
    "hongkong": "hong kong", "macao": "macau", "singaore": "singapore", "co": "co",
    "corp": "corporation", "ltd": "limited", "inc": "inc", "dept": "department",
}
_STOP = {"the", "of", "at", "in", "de", "di", "du", "des", "der", "la", "le", "les", "and", "&",
         "for", "et", "und", "zu", "degli", "della", "del", "studi", "do", "da", "dos", "y", "e",
         "a", "an", "on"}
_PHRASES = [
    (re.compile(r"\bjiao tong\b"), "jiaotong"), (re.compile(r"\btsing hua\b"), "tsinghua"),
    (re.compile(r"\bdeep mind\b"), "deepmind"), (re.compile(r"\bbyte dance\b"), "bytedance"),
    (re.compile(r"\bshanghai tech\b"), "shanghaitech"), (re.compile(r"\bopen ai\b"), "openai"),
    (re.compile(r"\bxi an\b"), "xian"), (re.compile(r"\bsun yat sen\b"), "sun yatsen"),
    (re.compile(r"\bna ver\b"), "naver"), (re.compile(r"\bmax planck\b"), "maxplanck"),
    (re.compile(r"\bhuggingface\b"), "hugging face"), (re.compile(r"\bshang hai\b"), "shanghai"),
    (re.compile(r"\bwu han\b"), "wuhan"), (re.compile(r"\bbei jing\b"), "beijing"),
    (re.compile(r"\bsung kyun kwan\b"), "sungkyunkwan"), (re.compile(r"\bmax plank\b"), "maxplanck"),
]


def fold_tokens(words: list[str]) -> list[str]:
    out: list[str] = []
    for w in words:
        w = _TOKEN_MAP.get(w, w)
        if " " in w:
            out.extend(w.split())
        elif w not in _STOP:
            out.append(w)
    return out


@lru_cache(maxsize=1 << 16)
def match_key(text: str) -> str:
    """Matching form of a whole name (used for table aliases)."""
    s = normalize_affiliation(text)
    for rx, rep in _PHRASES:
        s = rx.sub(rep, s)
    return " ".join(fold_tokens(s.split()))


def segment_tokens(part: str) -> list[tuple[str, int]]:
    """Matching tokens of one affiliation part, each with the index of its comma segment."""
    out: list[tuple[str, int]] = []
    for i, seg in enumerate(part.split(",")):
        key = match_key(seg)
        out.extend((t, i) for t in key.split())
    return out
