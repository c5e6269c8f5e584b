"""The shared batch writer: records -> Neo4j with ``UNWIND $rows AS row MERGE ...``.

One batch is one managed write transaction (retried on transient errors), so a paper and all
its author slots are written together or not at all. Every write is a MERGE on a key, so a
re-run, or a run after an interruption, converges to the same graph.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graphdb.errors import DataError

from .identity import author_uid, authorship_uid, normalize_name, normalize_title, paper_uid, venue_key
from .records import PaperRecord, Reject

LABELS = ("Paper", "Author", "Authorship", "Venue")
_INST_FIELDS = ("name", "country", "ror", "openalex_id", "type")  # InstitutionRef's fields (asdict is slow)

WRITE_BATCH = """
UNWIND $papers AS p
MERGE (v:Venue {key: p.venue_key})
  ON CREATE SET v.name = p.venue, v.year = p.year
MERGE (pa:Paper {uid: p.uid})
  ON CREATE SET pa.title = p.title, pa.title_norm = p.title_norm, pa.year = p.year, pa.venue = p.venue,
                pa.venue_key = p.venue_key, pa.track = p.track, pa.status = p.status,
                pa.abstract = p.abstract, pa.source = p.source, pa.source_ids = [],
                pa.src_countries = p.src_countries, pa.n_authors = size(p.slots)
SET pa.source_ids = pa.source_ids + [x IN p.source_ids WHERE NOT x IN pa.source_ids]
MERGE (pa)-[:PUBLISHED_IN]->(v)
WITH pa, p
UNWIND p.slots AS s
MERGE (au:Author {uid: s.author_uid})
  ON CREATE SET au.name = s.name, au.name_norm = s.name_norm, au.orcid = s.orcid,
                au.openreview_id = s.openreview_id, au.openalex_id = s.openalex_id
MERGE (sl:Authorship {uid: s.uid})
  ON CREATE SET sl.position = s.position, sl.author_name = s.name, sl.raw_affiliation = s.raw_affiliation,
                sl.src = s.src, sl.has_src = s.has_src, sl.resolved = false
MERGE (au)-[:WROTE]->(sl)
MERGE (sl)-[:OF]->(pa)
MERGE (au)-[:AUTHORED]->(pa)
"""


@dataclass
class LoadSummary:
    source: str
    path: str
    records_read: int = 0
    papers_sent: int = 0
    duplicates_in_input: int = 0
    rejected: int = 0
    created: dict[str, int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    rejects_file: str | None = None
    seconds: float = 0.0
    slots_sent: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        c = self.created
        out = [
            f"{self.path}: {self.records_read} records read, {self.rejected} rejected, "
            f"{self.duplicates_in_input} duplicates of a paper earlier in the input",
            f"papers: {c.get('Paper', 0)} created, {self.papers_sent - c.get('Paper', 0)} matched; "
            f"author slots: {c.get('Authorship', 0)} created; authors: {c.get('Author', 0)} created; "
            f"venues: {c.get('Venue', 0)} created",
            f"graph now holds {self.totals.get('Paper', 0)} papers, {self.totals.get('Authorship', 0)} author "
            f"slots, {self.totals.get('Author', 0)} authors ({self.seconds:.1f}s)",
        ]
        if self.rejects_file:
            out.append(f"rejected records, with reasons: {self.rejects_file}")
        return out


def slot_source(slot) -> dict[str, Any] | None:
    """What the source said about a slot, kept on the Authorship (``src``, JSON) for the resolver."""
    inst = [{k: v for k in _INST_FIELDS if (v := getattr(i, k)) is not None} for i in slot.institutions]
    d: dict[str, Any] = {}
    if inst:
        d["institutions"] = inst
    if slot.countries:
        d["countries"] = list(slot.countries)
    if slot.email_domain:
        d["email_domain"] = slot.email_domain
    return d or None


def paper_row(rec: PaperRecord) -> dict[str, Any]:
    uid = paper_uid(rec)
    slots = []
    for s in rec.authors:
        src = slot_source(s)
        slots.append({
            "uid": authorship_uid(uid, s.position), "position": s.position, "name": s.name,
            "name_norm": normalize_name(s.name), "author_uid": author_uid(s),
            "raw_affiliation": s.raw_affiliation, "src": json.dumps(src, ensure_ascii=False) if src else None,
            "has_src": bool(src and (src.get("countries") or any(i.get("country") for i in src.get("institutions", [])))),
            "orcid": s.orcid, "openreview_id": s.openreview_id, "openalex_id": s.openalex_id,
        })
    return {
        "uid": uid, "title": rec.title, "title_norm": normalize_title(rec.title), "year": rec.year,
        "venue": rec.venue, "venue_key": venue_key(rec.venue, rec.year), "track": rec.track,
        "status": rec.status, "abstract": rec.abstract, "source": rec.source,
        "source_ids": [f"{rec.source}:{rec.source_id}"] if rec.source_id else [],
        "src_countries": list(rec.paper_countries), "slots": slots,
    }


def label_counts(db) -> dict[str, int]:
    rows = db.read("CALL db.labels() YIELD label "
                   "CALL (label) { MATCH (n) WHERE label IN labels(n) RETURN count(n) AS c } "
                   "RETURN label, c", what="label count")
    counts = {r["label"]: r["c"] for r in rows}
    return {lab: counts.get(lab, 0) for lab in LABELS}


class DigestSet:
    """An exact set of 64-bit integers in ~8 bytes each (a Python set of ints takes ~70): recent
    additions in a small set, merged into a sorted numpy array every ``flush_at`` additions. Keeps the
    loader's memory nearly flat from 10k to 1M papers."""

    def __init__(self, flush_at: int = 50_000):
        import numpy as np

        self._np = np
        self._sorted = np.empty(0, dtype=np.uint64)
        self._recent: set[int] = set()
        self._flush_at = flush_at

    def __contains__(self, x: int) -> bool:
        if x in self._recent:
            return True
        a = self._sorted
        i = int(self._np.searchsorted(a, self._np.uint64(x)))
        return i < len(a) and int(a[i]) == x

    def add(self, x: int) -> None:
        self._recent.add(x)
        if len(self._recent) >= self._flush_at:
            np = self._np
            fresh = np.fromiter(self._recent, dtype=np.uint64, count=len(self._recent))
            self._sorted = np.union1d(self._sorted, fresh)
            self._recent.clear()


