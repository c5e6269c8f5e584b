"""Precision and recall of model-mention extraction, measured against hand labels.

    python bench/model_precision.py                 # figures, ends with one JSON line
    python bench/model_precision.py --draw          # the sample draw (unlabelled), as JSON lines
    python bench/model_precision.py --data DIR      # paperlists directory (default ../shared/data/paperlists)

Precision: every labelled mention (tests/data/model_mention_labels.jsonl) that the current extractor still
produces (same file, paper, field, start offset and model) counts; a labelled-false mention the extractor no
longer produces is a fixed error and drops out. Recall: over (paper, model) pairs listed by hand in
tests/data/model_recall_labels.jsonl. Counts: mentions (span occurrences) and papers per model in each file.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from graphdb.models import extract_mentions, extract_spans, load_catalog  # noqa: E402

FILES = ("nips2017.json", "nips2018.json", "naacl2024.json", "colm2025.json")
LABELS = ROOT / "tests" / "data" / "model_mention_labels.jsonl"
RECALL = ROOT / "tests" / "data" / "model_recall_labels.jsonl"
SEED = 20250601
# Names that are also common words, names, letters or other acronyms: sampled more heavily.
AMBIGUOUS = frozenset({
    "Adam", "Claude", "Gemini", "Gemma", "Falcon", "Mistral", "Alpaca", "Vicuna", "Whisper", "Mamba",
    "Segment Anything", "Sharpness-Aware Minimization", "DINO", "Yi", "Phi", "ChatGLM", "YOLO", "o1", "DeepSeek-R1",
    "OPT", "Orca", "Pythia", "Tulu", "Inception", "S4", "SAC", "Transformer", "Llama", "BERT", "GAN", "GPT", "Kimi",
    "Chinchilla", "Dropout", "T5", "BART", "MPT", "R-CNN", "OLMo",
})


def default_data_dir() -> Path:
    return ROOT.parent / "shared" / "data" / "paperlists"


def load_papers(data_dir: Path) -> dict[tuple[str, str], dict]:
    papers: dict[tuple[str, str], dict] = {}
    for name in FILES:
        for p in json.loads((data_dir / name).read_text(encoding="utf-8")):
            papers[(name, str(p["id"]))] = p
    return papers


def read_jsonl(path: Path) -> tuple[dict, list[dict]]:
    meta: dict = {}
    rows: list[dict] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if "_meta" in obj:
            meta = obj["_meta"]
        else:
            rows.append(obj)
    return meta, rows


def spans_by_key(papers: dict[tuple[str, str], dict]) -> dict[tuple, str]:
    """(file, paper_id, field, start, model) -> span text, for every accepted span in the data."""
    out: dict[tuple, str] = {}
    for (name, pid), p in papers.items():
        for s in extract_spans(p.get("title"), p.get("abstract")):
            out[(name, pid, s.field, s.start, s.model)] = s.text
    return out


def draw(papers: dict[tuple[str, str], dict]) -> list[dict]:
    """The stratified, seeded sample of extracted spans (see the labels file's _meta)."""
    by_model: dict[str, list[dict]] = defaultdict(list)
    for (name, pid), p in papers.items():
        fields = {"title": p.get("title") or "", "abstract": p.get("abstract") or ""}
        for s in extract_spans(fields["title"], fields["abstract"]):
            text = fields[s.field]
            ctx = text[max(0, s.start - 80):s.start] + "[[" + s.text + "]]" + text[s.end:s.end + 80]
            by_model[s.model].append({"file": name, "paper_id": pid, "model": s.model, "field": s.field,
                                      "start": s.start, "span": s.text, "context": ctx.replace("\n", " ")})
    items: list[dict] = []
    for model in sorted(by_model):
        spans = by_model[model]
        n = len(spans)
        if model in AMBIGUOUS:
            q = 15 if n > 60 else min(n, 10)
        else:
            q = min(n, max(2, math.ceil(n * 0.06)))
        items += random.Random(f"{SEED}:{model}").sample(spans, q)
    return items


def precision(labels: list[dict], current: dict[tuple, str]) -> dict:
    fam = {e.name: e.family for e in load_catalog()}
    per_family: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    still = fixed = removed_true = 0
    for r in labels:
        key = (r["file"], r["paper_id"], r["field"], r["start"], r["model"])
        if key not in current:
            if r["correct"]:
                removed_true += 1
            else:
                fixed += 1
            continue
        still += 1
        f = per_family[fam.get(r["model"], r["model"])]
        f[0] += int(bool(r["correct"]))
        f[1] += 1
    ok = sum(v[0] for v in per_family.values())
    tot = sum(v[1] for v in per_family.values())
    return {"correct": ok, "total": tot, "precision": ok / tot if tot else 1.0, "fixed_errors": fixed,
            "labelled_true_no_longer_extracted": removed_true,
            "per_family": {k: {"correct": v[0], "total": v[1]} for k, v in sorted(per_family.items())}}


def recall(rows: list[dict], papers: dict[tuple[str, str], dict]) -> dict:
    hit = total = extra = 0
    misses: list[str] = []
    for r in rows:
        p = papers[(r["file"], r["paper_id"])]
        found = {m.model for m in extract_mentions(p.get("title"), p.get("abstract"))}
        want = set(r["models"])
        hit += len(want & found)
        total += len(want)
        extra += len(found - want)
        misses += [f"{r['file']}:{r['paper_id']}:{m}" for m in sorted(want - found)]
    return {"papers": len(rows), "pairs": total, "found": hit, "recall": hit / total if total else 1.0,
            "extracted_not_in_labels": extra, "misses": misses}


def counts(papers: dict[tuple[str, str], dict]) -> tuple[dict, dict, float]:
    mentions: dict[str, Counter] = {f: Counter() for f in FILES}
    paper_counts: dict[str, Counter] = {f: Counter() for f in FILES}
    t0 = time.perf_counter()
    for (name, _pid), p in papers.items():
        seen = set()
        for m in extract_mentions(p.get("title"), p.get("abstract")):
            mentions[name][m.model] += m.count
            seen.add(m.model)
        for model in seen:
            paper_counts[name][model] += 1
    return mentions, paper_counts, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default_data_dir())
    ap.add_argument("--draw", action="store_true", help="print the seeded sample draw as JSON lines and exit")
    args = ap.parse_args(argv)
    papers = load_papers(args.data)
    if args.draw:
        for item in draw(papers):
            print(json.dumps(item, ensure_ascii=False))
        return 0

    meta, labels = read_jsonl(LABELS)
    _, recall_rows = read_jsonl(RECALL)
    current = spans_by_key(papers)
    prec = precision(labels, current)
    rec = recall(recall_rows, papers)
    mentions, paper_counts, secs = counts(papers)

    print(f"catalog: {len(load_catalog())} entries")
    print(f"precision on {prec['total']} labelled mentions still extracted: {prec['precision']:.3f} "
          f"({prec['correct']}/{prec['total']}); fixed errors dropped out: {prec['fixed_errors']}; "
          f"labelled-true spans no longer extracted: {prec['labelled_true_no_longer_extracted']}")
    if meta.get("first_round_precision"):
        fr = meta["first_round_precision"]
        print(f"first-round precision (before fixes): {fr['correct']}/{fr['total']} = {fr['correct'] / fr['total']:.3f}")
    print("precision per family:")
    for fam, v in prec["per_family"].items():
        print(f"  {fam:28s} {v['correct']:3d}/{v['total']:<3d} {v['correct'] / v['total']:.2f}")
    print(f"recall on {rec['papers']} hand-read papers: {rec['recall']:.3f} ({rec['found']}/{rec['pairs']} pairs); "
          f"extracted but not labelled: {rec['extracted_not_in_labels']}")
    for m in rec["misses"]:
        print(f"  missed {m}")
    print(f"extraction over {len(papers)} papers (title+abstract): {secs:.2f}s")
    print("mentions (papers) per model and file:")
    models = sorted({m for c in mentions.values() for m in c}, key=lambda m: -sum(c[m] for c in mentions.values()))
    print(f"  {'model':28s}" + "".join(f"{f.split('.')[0]:>16s}" for f in FILES))
    for m in models:
        print(f"  {m:28s}" + "".join(f"{mentions[f][m]:>9d} ({paper_counts[f][m]:>4d})" for f in FILES))
    summary = {
        "catalog_size": len(load_catalog()),
        "precision": round(prec["precision"], 4), "precision_n": prec["total"],
        "first_round_precision": meta.get("first_round_precision"),
        "recall": round(rec["recall"], 4), "recall_pairs": rec["pairs"], "recall_papers": rec["papers"],
        "seconds": round(secs, 2), "papers": len(papers),
        "colm2025": {f: {"mentions": mentions["colm2025.json"][f], "papers": paper_counts["colm2025.json"][f]}
                     for f in ("Llama", "Qwen", "DeepSeek", "DeepSeek-R1")},
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
