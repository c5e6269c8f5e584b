"""Country names and codes (ISO 3166-1 alpha-2) and the named groupings applied at query time."""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Names sources use that pycountry does not resolve unambiguously, or resolves wrongly.
_ALIASES: dict[str, str | None] = {
    "united states": "US", "usa": "US", "u.s.a.": "US", "u.s.": "US", "us": "US", "america": "US",
    "united states of america": "US",
    "united kingdom": "GB", "uk": "GB", "u.k.": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "great britain": "GB", "britain": "GB", "northern ireland": "GB",
    "china": "CN", "p.r. china": "CN", "pr china": "CN", "p. r. china": "CN", "prc": "CN",
    "people's republic of china": "CN", "mainland china": "CN",
    "hong kong": "HK", "hong kong sar": "HK", "hong kong, china": "HK", "hongkong": "HK",
    "macau": "MO", "macao": "MO", "macau sar": "MO",
    "taiwan": "TW", "taiwan, province of china": "TW", "republic of china": "TW", "chinese taipei": "TW",
    "south korea": "KR", "korea": "KR", "republic of korea": "KR", "korea, republic of": "KR",
    "korea (south)": "KR", "north korea": "KP",
    "russia": "RU", "russian federation": "RU",
    "czech republic": "CZ", "czechia": "CZ",
    "turkey": "TR", "türkiye": "TR", "turkiye": "TR",
    "vietnam": "VN", "viet nam": "VN",
    "iran": "IR", "iran, islamic republic of": "IR",
    "uae": "AE", "u.a.e.": "AE",
    "the netherlands": "NL", "holland": "NL",
    "unknown": None, "": None, "none": None, "n/a": None,
}

# Named groupings, applied at query time (never stored on the graph).
GROUPS: dict[str, tuple[str, ...]] = {
    "greater-china": ("CN", "HK", "MO", "TW"),
    "eu27": ("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
             "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
    "five-eyes": ("US", "GB", "CA", "AU", "NZ"),
}


class UnknownCountry(ValueError):
    """A country or group name that cannot be turned into ISO codes."""


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name or code as sources write it, or None.

    >>> country_code("Russian Federation"), country_code("Türkiye"), country_code("Unknown")
    ('RU', 'TR', None)
    """
    if name is None:
        return None
    key = " ".join(name.strip().lower().split())
    if key in _ALIASES:
        return _ALIASES[key]
    if len(key) == 2 and key.isalpha():
        c = pycountry.countries.get(alpha_2=key.upper())
        return c.alpha_2 if c else None
    c = pycountry.countries.get(name=key) or pycountry.countries.get(common_name=key) \
        or pycountry.countries.get(official_name=key)
    if c is not None:
        return c.alpha_2
    try:
        return pycountry.countries.lookup(key).alpha_2
    except LookupError:
        return None


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """Display name for an ISO2 code ("HK" -> "Hong Kong")."""
    special = {"TW": "Taiwan", "KR": "South Korea", "RU": "Russia", "IR": "Iran", "VN": "Vietnam",
               "US": "United States", "GB": "United Kingdom"}
    if code in special:
        return special[code]
    c = pycountry.countries.get(alpha_2=code)
    return getattr(c, "common_name", None) or (c.name if c else code)


def expand(spec: str) -> list[str]:
    """Codes for a country code, a country name or a named group ("greater-china").

    >>> expand("greater-china")
    ['CN', 'HK', 'MO', 'TW']
    """
    s = spec.strip()
    if s.lower() in GROUPS:
        return list(GROUPS[s.lower()])
    code = country_code(s)
    if code is None:
        groups = ", ".join(sorted(GROUPS))
        raise UnknownCountry(f"unknown country or group {spec!r} (use an ISO code such as US or CN, or one of: {groups})")
    return [code]
