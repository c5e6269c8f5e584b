"""Accuracy of the resolver against the real data (used by bench/resolve_accuracy.py and the tests).

Paperlists files: the source's institution and country fields are hidden from the resolver, which
sees only each author's raw ``aff`` text; its countries are compared with the source's
(``aff_country_unique`` via ``aff_country_unique_index``), after splitting HK/MO/TW out of the
source's "China" by the source's own institution name (``aff_unique_norm``) with the table.
Only author slots whose index fields line up with the author's affiliation pieces are scored.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from graphdb.countries import country_code
from graphdb.resolve.normalize import is_empty, match_key, normalize_affiliation
from graphdb.resolve.resolver import Resolver
from graphdb.resolve.table import GREATER_CHINA_SPLIT, Table, default_table

GC = frozenset({"CN", "HK", "MO", "TW"})


def split_greater_china(inst_name: str, country: str | None, table: Table | None = None) -> str | None:
    """The source's "China" for a Hong Kong / Macau / Taiwan institution -> HK / MO / TW."""
    if country != "CN" or not inst_name:
        return country
    table = table or default_table()
    toks = match_key(inst_name).split()
    found = {m.entry.country for m in table.match(toks, inst_name)}
    if found and found <= GREATER_CHINA_SPLIT and len(found) == 1:
        return next(iter(found))
    if found:
        return country
    norm = normalize_affiliation(inst_name)
    for word, code in (("hong kong", "HK"), ("macau", "MO"), ("macao", "MO"), ("taiwan", "TW"),
                       ("taipei", "TW"), ("hsinchu", "TW")):
        if word in norm:
            return code
    return country


@dataclass
class Score:
    slots_total: int = 0  # author slots with a non-empty aff
    slots_scorable: int = 0  # ... whose index fields line up and whose gold has a country
    slots_covered: int = 0  # ... that got a country
    tp: int = 0
    fp: int = 0
    fn: int = 0
    per: dict[str, Counter[str]] = field(default_factory=dict)  # "US"/"CN"/"GC" -> tp/fp/fn
    papers: int = 0
    paper_agree: int = 0
    paper_conf: Counter[str] = field(default_factory=Counter)  # gold/pred of has US x greater China
    errors: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def add_country(self, gold: set[str], pred: set[str]) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)
        for key, fn in (("US", lambda s: {"US"} & s), ("CN", lambda s: {"CN"} & s),
                        ("GC", lambda s: {"GC"} if s & GC else set())):
            g, p = fn(gold), fn(pred)
            c = self.per.setdefault(key, Counter())
            c["tp"] += len(g & p)
            c["fp"] += len(p - g)
            c["fn"] += len(g - p)

    def merge(self, other: Score) -> None:
        for name in ("slots_total", "slots_scorable", "slots_covered", "tp", "fp", "fn", "papers", "paper_agree"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, c in other.per.items():
            self.per.setdefault(k, Counter()).update(c)
        self.paper_conf.update(other.paper_conf)
        self.errors.update(other.errors)

    def figures(self) -> dict[str, Any]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        out: dict[str, Any] = {
            "slots_with_aff": self.slots_total, "slots_scorable": self.slots_scorable,
            "coverage": ratio(self.slots_covered, self.slots_scorable),
            "precision": ratio(self.tp, self.tp + self.fp), "recall": ratio(self.tp, self.tp + self.fn),
        }
        for k, c in sorted(self.per.items()):
            out[f"precision_{k}"] = ratio(c["tp"], c["tp"] + c["fp"])
            out[f"recall_{k}"] = ratio(c["tp"], c["tp"] + c["fn"])
        out["papers_scored"] = self.papers
        out["paper_us_x_gc_agreement"] = ratio(self.paper_agree, self.papers)
        out["paper_us_x_gc"] = dict(self.paper_conf)
        return out


def _split(value: Any, sep: str = ";") -> list[str]:
    if value is None:
        return []
    return [x.strip() for x in str(value).split(sep)]


def evaluate_paperlists(records: Iterable[dict[str, Any]], resolver: Resolver | None = None) -> Score:
    """Score the resolver (source hidden) on paperlists records."""
    resolver = resolver or Resolver(use_source=False)
    table = resolver.table
    score = Score()
    for rec in records:
        aff = rec.get("aff")
        if not aff or not str(aff).strip(" ;"):
            continue
        authors = _split(aff)
        ui = _split(rec.get("aff_unique_index")) if rec.get("aff_unique_index") else []
        ci = _split(rec.get("aff_country_unique_index")) if rec.get("aff_country_unique_index") else []
        norm = _split(rec.get("aff_unique_norm"))
        cu = _split(rec.get("aff_country_unique"))
        if len(ci) != len(authors) and len(ui) == len(authors):
            # OpenReview-derived files drop authors with no affiliation from the country index only
            keep = [k for k, a in enumerate(authors) if not is_empty(a)]
            if len(keep) == len(ci):
                full = [""] * len(authors)
                for k, c in zip(keep, ci, strict=True):
                    full[k] = c
                ci = full
        aligned = len(authors) == len(ui) == len(ci)

        paper_pred: set[str] = set()
        for k, a in enumerate(authors):
            if is_empty(a):
                continue
            score.slots_total += 1
            atts = resolver.resolve_slot(a)
            pred = {x.country for x in atts if x.country}
            paper_pred |= pred
            if not aligned:
                continue
            pieces = [p for p in a.split("+")]
            u_p, c_p = ui[k].split("+"), ci[k].split("+")
            if not (len(pieces) == len(u_p) == len(c_p)):
                continue
            gold: set[str] = set()
            for u, c in zip(u_p, c_p, strict=True):
                try:
                    cc = country_code(cu[int(c)])
                    inst = norm[int(u)] if u.strip() != "" else ""
                except (ValueError, IndexError):
                    continue
                cc = split_greater_china(inst, cc, table)
                if cc:
                    gold.add(cc)
            if not gold:
                continue
            score.slots_scorable += 1
            if pred:
                score.slots_covered += 1
            score.add_country(gold, pred)
            for miss in pred - gold:
                score.errors[(a, ",".join(sorted(gold)), miss)] += 1

        gold_paper = {c for c in (country_code(x) for x in _split(rec.get("aff_country_unique"))) if c}
        if not gold_paper:
            continue
        score.papers += 1
        g = "US" in gold_paper and bool(gold_paper & GC)
        p = "US" in paper_pred and bool(paper_pred & GC)
        score.paper_agree += int(g == p)
        score.paper_conf[f"gold={int(g)},pred={int(p)}"] += 1
    return score


def load_json(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    return data if isinstance(data, list) else list(data)


def nips_virtual_coverage(path: str, resolver: Resolver | None = None
                          ) -> tuple[int, int, Counter[str], Counter[str]]:
    """(slots with an affiliation, of which resolved, unresolved string counts, layer counts)."""
    resolver = resolver or Resolver(use_source=False)
    total = covered = 0
    unresolved: Counter[str] = Counter()
    layers: Counter[str] = Counter()
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            rec = json.loads(line)
            for a in rec.get("authors") or []:
                raw = a.get("affiliation") or a.get("institution")
                if is_empty(raw):
                    continue
                total += 1
                atts = resolver.resolve_slot(raw)
                if any(x.country for x in atts):
                    covered += 1
                    for x in atts:
                        if x.country:
                            layers[x.layer] += 1
                else:
                    unresolved[raw] += 1
    return total, covered, unresolved, layers
