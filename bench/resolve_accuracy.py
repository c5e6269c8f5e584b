"""Accuracy of the affiliation resolver on the shared real data (not part of pytest).

    python bench/resolve_accuracy.py [--data ../shared/data] [--errors 20]

Paperlists (nips2017, nips2018, naacl2024 = tuning set; colm2025 = held out, never tuned on):
the source's institution/country fields are hidden, each author's raw ``aff`` is resolved alone
(source layer off, no learned layer), and the countries are compared with the source's, after
splitting HK/MO/TW out of the source's "China" by the source's institution name. Only slots whose
index fields line up are scored. NeurIPS 2024 virtual site: coverage of non-empty affiliations.
The last line of output is one JSON object with all figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

try:
    import graphdb.resolve  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphdb.resolve import Resolver
from graphdb.resolve.evaluate import Score, evaluate_paperlists, load_json, nips_virtual_coverage

TUNE = ("nips2017", "nips2018", "naacl2024")
HELD_OUT = ("colm2025",)


def _default_data() -> Path:
    here = Path(__file__).resolve().parents[1]
    for cand in (os.environ.get("GRAPHDB_DATA"), here.parent / "shared" / "data", Path("/work/shared/data")):
        if cand and Path(cand).is_dir():
            return Path(cand)
    return here.parent / "shared" / "data"


def _fmt(v: object) -> str:
    return f"{v:.2%}" if isinstance(v, float) else str(v)


def _print_score(name: str, s: Score) -> None:
    f = s.figures()
    print(f"  {name:<22} slots {f['slots_with_aff']:>6}  scorable {f['slots_scorable']:>6}  "
          f"coverage {_fmt(f['coverage'])}  precision {_fmt(f['precision'])}  recall {_fmt(f['recall'])}")
    print(f"  {'':<22} US p/r {_fmt(f.get('precision_US'))}/{_fmt(f.get('recall_US'))}  "
          f"CN p/r {_fmt(f.get('precision_CN'))}/{_fmt(f.get('recall_CN'))}  "
          f"greater-China p/r {_fmt(f.get('precision_GC'))}/{_fmt(f.get('recall_GC'))}")
    print(f"  {'':<22} papers {f['papers_scored']}  US x greater-China agreement "
          f"{_fmt(f['paper_us_x_gc_agreement'])}  {f['paper_us_x_gc']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=_default_data())
    ap.add_argument("--errors", type=int, default=15, help="show the N most frequent wrong countries")
    args = ap.parse_args(argv)
    t0 = time.time()
    out: dict[str, object] = {}

    print("== paperlists, source countries hidden (gold = source country, HK/MO/TW split) ==")
    tuned = Score()
    per_file: dict[str, Score] = {}
    for name in TUNE + HELD_OUT:
        path = args.data / "paperlists" / f"{name}.json"
        if not path.exists():
            print(f"  {name}: missing ({path})")
            continue
        s = evaluate_paperlists(load_json(str(path)), Resolver(use_source=False))
        per_file[name] = s
        _print_score(name, s)
        if name in TUNE:
            tuned.merge(s)
        out[name] = s.figures()
    print()
    _print_score("TUNING SET (3 files)", tuned)
    out["tuning"] = tuned.figures()
    for name in HELD_OUT:
        if name in per_file:
            _print_score(f"HELD OUT {name}", per_file[name])
            out["held_out"] = per_file[name].figures()

    errors = Score()
    for name, s in per_file.items():
        if name in TUNE:  # never look at the held-out file's errors
            errors.errors.update(s.errors)
    if args.errors:
        print(f"\n-- {args.errors} most frequent wrong countries, tuning files only (string | gold | predicted) --")
        for (a, g, p), n in errors.errors.most_common(args.errors):
            print(f"  {n:>3}  {a[:90]!r} | {g} | {p}")

    path = args.data / "neurips2024" / "nips2024_virtual.jsonl"
    if path.exists():
        total, covered, unresolved, layers = nips_virtual_coverage(str(path), Resolver(use_source=False))
        cov = covered / total if total else 0.0
        print(f"\n== NeurIPS 2024 virtual site: {covered}/{total} author slots with an affiliation "
              f"got a country: coverage {cov:.2%} ==")
        print("  countries decided by layer:", dict(layers.most_common()))
        print("  30 most frequent unresolved strings:")
        for s_, n in unresolved.most_common(30):
            print(f"  {n:>4}  {s_!r}")
        out["nips2024"] = {"slots_with_aff": total, "covered": covered, "coverage": round(cov, 4),
                           "unresolved_distinct": len(unresolved), "layers": dict(layers)}
    out["seconds"] = round(time.time() - t0, 1)
    print(json.dumps(out, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
