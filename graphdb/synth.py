"""Synthetic Paper Copilot "paperlists" files for scale tests and benchmarks.

``write_paperlists(path, papers, seed=0)`` streams a JSON array in exactly the shape of the real
files (``id, title, abstract, author, aff, aff_unique_norm, aff_unique_index, aff_country_unique,
aff_country_unique_index, status, track``), every per-author field with one token per author
(*same shape*), so the paperlists parser attributes institutions and countries to each slot.

Distributions (deterministic for a seed; nothing grows with the number of papers but the file):

* authors per paper: lognormal, mean about 5 (1 to 40);
* the paper's lead country from a NeurIPS-like mix (US about 45%, CN about 20%, GB, DE, CA ...);
  each further author is from the lead country with probability 0.9, else from the mix
  (about 40% of papers end up with more than one country, as at NeurIPS);
* authors are integers drawn per country with a power law (``pool * u**1.6``): a few authors
  write many papers, most write one or two; an author's name, institution(s) and country are a
  pure function of (country, index), so no table of authors is kept in memory. Names repeat
  across authors now and then (homonyms, as in real data);
* institutions per country: Zipf (s = 1.1) over a per-country list;
* about 5% of authors hold two affiliations (``+``), a third of those in another country;
* about 25% of papers reuse most of an earlier team (repeat collaborations; a bounded ring
  of recent teams);
* about 2% of author slots have no affiliation (empty tokens, shapes kept);
* about 0.2% of records repeat an earlier paper under another id (the writer deduplicates).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# (ISO code, name as the source writes it, share of lead authors)
COUNTRIES: list[tuple[str, str, float]] = [
    ("US", "United States", 0.45), ("CN", "China", 0.20), ("GB", "United Kingdom", 0.05),
    ("DE", "Germany", 0.035), ("CA", "Canada", 0.035), ("FR", "France", 0.025), ("KR", "South Korea", 0.03),
    ("JP", "Japan", 0.02), ("CH", "Switzerland", 0.02), ("SG", "Singapore", 0.02), ("IL", "Israel", 0.015),
    ("IN", "India", 0.015), ("AU", "Australia", 0.015), ("HK", "Hong Kong", 0.01), ("NL", "Netherlands", 0.01),
    ("TW", "Taiwan", 0.005), ("IT", "Italy", 0.005), ("ES", "Spain", 0.004), ("SE", "Sweden", 0.004),
    ("DK", "Denmark", 0.003), ("FI", "Finland", 0.003), ("AT", "Austria", 0.003), ("BE", "Belgium", 0.002),
    ("BR", "Brazil", 0.002), ("AE", "United Arab Emirates", 0.003), ("SA", "Saudi Arabia", 0.002),
    ("PL", "Poland", 0.002), ("IE", "Ireland", 0.002), ("NO", "Norway", 0.002), ("RU", "Russian Federation", 0.002),
]
_CUM: list[float] = []
_acc = 0.0
for _c in COUNTRIES:
    _acc += _c[2]
    _CUM.append(_acc)

_INST_KINDS = ["University", "Institute of Technology", "Research Lab", "AI Lab", "University of Science",
               "Polytechnic", "National Laboratory", "College"]
_PLACES = ["North", "South", "East", "West", "Central", "Lake", "River", "Coast", "Mountain", "Valley",
           "Harbor", "Capital", "Royal", "State", "Metropolitan", "Pacific", "Atlantic", "Federal"]
_COMPANIES = ["Google", "Microsoft", "Meta", "Amazon", "Apple", "NVIDIA", "IBM", "Alibaba", "Tencent",
              "Baidu", "ByteDance", "Huawei", "Samsung", "Sony", "DeepMind", "OpenAI", "Adobe", "Intel"]
_FIRST = {
    "zh": ["Wei", "Yang", "Jing", "Li", "Hao", "Xin", "Yu", "Jun", "Lei", "Ming", "Tao", "Yan", "Chen", "Bo",
           "Kai", "Rui", "Jie", "Fang", "Lin", "Qi", "Zhe", "Peng", "Xiao", "Hui", "Ying", "Shuai", "Yue", "Han"],
    "en": ["James", "Mary", "John", "Anna", "David", "Sarah", "Michael", "Laura", "Daniel", "Emily", "Thomas",
           "Julia", "Alex", "Sophie", "Lukas", "Marie", "Pierre", "Elena", "Marco", "Clara", "Noah", "Olivia",
           "Samuel", "Hannah", "Ethan", "Grace", "Felix", "Ava", "Oscar", "Ines"],
    "in": ["Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Aditya", "Kavya", "Rohan", "Divya"],
    "ko": ["Minjun", "Seoyeon", "Jiho", "Hyun", "Jisoo", "Donghyun", "Yuna", "Sungmin"],
    "ja": ["Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina", "Takumi", "Sakura"],
}
_LAST = {
    "zh": ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
           "Zhu", "Hu", "Guo", "He", "Lin", "Gao", "Luo", "Zheng", "Liang", "Xie", "Tang", "Han", "Cao"],
    "en": ["Smith", "Johnson", "Brown", "Miller", "Davis", "Garcia", "Wilson", "Anderson", "Taylor", "Moore",
           "Martin", "Lee", "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
           "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner",
           "Müller", "Schmidt", "Dubois", "Rossi", "Novak", "Kowalski", "Jansen", "Larsen", "Cohen", "Silva"],
    "in": ["Sharma", "Patel", "Gupta", "Singh", "Kumar", "Reddy", "Iyer", "Nair", "Rao", "Mehta"],
    "ko": ["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"],
    "ja": ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"],
}
_NAME_GROUP = {"CN": "zh", "HK": "zh", "TW": "zh", "SG": "zh", "IN": "in", "KR": "ko", "JP": "ja"}
_WORDS = ("learning neural network graph transformer diffusion model language robust efficient scalable "
          "optimization reinforcement policy representation attention sparse federated causal inference "
          "generative adversarial contrastive self-supervised benchmark multimodal vision reasoning agent "
          "kernel bayesian stochastic gradient convergence theory privacy fairness alignment retrieval "
          "compression quantization distillation embedding latent variational uncertainty calibration "
          "planning control dynamics equivariant geometric spectral temporal continual meta few-shot "
          "zero-shot prompt instruction tuning scaling laws data mixture evaluation safety interpretability").split()
_STATUS = [("Poster", 0.82), ("Spotlight", 0.12), ("Oral", 0.06)]
_TRACK = [("main", 0.9), ("Datasets and Benchmarks", 0.1)]


def _h(*parts: Any) -> int:
    """A stable 64-bit hash of the parts (identity of synthetic authors and institutions)."""
    return int.from_bytes(hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


def _pick(cum: list[float], u: float) -> int:
    total = cum[-1]
    x = u * total
    lo, hi = 0, len(cum) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cum[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _weighted(choices: list[tuple[str, float]], u: float) -> str:
    acc = 0.0
    for name, w in choices:
        acc += w
        if u < acc:
            return name
    return choices[-1][0]


class _World:
    """Pure functions from (country, index) to authors and institutions, sized for ``papers``."""

    def __init__(self, papers: int, seed: int):
        self.seed = seed
        n_slots = papers * 5
        # distinct authors ~ 0.45 per slot at small scale, fewer per slot as the field grows
        self.author_pool = {code: max(20, int(n_slots * share * 1.5)) for code, _, share in COUNTRIES}
        self.inst_count = {code: max(3, int(40 * math.sqrt(share / 0.01))) for code, _, share in COUNTRIES}
        self._inst_cum: dict[str, list[float]] = {}
        for code, n in self.inst_count.items():
            acc, cum = 0.0, []
            for k in range(1, n + 1):
                acc += 1.0 / k ** 1.1
                cum.append(acc)
            self._inst_cum[code] = cum
        self.names = {code: name for code, name, _ in COUNTRIES}

    def institution_name(self, code: str, k: int) -> str:
        if k % 7 == 3:  # some labs are companies, labelled per country as in the source
            return f"{_COMPANIES[_h(self.seed, 'co', code, k) % len(_COMPANIES)]} {self.names[code]} {k}"
        h = _h(self.seed, "inst", code, k)
        place = _PLACES[h % len(_PLACES)]
        kind = _INST_KINDS[(h >> 8) % len(_INST_KINDS)]
        return f"{self.names[code]} {place} {kind} {k}"

    def institution(self, code: str, u: float) -> str:
        return self.institution_name(code, _pick(self._inst_cum[code], u))

    def author(self, code: str, idx: int) -> tuple[str, list[tuple[str, str]]]:
        """Name and [(institution, country code)] of author ``idx`` of ``code``."""
        h = _h(self.seed, "au", code, idx)
        g = _NAME_GROUP.get(code, "en")
        first, last = _FIRST[g], _LAST[g]
        given = first[(h >> 8) % len(first)]
        if g in ("zh", "ko") and (h >> 56) % 5:  # two-syllable given names
            given += first[(h >> 14) % len(first)].lower()
        initial = "" if h % 3 else f" {chr(65 + (h >> 40) % 26)}."
        family = last[(h >> 20) % len(last)]
        if g == "en" and (h >> 44) % 4 == 0:  # double-barrelled family names
            family = f"{family}-{last[(h >> 26) % len(last)]}"
        name = f"{given}{initial} {family}"
        u1 = ((h >> 12) % 1_000_003) / 1_000_003
        affs = [(self.institution(code, u1), code)]
        if (h >> 48) % 100 < 5:  # about 5% hold a second affiliation
            other = code
            if (h >> 32) % 3 == 0:
                other = COUNTRIES[_pick(_CUM, ((h >> 4) % 999_983) / 999_983)][0]
            inst2 = self.institution(other, ((h >> 28) % 999_979) / 999_979)
            if inst2 != affs[0][0]:
                affs.append((inst2, other))
        return name, affs


def records(papers: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """The synthetic records, one dict per paper, in file order."""
    rng = random.Random(seed)
    world = _World(papers, seed)
    teams: list[list[tuple[str, int]]] = []  # ring of recent teams (bounded)
    recent: list[dict[str, Any]] = []  # a few recent records, for exact repeats
    sigma = 0.55
    mu = math.log(5.0) - sigma * sigma / 2  # mean about 5
    for i in range(papers):
        if recent and rng.random() < 0.002:
            dup = dict(recent[rng.randrange(len(recent))])
            dup["id"] = f"syn{seed}-{i}"
            yield dup
            continue
        n = min(40, max(1, round(rng.lognormvariate(mu, sigma))))
        lead = COUNTRIES[_pick(_CUM, rng.random())][0]
        team: list[tuple[str, int]] = []
        if teams and rng.random() < 0.25:
            old = teams[rng.randrange(len(teams))]
            team = [a for a in old if rng.random() < 0.8][:n]
        seen = set(team)
        while len(team) < n:
            code = lead if rng.random() < 0.9 else COUNTRIES[_pick(_CUM, rng.random())][0]
            idx = int(world.author_pool[code] * rng.random() ** 1.6)
            if (code, idx) not in seen:
                seen.add((code, idx))
                team.append((code, idx))
        if len(teams) < 5000:
            teams.append(team)
        else:
            teams[rng.randrange(5000)] = team
        rec = _record(world, rng, i, seed, team)
        if len(recent) < 50:
            recent.append(rec)
        elif rng.random() < 0.01:
            recent[rng.randrange(50)] = rec
        yield rec


def _record(world: _World, rng: random.Random, i: int, seed: int, team: list[tuple[str, int]]) -> dict[str, Any]:
    names, aff_toks, inst_idx_toks, c_idx_toks = [], [], [], []
    insts: dict[str, int] = {}
    countries: dict[str, int] = {}
    for code, idx in team:
        name, affs = world.author(code, idx)
        names.append(name)
        if rng.random() < 0.02:  # no affiliation for this slot
            aff_toks.append("")
            inst_idx_toks.append("")
            c_idx_toks.append("")
            continue
        ii, cc = [], []
        for inst, ccode in affs:
            ii.append(str(insts.setdefault(inst, len(insts))))
            cname = world.names[ccode]
            cc.append(str(countries.setdefault(cname, len(countries))))
        aff_toks.append("+".join(inst for inst, _ in affs))
        inst_idx_toks.append("+".join(ii))
        c_idx_toks.append("+".join(cc))
    words = rng.choices(_WORDS, k=rng.randint(5, 11))
    title = " ".join(words).capitalize() + f" ({i})"
    abstract = " ".join(rng.choices(_WORDS, k=rng.randint(90, 180))).capitalize() + "."
    return {
        "id": f"syn{seed}-{i}",
        "title": title,
        "abstract": abstract,
        "author": ";".join(names),
        "aff": ";".join(aff_toks),
        "aff_unique_norm": ";".join(insts),
        "aff_unique_index": ";".join(inst_idx_toks),
        "aff_country_unique": ";".join(countries),
        "aff_country_unique_index": ";".join(c_idx_toks),
        "status": _weighted(_STATUS, rng.random()),
        "track": _weighted(_TRACK, rng.random()),
    }


def write_paperlists(path: str | os.PathLike[str], papers: int, seed: int = 0) -> dict[str, int]:
    """Stream ``papers`` synthetic records to ``path`` (a JSON array); returns papers and author slots."""
    if papers < 0:
        raise ValueError("papers must be >= 0")
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    slots = 0
    tmp = p.with_name(p.name + ".partial")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("[")
        for k, rec in enumerate(records(papers, seed)):
            f.write(",\n" if k else "\n")
            f.write(json.dumps(rec, ensure_ascii=False))
            slots += rec["author"].count(";") + 1
        f.write("\n]\n")
    os.replace(tmp, p)
    return {"papers": papers, "author_slots": slots}
