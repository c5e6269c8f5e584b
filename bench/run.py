"""Load benchmark: the batch writer, the bulk path, raw neo4j-admin import and a naive baseline.

    GRAPHDB_HOME=/tmp/gh-bench GRAPHDB_BOLT_PORT=7690 GRAPHDB_HTTP_PORT=7477 python bench/run.py --papers 100000

Runs against the MANAGED server of GRAPHDB_HOME (it is stopped, emptied and restarted: never
point it at a home whose data you need). See bench/README.md for what each number means. The
last line printed is one JSON object; the run is appended to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from graphdb import NEO4J_VERSION
from graphdb.bulk import _drop_store, _wait_ports_free, run_admin_import
from graphdb.config import Settings
from graphdb.db import Database
from graphdb.server import ManagedServer
from graphdb.synth import write_paperlists

HERE = Path(__file__).resolve().parent

NAIVE_SLOT = """
MERGE (v:Venue {key: $venue_key}) ON CREATE SET v.name = $venue, v.year = $year
MERGE (pa:Paper {uid: $uid})
  ON CREATE SET pa.title = $title, pa.title_norm = $title_norm, pa.year = $year, pa.venue = $venue,
                pa.venue_key = $venue_key, pa.track = $track, pa.status = $status, pa.abstract = $abstract,
                pa.source = $source, pa.source_ids = $source_ids, pa.src_countries = $src_countries,
                pa.n_authors = $n_authors
MERGE (pa)-[:PUBLISHED_IN]->(v)
MERGE (au:Author {uid: $s.author_uid}) ON CREATE SET au.name = $s.name, au.name_norm = $s.name_norm
MERGE (sl:Authorship {uid: $s.uid})
  ON CREATE SET sl.position = $s.position, sl.author_name = $s.name, sl.raw_affiliation = $s.raw_affiliation,
                sl.src = $s.src, sl.has_src = $s.has_src, sl.resolved = false
MERGE (au)-[:WROTE]->(sl)
MERGE (sl)-[:OF]->(pa)
MERGE (au)-[:AUTHORED]->(pa)
"""


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def db_for(srv: ManagedServer) -> Database:
    return Database(Settings(uri=srv.status().uri, password=srv.password()))


def empty_database(srv: ManagedServer) -> None:
    """Stop, drop the neo4j store, start: an empty database in seconds whatever its size."""
    srv.stop()
    _drop_store(srv)
    _wait_ports_free()
    srv.start()


def run_measured(args: list[str]) -> tuple[float, float, str]:
    """Run ``python -m graphdb ARGS``; wall seconds, peak RSS in MB (os.wait4 rusage of that child), stdout."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "graphdb", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    # read both pipes without deadlock, then reap with wait4 to get this child's own rusage
    import threading

    bufs: dict[str, bytes] = {}

    def drain(name, f):
        bufs[name] = f.read()

    ts = [threading.Thread(target=drain, args=(n, f)) for n, f in (("out", proc.stdout), ("err", proc.stderr))]
    for t in ts:
        t.start()
    _, status, ru = os.wait4(proc.pid, 0)
    for t in ts:
        t.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise SystemExit(f"graphdb {' '.join(args[:3])} failed ({proc.returncode}):\n"
                         f"{bufs.get('err', b'').decode(errors='replace')[-2000:]}")
    return wall, ru.ru_maxrss / 1024, bufs.get("out", b"").decode()


def time_query(db: Database, name: str, params: dict, repeat: int = 3) -> float:
    from graphdb import queries

    q = queries.load_query(name)
    queries.run(db, q, params)  # warm-up (plan cache, page cache)
    times = []
    for _ in range(repeat):
        t = time.monotonic()
        queries.run(db, q, params)
        times.append(time.monotonic() - t)
    return statistics.median(times) * 1000


def naive(srv: ManagedServer, path: Path, papers: int) -> tuple[int, float]:
    """One MERGE transaction per author slot for the first ``papers`` papers; slots and seconds."""
    from graphdb.loaders import paperlists
    from graphdb.loaders.records import Reject
    from graphdb.loaders.writer import paper_row

    db = db_for(srv)
    slots = 0
    seen: set[str] = set()
    t0 = time.monotonic()
    try:
        for k, rec in enumerate(paperlists.parse(path)):
            if k >= papers:
                break
            if isinstance(rec, Reject):
                continue
            row = paper_row(rec)
            if row["uid"] in seen:
                continue
            seen.add(row["uid"])
            base = {k2: row[k2] for k2 in ("uid", "title", "title_norm", "year", "venue", "venue_key", "track",
                                           "status", "abstract", "source", "source_ids", "src_countries")}
            base["n_authors"] = len(row["slots"])
            for s in row["slots"]:
                db.write(NAIVE_SLOT, {**base, "s": s}, what="naive slot")
                slots += 1
    finally:
        db.close()
    return slots, time.monotonic() - t0