class RejectSink:
    """Rejected records as JSON lines (source position, reason, raw record); created on first use."""

    def __init__(self, path: Path | None):
        self.path = path
        self.count = 0
        self._f = None

    def add(self, rej: Reject) -> None:
        self.count += 1
        if self.path is None:
            return
        try:
            if self._f is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._f = open(self.path, "w", encoding="utf-8")
            raw = rej.raw
            try:
                json.dumps(raw)
            except (TypeError, ValueError):
                raw = repr(raw)
            if isinstance(raw, str) and len(raw) > 10000:
                raw = raw[:10000] + f"... ({len(raw)} characters)"
            self._f.write(json.dumps({"source": rej.source, "file": rej.path, "position": rej.position,
                                      "reason": rej.reason, "raw": raw}, ensure_ascii=False) + "\n")
            self._f.flush()
        except OSError as e:
            path = self.path
            self._abandon()
            raise DataError(f"cannot write the rejects file {path}: {e.strerror or e}",
                            hint="free disk space or pass --rejects with another path, then re-run the load "
                                 "(papers already written are kept; the re-run completes the rest)") from e

    def _abandon(self) -> None:
        """After a failed write: drop the file handle without flushing its buffer again."""
        f, self._f = self._f, None
        if f is not None:
            try:
                f.close()
            except OSError:
                pass
        self.path = None  # later rejects are counted, not written

    def close(self) -> None:
        if self._f is not None:
            try:
                self._f.close()
            finally:
                self._f = None


def write_records(db, records: Iterable[PaperRecord | Reject], *, source: str, path: str,
                  batch_size: int = 500, rejects: Path | None = None,
                  progress: Callable[[int, int], None] | None = None) -> LoadSummary:
    """Write parsed records in batches; returns what was read, created, matched and rejected."""
    if batch_size < 1:
        raise DataError(f"batch size must be at least 1, got {batch_size}")
    t0 = time.monotonic()
    summary = LoadSummary(source=source, path=path)
    before = label_counts(db)
    sink = RejectSink(rejects)
    seen = DigestSet()  # 64-bit digests of paper uids: ~8 bytes a paper, not the whole row
    batch: list[dict[str, Any]] = []
    in_batch: dict[str, dict[str, Any]] = {}

    def flush() -> None:
        if batch:
            db.write(WRITE_BATCH, {"papers": batch}, what=f"load of {path}")
            batch.clear()
            in_batch.clear()

    try:
        for rec in records:
            summary.records_read += 1
            if isinstance(rec, Reject):
                sink.add(rec)
                continue
            row = paper_row(rec)
            digest = int(row["uid"][:16], 16)
            if digest in seen:
                # the same paper again (another id, same title/venue/year/authors): keep its source id
                summary.duplicates_in_input += 1
                first = in_batch.get(row["uid"])
                if first is not None:
                    first["source_ids"] += [x for x in row["source_ids"] if x not in first["source_ids"]]
                    continue
                summary.papers_sent -= 1  # re-sent only to record the source id; not a new paper
                summary.slots_sent -= len(row["slots"])
            seen.add(digest)
            in_batch[row["uid"]] = row
            batch.append(row)
            summary.papers_sent += 1
            summary.slots_sent += len(row["slots"])
            if len(batch) >= batch_size:
                flush()
            if progress:
                progress(summary.records_read, summary.papers_sent)
        flush()
    finally:
        sink.close()
        summary.rejected = sink.count
        summary.rejects_file = str(rejects) if sink.count and rejects else None
    db.write("MERGE (d:Dataset {key: $key}) SET d.source = $source, d.file = $file, d.path = $path, "
             "d.loaded_at = datetime(), d.records = $records, d.papers = $papers, d.rejected = $rejected",
             {"key": f"{source}:{Path(path).name}", "source": source, "file": Path(path).name,
              "path": str(Path(path).resolve()), "records": summary.records_read, "papers": summary.papers_sent,
              "rejected": summary.rejected}, what="dataset record")
    after = label_counts(db)
    summary.created = {k: after[k] - before[k] for k in LABELS}
    summary.totals = after
    summary.seconds = time.monotonic() - t0
    return summary
