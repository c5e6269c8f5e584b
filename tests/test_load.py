"""Loaders on a real Neo4j, checked against independent counts in plain Python over the same files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from graphdb.loaders import load_file

from graphdb.countries import country_code
from graphdb.errors import DataError
from graphdb.resolution import resolve_graph

from conftest import count, shared_file

pytestmark = pytest.mark.neo4j
GC = {"CN", "HK", "MO", "TW"}


def source_sets(path: Path) -> list[frozenset[str]]:
    """Paper-level country sets straight from the file (the README's 'always safe' rule)."""
    out = []
    for p in json.loads(path.read_text()):
        names = (p.get("aff_country_unique") or "").split(";")
        out.append(frozenset({country_code(n) for n in names} - {None}))
    return out


def graph_sets(db, venue: str, year: int) -> dict[str, frozenset[str]]:
    rows = db.read("MATCH (p:Paper {venue: $v, year: $y}) "
                   "RETURN p.uid AS uid, p.src_countries AS src, "
                   "[(p)<-[:OF]-(:Authorship)-[:IN]->(c:Country) | c.code] AS cs", {"v": venue, "y": year})
    return {r["uid"]: (frozenset(r["src"] or []), frozenset(r["cs"])) for r in rows}


def test_nips2018_counts_idempotent_and_country_sets(db, tmp_path):
    path = shared_file("paperlists/nips2018.json")
    raw = json.loads(path.read_text())
    slots = sum(len([a for a in p["author"].split(";") if a.strip()]) for p in raw)
    inst_names = {n for p in raw for n in (p.get("aff_unique_norm") or "").split(";") if n}

    s1 = load_file(db, "paperlists", path, rejects=tmp_path / "r.jsonl")
    resolve_graph(db)
    assert (s1.records_read, s1.rejected) == (1009, 0)
    assert count(db, "MATCH (p:Paper) RETURN count(p)") == 1009
    assert count(db, "MATCH (s:Authorship) WHERE s.unattributed IS NULL RETURN count(s)") == slots == 3827
    assert count(db, "MATCH (p:Paper)<-[:OF]-(s:Authorship) WHERE s.unattributed IS NULL "
                     "RETURN sum(CASE WHEN p.n_authors = 0 THEN 0 ELSE 1 END)") == slots
    # every source institution name is kept on its author slots
    kept = db.read("MATCH (s:Authorship) WHERE s.src IS NOT NULL RETURN s.src AS src")
    assert {i["name"] for r in kept for i in json.loads(r["src"]).get("institutions", [])} == inst_names
    # resolved institutions: variants merged, never more than the source's distinct names
    assert 0 < count(db, "MATCH (i:Institution) RETURN count(i)") <= len(inst_names)

    # papers per country set: equal to the source wherever the source gives countries
    # (Hong Kong, Macau and Taiwan are split out of the source's "China" by the resolver)
    src = source_sets(path)
    g = graph_sets(db, "NeurIPS", 2018)
    folded = Counter(frozenset("CN" if c in GC else c for c in cs) for s, cs in g.values() if s)
    assert folded == Counter(s for s in src if s)
    added = sum(1 for s, cs in g.values() if not s and cs)
    assert added <= 10, f"{added} papers got countries where the source gives none"
    # the paper-level cache the queries read equals the counting edges
    stale = db.read("MATCH (p:Paper) WITH p, COLLECT { MATCH (p)<-[:OF]-(:Authorship)-[:IN]->(c:Country) "
                    "RETURN DISTINCT c.code ORDER BY c.code } AS cs WHERE p.countries <> cs RETURN count(p) AS n")
    assert stale[0]["n"] == 0

    before = {lab: count(db, f"MATCH (n:{lab}) RETURN count(n)") for lab in ("Paper", "Author", "Authorship", "Venue")}
    s2 = load_file(db, "paperlists", path, rejects=tmp_path / "r.jsonl")
    assert s2.created == {"Paper": 0, "Author": 0, "Authorship": 0, "Venue": 0}
    assert s2.papers_sent - s2.created["Paper"] == 1009
    r2 = resolve_graph(db)
    assert r2.slots == 0
    assert before == {lab: count(db, f"MATCH (n:{lab}) RETURN count(n)") for lab in before}


def test_nips2024_virtual_keeps_every_affiliation(db, tmp_path):
    path = shared_file("neurips2024/nips2024_virtual.jsonl")
    lines = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    s = load_file(db, "neurips-virtual", path, rejects=tmp_path / "r.jsonl")
    assert s.rejected == 0 and s.records_read == 4553
    assert count(db, "MATCH (p:Paper) RETURN count(p)") == 4553
    # placeholders the parser documents as "no affiliation": "", "None", "null", "n/a"
    want = Counter(a["affiliation"] for p in lines for a in p["authors"]
                   if a.get("affiliation") and a["affiliation"].strip().lower() not in ("none", "null", "n/a"))
    got = db.read("MATCH (s:Authorship) WHERE s.raw_affiliation IS NOT NULL "
                  "RETURN s.raw_affiliation AS a, count(*) AS n")
    assert Counter({r["a"]: r["n"] for r in got}) == want
    # two different papers whose titles differ only in case stay apart
    titles = Counter(p["title"].casefold() for p in lines)
    case_twins = [t for t, n in titles.items() if n > 1]
    assert case_twins, "the file has papers whose titles differ only in case"
    for t in case_twins:
        n = count(db, "MATCH (p:Paper) WHERE toLower(p.title) = $t RETURN count(p)", t=t)
        assert n == titles[t]


def test_nips2017_duplicates_merge(db, tmp_path):
    path = shared_file("paperlists/nips2017.json")
    s = load_file(db, "paperlists", path, rejects=tmp_path / "r.jsonl")
    assert (s.records_read, s.duplicates_in_input) == (691, 3)
    assert count(db, "MATCH (p:Paper) RETURN count(p)") == 688
    assert count(db, "MATCH (p:Paper) WHERE size(p.source_ids) = 2 RETURN count(p)") == 3


def test_corrupted_records_are_rejected_with_reasons(db, tmp_path):
    path = Path(__file__).parent / "data" / "corrupted_paperlists.json"
    rejects = tmp_path / "rejects.jsonl"
    s = load_file(db, "paperlists", path, venue="TestConf", year=2020, rejects=rejects)
    assert (s.records_read, s.rejected, s.papers_sent) == (7, 5, 2)
    assert sorted(r["title"] for r in db.read("MATCH (p:Paper) RETURN p.title AS title")) == [
        "A Good Paper", "Another Good Paper"]
    assert count(db, "MATCH (s:Authorship) RETURN count(s)") == 3
    rej = [json.loads(x) for x in rejects.read_text().splitlines()]
    assert [r["position"] for r in rej] == ["record 2", "record 3", "record 4", "record 5", "record 7"]
    reasons = " | ".join(r["reason"] for r in rej)
    assert "title" in rej[0]["reason"] and "title" in rej[1]["reason"]
    assert "author" in rej[2]["reason"]
    assert all(r["file"].endswith("corrupted_paperlists.json") and r["raw"] is not None for r in rej), reasons


def test_wrong_format_fails_at_once_naming_the_file(db, tmp_path):
    bad = tmp_path / "nips2030.json"
    bad.write_text('{"this": "is an object, not a paperlists array"}')
    with pytest.raises(DataError) as e:
        load_file(db, "paperlists", bad, rejects=tmp_path / "r.jsonl")
    assert "nips2030.json" in str(e.value) and "expected" in str(e.value)
    assert count(db, "MATCH (p:Paper) RETURN count(p)") == 0


@pytest.mark.parametrize("name,venue,year", [("nips2017", "NeurIPS", 2017), ("nips2018", "NeurIPS", 2018),
                                             ("naacl2024", "NAACL", 2024), ("colm2025", "COLM", 2025)])
def test_cli_cross_border_share_equals_independent_count(db, tmp_path, name, venue, year):
    """`graphdb query run cross_border_share -p a US -p b greater-china --format csv` = plain Python."""
    path = shared_file(f"paperlists/{name}.json")
    env_run = [sys.executable, "-m", "graphdb"]
    r = subprocess.run([*env_run, "load", "paperlists", str(path), "--rejects", str(tmp_path / "r.jsonl")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "share.csv"
    r = subprocess.run([*env_run, "query", "run", "cross_border_share", "-p", "a", "US", "-p", "b", "greater-china",
                        "--format", "csv", "--out", str(out)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert out.read_text().startswith("# data: paperlists:")
    df = pd.read_csv(out, comment="#")
    row = df[(df.venue == venue) & (df.year == year)].iloc[0]
    # independent count: distinct papers (the loader merges exact duplicates) by their source sets
    raw = json.loads(path.read_text())
    from graphdb.loaders.identity import normalize_name, normalize_title

    seen, both, papers = set(), 0, 0
    for p, cs in zip(raw, source_sets(path), strict=True):
        key = (normalize_title(p.get("title")), tuple(normalize_name(a) for a in
               (p["author"].split(";") if ";" in p["author"] else p["author"].split(", ")) if a.strip()))
        if not p.get("title") or key in seen:
            continue
        seen.add(key)
        papers += 1
        both += "US" in cs and bool(cs & GC)
    assert int(row.papers) == papers
    assert int(row.both) == both


def test_writer_copies_every_institution_field():
    from dataclasses import fields

    from graphdb.loaders.records import InstitutionRef
    from graphdb.loaders.writer import _INST_FIELDS

    assert _INST_FIELDS == tuple(f.name for f in fields(InstitutionRef))


def test_digest_set_is_an_exact_set():
    import random

    from graphdb.loaders.writer import DigestSet

    d, ref, rng = DigestSet(flush_at=1000), set(), random.Random(1)
    for _ in range(20000):
        x = rng.getrandbits(64) if rng.random() < 0.9 or not ref else rng.choice(sorted(ref)[:50])
        assert (x in d) == (x in ref)
        if x not in ref:
            d.add(x)
            ref.add(x)
    assert all(x in d for x in ref) and (2**64 - 1 in d) == (2**64 - 1 in ref)
