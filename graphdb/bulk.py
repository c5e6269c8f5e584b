"""The bulk path: fill an EMPTY managed database with ``neo4j-admin database import full``.

``bulk_load(server, path, ...)`` builds the graph the batch writer builds (same labels, keys,
properties and relationships: Paper, Venue, Author, Authorship, Dataset; PUBLISHED_IN, WROTE, OF,
AUTHORED), but writes it as neo4j-admin CSV files instead of MERGE transactions:

1. refuse unless the server is the managed local one (no NEO4J_URI elsewhere) and its database
   holds no node;
2. parse the file (the same parser), build rows with ``writer.paper_row`` and deduplicate in
   Python (papers by uid, authors by uid, venues by key, AUTHORED by (author, paper));
3. stop the server, run ``org.neo4j.cli.AdminTool database import full neo4j
   --overwrite-destination=true ...`` (classpath ``lib/*``, the server's environment);
4. start the server again, apply the schema (constraints and indexes), and run the resolve pass.

Memory: one set of author uids and one of paper uids (about 100 bytes per author and per paper);
everything else streams from the input file to the CSV files.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import DataError, GraphdbError, ServerFailed

Progress = Callable[[str], None]
ARRAY_DELIM = "\x1f"  # unit separator: never inside a source id or a country code


class NotEmpty(GraphdbError):
    hint = "use `graphdb load` to add to a database, or `graphdb reset --yes` first to start empty"


class NotManaged(GraphdbError):
    hint = "unset NEO4J_URI to use the managed local Neo4j, or load a remote server with `graphdb load`"


def _quiet(_: str) -> None:
    pass


@dataclass
class BulkSummary:
    source: str
    path: str
    records_read: int = 0
    papers: int = 0
    duplicates_in_input: int = 0
    rejected: int = 0
    author_slots: int = 0
    authors: int = 0
    venues: int = 0
    rejects_file: str | None = None
    totals: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    resolve: dict[str, Any] | None = None
    csv_dir: str | None = None
    extra_source_ids: dict[str, list[str]] = field(default_factory=dict, repr=False)
    multiline: bool = False  # some text holds a line break (neo4j-admin then parses more slowly)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra_source_ids", None)
        return d

    def lines(self) -> list[str]:
        s = self.seconds
        out = [
            f"{self.path}: {self.records_read} records read, {self.rejected} rejected, "
            f"{self.duplicates_in_input} duplicates of a paper earlier in the input",
            f"imported {self.papers} papers, {self.author_slots} author slots, {self.authors} authors, "
            f"{self.venues} venues with neo4j-admin ({s.get('total', 0):.1f}s: CSV {s.get('csv', 0):.1f}s, "
            f"import {s.get('import', 0):.1f}s, restart {s.get('restart', 0):.1f}s, schema {s.get('schema', 0):.1f}s"
            + (f", resolve {s['resolve']:.1f}s" if "resolve" in s else "") + ")",
            f"graph now holds {self.totals.get('Paper', 0)} papers, {self.totals.get('Authorship', 0)} author "
            f"slots, {self.totals.get('Author', 0)} authors",
        ]
        if self.resolve:
            out.append(f"resolved {self.resolve['slots']} author slots: "
                       + ", ".join(f"{k} {v}" for k, v in sorted(self.resolve["by_layer"].items())))
        if self.rejects_file:
            out.append(f"rejected records, with reasons: {self.rejects_file}")
        if self.csv_dir:
            out.append(f"CSV files kept in {self.csv_dir}")
        return out


# ---------------------------------------------------------------- CSV
def _s(v: str | None) -> str:
    """A string field: quoted (so "" stays an empty string); None -> empty unquoted field (no property)."""
    if v is None:
        return ""
    return '"' + v.replace('"', '""') + '"'


def _i(v: int | None) -> str:
    return "" if v is None else str(int(v))


def _b(v: bool) -> str:
    return "true" if v else "false"


def _a(v: list[str]) -> str:
    return _s(ARRAY_DELIM.join(v))


HEADERS = {
    "papers": "uid:ID(Paper),title,title_norm,year:long,venue,venue_key,track,status,abstract,source,"
              "source_ids:string[],src_countries:string[],n_authors:long",
    "venues": "key:ID(Venue),name,year:long",
    "authors": "uid:ID(Author),name,name_norm,orcid,openreview_id,openalex_id",
    "authorships": "uid:ID(Authorship),position:long,author_name,raw_affiliation,src,has_src:boolean,resolved:boolean",
    "datasets": "key:ID(Dataset),source,file,path,loaded_at:datetime,records:long,papers:long,rejected:long",
    "published_in": ":START_ID(Paper),:END_ID(Venue)",
    "wrote": ":START_ID(Author),:END_ID(Authorship)",
    "of": ":START_ID(Authorship),:END_ID(Paper)",
    "authored": ":START_ID(Author),:END_ID(Paper)",
}
NODE_FILES = {"papers": "Paper", "venues": "Venue", "authors": "Author", "authorships": "Authorship",
              "datasets": "Dataset"}
REL_FILES = {"published_in": "PUBLISHED_IN", "wrote": "WROTE", "of": "OF", "authored": "AUTHORED"}


def write_csvs(records: Iterable[Any], out_dir: Path, *, source: str, path: str,
               rejects: Path | None = None) -> BulkSummary:
    """Parsed records -> neo4j-admin CSV files in ``out_dir`` (deduplicated); returns the counts."""
    from .loaders.records import Reject
    from .loaders.writer import RejectSink, paper_row

    out_dir.mkdir(parents=True, exist_ok=True)
    summary = BulkSummary(source=source, path=path)
    files = {name: open(out_dir / f"{name}.csv", "w", encoding="utf-8", newline="") for name in HEADERS}
    sink = RejectSink(rejects)
    papers: set[int] = set()  # 64-bit digests (about 60 bytes an entry), as the writer does
    authors: set[int] = set()
    venues: set[str] = set()
    extra_ids: dict[str, list[str]] = {}  # source ids of in-input duplicates, added after the import
    try:
        for name, f in files.items():
            f.write(HEADERS[name] + "\n")
        fp, fa, fs = files["papers"], files["authors"], files["authorships"]
        fpub, fw, fo, fau = files["published_in"], files["wrote"], files["of"], files["authored"]
        for rec in records:
            summary.records_read += 1
            if isinstance(rec, Reject):
                sink.add(rec)
                continue
            row = paper_row(rec)
            uid = row["uid"]
            digest = int(uid[:16], 16)
            if digest in papers:
                summary.duplicates_in_input += 1
                if row["source_ids"]:
                    extra_ids.setdefault(uid, []).extend(row["source_ids"])
                continue
            papers.add(digest)
            vk = row["venue_key"]
            if vk not in venues:
                venues.add(vk)
                files["venues"].write(f"{_s(vk)},{_s(row['venue'])},{_i(row['year'])}\n")
            if not summary.multiline and any(
                    v and ("\n" in v or "\r" in v) for v in (row["title"], row["abstract"], row["track"],
                                                            row["status"], row["venue"])):
                summary.multiline = True
            fp.write(",".join((_s(uid), _s(row["title"]), _s(row["title_norm"]), _i(row["year"]), _s(row["venue"]),
                               _s(vk), _s(row["track"]), _s(row["status"]), _s(row["abstract"]), _s(row["source"]),
                               _a(row["source_ids"]), _a(row["src_countries"]), str(len(row["slots"])))) + "\n")
            fpub.write(f"{_s(uid)},{_s(vk)}\n")
            on_paper: set[str] = set()
            for s in row["slots"]:
                au = s["author_uid"]
                ad = _digest(au)
                if ad not in authors:
                    authors.add(ad)
                    fa.write(",".join((_s(au), _s(s["name"]), _s(s["name_norm"]), _s(s["orcid"]),
                                       _s(s["openreview_id"]), _s(s["openalex_id"]))) + "\n")
                if not summary.multiline and any(
                        v and ("\n" in v or "\r" in v) for v in (s["name"], s["raw_affiliation"])):
                    summary.multiline = True
                fs.write(",".join((_s(s["uid"]), str(s["position"]), _s(s["name"]), _s(s["raw_affiliation"]),
                                   _s(s["src"]), _b(s["has_src"]), "false")) + "\n")
                fw.write(f"{_s(au)},{_s(s['uid'])}\n")
                fo.write(f"{_s(s['uid'])},{_s(uid)}\n")
                if au not in on_paper:
                    on_paper.add(au)
                    fau.write(f"{_s(au)},{_s(uid)}\n")
            summary.author_slots += len(row["slots"])
        p = Path(path)
        files["datasets"].write(",".join((
            _s(f"{source}:{p.name}"), _s(source), _s(p.name), _s(str(p.resolve())),
            datetime.now(UTC).isoformat(timespec="milliseconds"), str(summary.records_read),
            str(len(papers)), str(sink.count))) + "\n")
    finally:
        for f in files.values():
            f.close()
        sink.close()
    summary.papers, summary.authors, summary.venues = len(papers), len(authors), len(venues)
    summary.rejected = sink.count
    summary.rejects_file = str(rejects) if sink.count and rejects else None
    summary.extra_source_ids = extra_ids
    return summary


def _wait_ports_free(timeout: float = 120) -> None:
    """Ports fixed by GRAPHDB_BOLT_PORT/GRAPHDB_HTTP_PORT stay in TIME_WAIT for a while after a stop."""
    from .server import _port_free

    ports = [int(v) for v in (os.environ.get("GRAPHDB_BOLT_PORT"), os.environ.get("GRAPHDB_HTTP_PORT")) if v]
    deadline = time.monotonic() + timeout
    while ports and time.monotonic() < deadline and not all(_port_free(p) for p in ports):
        time.sleep(1)


def _drop_store(server, database: str = "neo4j") -> None:
    for d in (server.home / "data" / "databases" / database, server.home / "data" / "transactions" / database):
        shutil.rmtree(d, ignore_errors=True)


def _digest(s: str) -> int:
    return int.from_bytes(hashlib.blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "big")


ADD_SOURCE_IDS = """
UNWIND $rows AS r
MATCH (p:Paper {uid: r.uid})
SET p.source_ids = p.source_ids + [x IN r.ids WHERE NOT x IN p.source_ids]
"""


def admin_import_command(server, csv_dir: Path, *, database: str = "neo4j", heap: str | None = None,
                         off_heap: str | None = None, threads: int | None = None,
                         multiline: bool = True) -> list[str]:
    """The java command line of ``neo4j-admin database import full`` for the CSVs in ``csv_dir``."""
    java, _ = server.java()
    heap = heap or os.environ.get("GRAPHDB_IMPORT_HEAP") or "1g"
    off_heap = off_heap or os.environ.get("GRAPHDB_IMPORT_OFFHEAP") or "1g"
    cmd = [java, f"-Xmx{heap}", "-XX:+UseG1GC", "-cp", str(server.lib / "*"), "org.neo4j.cli.AdminTool",
           "database", "import", "full", database, "--overwrite-destination=true",
           f"--array-delimiter=U+{ord(ARRAY_DELIM):04X}", f"--max-off-heap-memory={off_heap}",
           f"--report-file={csv_dir / 'import.report'}", "--verbose"]
    if multiline:
        # v1 (whole input): the v2 per-file chunker fails on files over one read buffer in 5.26
        # ("Weird input data, found CR outside a text cell"), though the files hold no CR.
        cmd.append("--multiline-fields=true")
    if threads:
        cmd.append(f"--threads={threads}")
    for name, label in NODE_FILES.items():
        cmd.append(f"--nodes={label}={csv_dir / (name + '.csv')}")
    for name, rtype in REL_FILES.items():
        cmd.append(f"--relationships={rtype}={csv_dir / (name + '.csv')}")
    return cmd


def run_admin_import(server, csv_dir: Path, **kw: Any) -> float:
    """Run neo4j-admin import (the server must be stopped); returns seconds. ServerFailed on failure."""
    cmd = admin_import_command(server, csv_dir, **kw)
    t0 = time.monotonic()
    log = csv_dir / "import.log"
    with open(log, "wb") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=server._env(), cwd=server.home)
    if proc.returncode != 0:
        text = log.read_text(errors="replace")
        causes = [x.strip() for x in text.splitlines() if x.startswith("Caused by:")]
        why = causes[-1] if causes else " | ".join(text.strip().splitlines()[-2:])
        raise ServerFailed(f"neo4j-admin import failed (exit {proc.returncode}): {why[:400]} (log: {log})",
                           hint="the database was left empty; fix the cause and run the bulk load again")
    return time.monotonic() - t0


# ---------------------------------------------------------------- the whole path
def _managed_db(server):
    from .config import Settings, load_settings
    from .db import Database

    settings = load_settings()
    st = server.status()
    if settings.uri and settings.uri != st.uri:
        raise NotManaged(f"bulk load works only on the managed local Neo4j, but NEO4J_URI is {settings.uri}")
    return Database(Settings(uri=st.uri, user="neo4j", password=server.password(), database=settings.database))


def bulk_load(server, path: str | Path, *, source: str = "paperlists", venue: str | None = None,
              year: int | None = None, rejects: Path | None = None, resolve: bool = True,
              keep_csv: bool = False, csv_dir: Path | None = None, progress: Progress = _quiet) -> BulkSummary:
    """Import ``path`` into the EMPTY database of the managed ``server`` via neo4j-admin (see module doc)."""
    from .loaders import default_rejects_path, parser
    from .loaders.errors import FormatError
    from .loaders.writer import label_counts
    from .schema import apply

    t0 = time.monotonic()
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{path}: no such file")
    mod = parser(source)
    from .config import load_settings

    uri = load_settings().uri
    if uri and uri != server.status().uri:
        raise NotManaged(f"bulk load works only on the managed local Neo4j, but NEO4J_URI is {uri}")
    server.start(progress)
    db = _managed_db(server)
    try:
        n = db.read("MATCH (n) RETURN count(n) AS c", what="emptiness check")[0]["c"]
        if n:
            raise NotEmpty(f"the database {db.database} at {db.uri} is not empty ({n} nodes); "
                           f"the bulk load fills an empty database only")
        if db.database != "neo4j":
            raise NotManaged(f"bulk load imports into the database neo4j, not {db.database!r}")
    finally:
        db.close()

    work = csv_dir or (server.home / "import" / f"bulk-{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        progress(f"Writing neo4j-admin CSV files to {work} ...")
        t = time.monotonic()
        try:
            records = mod.parse(str(p), venue=venue, year=year)
            summary = write_csvs(records, work, source=source, path=str(p),
                                 rejects=rejects if rejects is not None else default_rejects_path(p, source))
        except FormatError as e:
            raise DataError(str(e), hint=f"is it a {source} file? see `graphdb load --help`") from None
        summary.seconds["csv"] = time.monotonic() - t

        progress("Stopping Neo4j for the import ...")
        server.stop(progress)
        try:
            progress(f"neo4j-admin database import full: {summary.papers} papers, {summary.author_slots} author slots")
            summary.seconds["import"] = run_admin_import(server, work, multiline=summary.multiline)
        except BaseException:
            _drop_store(server)  # a failed import leaves unusable store files: start from an empty database
            raise
        finally:
            t = time.monotonic()
            _wait_ports_free()
            server.start(progress)
            summary.seconds["restart"] = time.monotonic() - t
    finally:
        if not keep_csv:
            shutil.rmtree(work, ignore_errors=True)

    db = _managed_db(server)
    try:
        t = time.monotonic()
        apply(db)
        summary.seconds["schema"] = time.monotonic() - t
        if summary.extra_source_ids:  # the source ids of in-input duplicates, as the writer keeps them
            rows = [{"uid": k, "ids": v} for k, v in summary.extra_source_ids.items()]
            db.write(ADD_SOURCE_IDS, {"rows": rows}, what="source ids of duplicates")
        if resolve:
            from .resolution import resolve_graph

            t = time.monotonic()
            summary.resolve = resolve_graph(db).to_dict()
            summary.seconds["resolve"] = time.monotonic() - t
        summary.totals = label_counts(db)
    finally:
        db.close()
    summary.csv_dir = str(work) if keep_csv else None
    summary.seconds["total"] = time.monotonic() - t0
    return summary