def prep_profile(path: Path) -> dict[str, float]:
    """Python-side cost of the batch writer's input: parse, and parse + paper_row (no database)."""
    from graphdb.loaders import paperlists
    from graphdb.loaders.writer import paper_row

    t = time.monotonic()
    n = sum(1 for _ in paperlists.parse(path))
    parse_s = time.monotonic() - t
    t = time.monotonic()
    rows = 0
    for rec in paperlists.parse(path):
        if not hasattr(rec, "reason"):
            json.dumps(paper_row(rec))  # the driver's packing is cheaper than json; a rough upper bound
            rows += 1
    return {"records": n, "parse_s": parse_s, "parse_rows_s": time.monotonic() - t}


def machine() -> dict[str, str]:
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    cpu = platform.processor() or "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": str(os.cpu_count()), "ram": mem, "cpu": cpu, "neo4j": NEO4J_VERSION,
            "python": platform.python_version(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "heap": os.environ.get("GRAPHDB_NEO4J_HEAP", "1g"),
            "pagecache": os.environ.get("GRAPHDB_NEO4J_PAGECACHE", "512m")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--papers", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--naive-papers", type=int, default=300, help="papers for the naive baseline (subsample)")
    ap.add_argument("--workdir", default="/tmp/graphdb-bench")
    ap.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    ap.add_argument("--skip-resolve", action="store_true", help="time queries without the resolve pass "
                    "(they then find no countries)")
    a = ap.parse_args()

    srv = ManagedServer()
    if not os.environ.get("GRAPHDB_HOME"):
        raise SystemExit("set GRAPHDB_HOME to a bench home (its database is emptied)")
    work = Path(a.workdir)
    work.mkdir(parents=True, exist_ok=True)
    src = work / f"nips2024_synth_{a.papers}_s{a.seed}.json"
    if not src.exists():
        say(f"synth: {a.papers} papers -> {src}")
        write_paperlists(src, a.papers, seed=a.seed)
    r: dict = {"papers": a.papers}
    srv.start()

    # (d) naive baseline on a subsample, into an empty database
    say("naive: one MERGE transaction per author slot ...")
    empty_database(srv)
    from graphdb.schema import apply

    db = db_for(srv)
    apply(db)
    db.close()
    n_slots, n_s = naive(srv, src, min(a.naive_papers, a.papers))
    r["naive_slots_per_s"] = round(n_slots / n_s, 1)

    # (a) the batch writer, in a child process (peak RSS)
    say("load: graphdb load (batch writer) ...")
    empty_database(srv)
    load_wall, rss, out = run_measured(["load", "paperlists", str(src), "--no-resolve", "--json",
                                        "--batch-size", str(a.batch_size), "--rejects", str(work / "rejects.jsonl")])
    summary = json.loads(out)["load"]
    slots = summary["slots_sent"]
    r["author_slots"] = slots
    r["load_s"] = round(load_wall, 1)
    r["load_slots_per_s"] = round(slots / load_wall, 1)
    r["loader_peak_rss_mb"] = round(rss, 1)

    # resolve, then the two queries warm
    db = db_for(srv)
    try:
        if not a.skip_resolve:
            say("resolve pass ...")
            from graphdb.resolution import resolve_graph

            t = time.monotonic()
            resolve_graph(db)
            r["resolve_s"] = round(time.monotonic() - t, 1)
        say("queries (warm) ...")
        r["cross_border_ms"] = round(time_query(db, "cross_border_share", {}), 1)
        r["country_pairs_ms"] = round(time_query(db, "country_pairs", {}), 1)
    finally:
        db.close()

    # (b) the bulk path (no resolve, to compare with the load), in a child process
    say("bulk: graphdb.bulk.bulk_load ...")
    empty_database(srv)
    csv_dir = work / f"csv_{a.papers}"
    code = ("import json, sys; from pathlib import Path; from graphdb.bulk import bulk_load; "
            "from graphdb.server import ManagedServer; "
            f"s = bulk_load(ManagedServer(), {str(src)!r}, resolve=False, keep_csv=True, csv_dir=Path({str(csv_dir)!r}), "
            f"rejects=Path({str(work / 'rejects-bulk.jsonl')!r})); print(json.dumps(s.to_dict()))")
    t = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    bulk_wall = time.monotonic() - t
    if proc.returncode != 0:
        raise SystemExit(f"bulk failed:\n{proc.stderr[-2000:]}")
    bs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert bs["author_slots"] == slots, (bs["author_slots"], slots)
    r["bulk_s"] = round(bulk_wall, 1)
    r["bulk_slots_per_s"] = round(slots / bulk_wall, 1)
    r["bulk_phases_s"] = {k: round(v, 1) for k, v in bs["seconds"].items()}
    db = db_for(srv)
    try:
        bulk_papers = db.read("MATCH (p:Paper) RETURN count(p) AS c")[0]["c"]
    finally:
        db.close()
    assert bulk_papers == summary["papers_sent"], (bulk_papers, summary["papers_sent"])

    # (c) raw neo4j-admin import of the CSVs prepared by (b): stop, import, start (a usable database)
    say("admin: neo4j-admin database import full on prepared CSVs ...")
    t = time.monotonic()
    srv.stop()
    import_s = run_admin_import(srv, csv_dir, multiline=False)
    _wait_ports_free()
    srv.start()
    admin_wall = time.monotonic() - t
    r["admin_import_s"] = round(admin_wall, 1)
    r["admin_import_only_s"] = round(import_s, 1)
    r["admin_import_slots_per_s"] = round(slots / admin_wall, 1)
    r["admin_import_only_slots_per_s"] = round(slots / import_s, 1)

    r["ratio_load_vs_admin"] = round(r["load_slots_per_s"] / r["admin_import_slots_per_s"], 3)
    r["ratio_bulk_vs_admin"] = round(r["bulk_slots_per_s"] / r["admin_import_slots_per_s"], 3)
    r["ratio_load_vs_naive"] = round(r["load_slots_per_s"] / r["naive_slots_per_s"], 1)
    say("profile: Python-side cost of the load (parse, rows) ...")
    prof = prep_profile(src)
    r["py_parse_s"] = round(prof["parse_s"], 1)
    r["py_parse_rows_s"] = round(prof["parse_rows_s"], 1)

    m = machine()
    rows = [
        ("papers / author slots", f"{a.papers:,} / {slots:,}"),
        ("(a) graphdb load (batch writer)", f"{r['load_s']} s  {r['load_slots_per_s']:,} slots/s  "
                                           f"peak RSS {r['loader_peak_rss_mb']} MB"),
        ("    of which Python parse + rows", f"{r['py_parse_rows_s']} s (parse alone {r['py_parse_s']} s)"),
        ("(b) bulk path (CSV, stop, import, start, schema)", f"{r['bulk_s']} s  {r['bulk_slots_per_s']:,} slots/s  "
                                                           f"{r['bulk_phases_s']}"),
        ("(c) neo4j-admin on prepared CSVs (stop, import, start)", f"{r['admin_import_s']} s  "
         f"{r['admin_import_slots_per_s']:,} slots/s (import alone {r['admin_import_only_s']} s)"),
        ("(d) naive: 1 MERGE tx per slot (subsample)", f"{n_slots} slots in {n_s:.1f} s  {r['naive_slots_per_s']:,} slots/s"),
        ("resolve pass", f"{r.get('resolve_s', '-')} s"),
        ("cross_border_share warm / country_pairs warm", f"{r['cross_border_ms']} ms / {r['country_pairs_ms']} ms"),
        ("ratios load/admin, bulk/admin, load/naive", f"{r['ratio_load_vs_admin']}, {r['ratio_bulk_vs_admin']}, "
                                                      f"{r['ratio_load_vs_naive']}"),
    ]
    w = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k.ljust(w)}  {v}")
    line = json.dumps({k: r[k] for k in (
        "papers", "author_slots", "load_slots_per_s", "bulk_slots_per_s", "admin_import_slots_per_s",
        "naive_slots_per_s", "ratio_load_vs_admin", "ratio_bulk_vs_admin", "ratio_load_vs_naive",
        "cross_border_ms", "country_pairs_ms", "loader_peak_rss_mb")})
    if not a.no_record:
        with open(HERE / "RESULTS.md", "a", encoding="utf-8") as f:
            f.write(f"\n## {a.papers:,} papers — {m['date']}\n\n"
                    f"Machine: {m['nproc']} cores ({m['cpu']}), {m['ram']} RAM; Neo4j {m['neo4j']} "
                    f"(heap {m['heap']}, page cache {m['pagecache']}); Python {m['python']}; "
                    f"batch size {a.batch_size}.\n\n```\n"
                    + "\n".join(f"{k.ljust(w)}  {v}" for k, v in rows) + f"\n```\n\n```json\n{line}\n```\n\n"
                    f"Details: `{json.dumps(r)}`\n")
    print(line)


if __name__ == "__main__":
    main()
