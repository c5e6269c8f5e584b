"""Every query in cypher/ on a small graph built here, with answers worked out by hand."""

from __future__ import annotations

import math

import pytest

from graphdb import queries
from graphdb.errors import QueryError, WriteNotAllowed
from graphdb.resolution import refresh_paper_countries

pytestmark = pytest.mark.neo4j

# paper, venue, year, slots: (author, [(institution, country), ...])
PAPERS = [
    ("P1", "NeurIPS", 2024, [("a1", [("MIT", "US")]), ("bob", [("Tsinghua", "CN")]), ("a3", [("Oxford", "GB")])]),
    ("P2", "NeurIPS", 2024, [("a4", [("MIT", "US")]), ("a5", [("HKUST", "HK")])]),
    ("P3", "NeurIPS", 2024, [("a6", [("Tsinghua", "CN")]), ("a7", [("Tsinghua", "CN")])]),
    ("P4", "NeurIPS", 2024, [("alice", [("Google", "US"), ("MSRA", "CN")]), ("a8", [("TUM", "DE")])]),
    ("P5", "NeurIPS", 2024, [("bob", [("MIT", "US")])]),
    ("P7", "NeurIPS", 2024, [("a9", [("Stanford", "US")]), ("a10", [("Tsinghua", "CN")]), ("a11", [("Peking", "CN")])]),
    ("P6", "COLM", 2025, [("a12", [("Tsinghua", "CN")]), ("a13", [("MIT", "US")])]),
]

BUILD = """
UNWIND $rows AS r
MERGE (p:Paper {uid: r.paper}) SET p.title = 'Title ' + r.paper, p.venue = r.venue, p.year = r.year
MERGE (au:Author {uid: 'name:' + r.author}) SET au.name = r.author
CREATE (s:Authorship {uid: r.paper + '#' + toString(r.pos), position: r.pos, resolved: true})
CREATE (au)-[:WROTE]->(s)-[:OF]->(p)
MERGE (au)-[:AUTHORED]->(p)
WITH s, r
UNWIND r.affs AS a
MERGE (i:Institution {uid: 'name:' + a[0]}) SET i.name = a[0]
MERGE (c:Country {code: a[1]}) SET c.name = a[1]
CREATE (s)-[:AT {resolved_by: 'table', confidence: 1.0, country: a[1]}]->(i)
MERGE (s)-[:IN {resolved_by: 'table', confidence: 1.0}]->(c)
"""


@pytest.fixture
def graph(db):
    rows = [{"paper": pid, "venue": v, "year": y, "author": au, "pos": i, "affs": [list(a) for a in affs]}
            for pid, v, y, slots in PAPERS for i, (au, affs) in enumerate(slots)]
    db.write(BUILD, {"rows": rows})
    db.write("MATCH (p:Paper) SET p.n_authors = COUNT { (p)<-[:OF]-(:Authorship) }")
    refresh_paper_countries(db)  # what the resolve pass does after writing IN edges
    return db


def run(db, name, **params):
    return queries.run(db, queries.load_query(name), {k: str(v) for k, v in params.items()})


def wilson(k, n, z=1.96):
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(c - h, 4), round(c + h, 4)


def test_cross_border_share(graph):
    df = run(graph, "cross_border_share", a="US", b="greater-china")
    rows = {(r.venue, r.year): r for r in df.itertuples()}
    r = rows[("NeurIPS", 2024)]
    assert (r.papers, r.a_papers, r.b_papers, r.both) == (6, 5, 5, 4)
    assert r.share == round(4 / 6, 4)
    assert (r.ci_low, r.ci_high) == wilson(4, 6)
    assert r.b == "greater-china" and r.coverage == 1.0
    c = rows[("COLM", 2025)]
    assert (c.papers, c.both) == (1, 1)
    strict = run(graph, "cross_border_share", a="US", b="CN", venue="neurips", year=2024)
    assert len(strict) == 1 and strict.loc[0, "both"] == 3  # P2 is Hong Kong, not CN


def test_collaboration_by_counting_rule(graph):
    df = run(graph, "collaboration_by_counting_rule", a="US", b="CN", venue="NeurIPS")
    r = df.iloc[0]
    assert r["papers"] == 6
    assert r["any_slot"] == 3                      # P1, P4, P7
    assert r["fractional"] == round(2 / 3 + 1 / 2 + 1, 2)
    assert r["first_last"] == 1                    # P7: first US, last CN
    assert r["dual_affiliation"] == 1              # P4: alice is at Google (US) and MSRA (CN)
    assert r["only_a_b"] == 1                      # P7 only; P1 has GB, P4 has DE
    assert r["any_slot_greater_china"] == 4        # + P2 (HKUST)
    colm = run(graph, "collaboration_by_counting_rule", a="US", b="CN", venue="COLM").iloc[0]
    assert colm["first_last"] == 1 and colm["any_slot"] == 1


def test_country_pairs(graph):
    df = run(graph, "country_pairs", venue="NeurIPS", year=2024)
    got = {(r.country_a, r.country_b): (r.papers, r.fractional) for r in df.itertuples()}
    assert got == {("CN", "US"): (3, round(1 / 3 + 1 / 3 + 1, 2)), ("CN", "GB"): (1, 0.33),
                   ("GB", "US"): (1, 0.33), ("HK", "US"): (1, 1.0), ("CN", "DE"): (1, 0.33),
                   ("DE", "US"): (1, 0.33)}
    assert list(run(graph, "country_pairs", venue="NeurIPS", min_papers=2).country_a) == ["CN"]


def test_country_summary(graph):
    df = run(graph, "country_summary", venue="NeurIPS", year=2024).set_index("country")
    assert (df.loc["US", "papers"], df.loc["US", "scp"], df.loc["US", "mcp"]) == (5, 1, 4)
    assert df.loc["US", "mcp_ratio"] == 0.8
    assert df.loc["US", "fractional"] == round(1 / 3 + 1 / 2 + 1 / 4 + 1 + 1 / 3, 2)
    assert (df.loc["CN", "papers"], df.loc["CN", "scp"], df.loc["CN", "mcp"]) == (4, 1, 3)
    assert df.loc["CN", "fractional"] == round(1 / 3 + 1 + 1 / 4 + 2 / 3, 2)
    assert list(df.loc["US", "top_partners"]) == ["CN 3", "DE 1", "GB 1", "HK 1"]
    # fractional counts add up to the number of papers with a country
    assert round(df["fractional"].sum(), 1) == 6.0


def test_institution_pairs(graph):
    df = run(graph, "institution_pairs", a="US", b="greater-china")
    pairs = [(r.inst_a, r.inst_b, r.papers) for r in df.itertuples()]
    assert pairs[0] == ("MIT", "Tsinghua", 2)        # P1 + P6
    assert set(pairs[1:]) == {("Google", "MSRA", 1), ("MIT", "HKUST", 1), ("Stanford", "Peking", 1),
                              ("Stanford", "Tsinghua", 1)}
    assert set(df.country_b) == {"CN", "HK"}


def test_bridge_authors(graph):
    df = run(graph, "bridge_authors", a="US", b="greater-china")
    assert list(df.author) == ["alice", "bob"]
    alice, bob = df.iloc[0], df.iloc[1]
    assert (alice.bridge, alice.papers_with_both) == ("one paper", 1)
    assert (bob.bridge, bob.papers, bob.papers_in_a, bob.papers_in_b) == ("across papers", 2, 1, 1)
    assert sorted(bob.titles) == ["Title P1", "Title P5"]


def test_trend(graph):
    df = run(graph, "trend", a="US", b="greater-china")
    assert [(r.year, r.papers, r.both) for r in df.itertuples()] == [(2024, 6, 4), (2025, 1, 1)]
    assert (df.iloc[0].ci_low, df.iloc[0].ci_high) == wilson(4, 6)


def test_every_query_file_parses_and_has_a_test():
    names = {q.name for q in queries.list_queries()}
    tested = {n[len("test_"):] for n in globals() if n.startswith("test_")}
    model_queries = {"model_reuse", "model_adoption_by_country", "cross_border_model_paths", "model_diffusion_lag"}
    assert names - model_queries <= tested, names - tested


def test_unknown_and_missing_params_are_refused(graph):
    q = queries.load_query("cross_border_share")
    with pytest.raises(QueryError, match="has no parameter"):
        queries.bind(q, {"country": "US"})
    with pytest.raises(QueryError, match="unknown country or group 'Atlantis'"):
        queries.bind(q, {"a": "Atlantis"})
    with pytest.raises(QueryError, match="not a valid int"):
        queries.bind(q, {"year": "twenty"})


def test_injection_value_is_a_parameter_not_cypher(graph):
    before = graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    evil = "NeurIPS' OR 1=1 WITH 1 AS x MATCH (n) DETACH DELETE n //"
    df = run(graph, "cross_border_share", venue=evil)
    assert len(df) == 0
    assert graph.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before


def test_write_query_needs_write_flag(graph, tmp_path):
    f = tmp_path / "tag_papers.cypher"
    f.write_text("// Tag every paper.\n// @writes\nMATCH (p:Paper) SET p.tagged = true RETURN count(p) AS n\n")
    q = queries.load_query(str(f))
    with pytest.raises(WriteNotAllowed):
        queries.run(graph, q, {})
    assert graph.read("MATCH (p:Paper) WHERE p.tagged RETURN count(p) AS n")[0]["n"] == 0
    assert queries.run(graph, q, {}, write=True).loc[0, "n"] == 7
    sneaky = tmp_path / "sneaky.cypher"
    sneaky.write_text("// Claims to read, but writes.\nMATCH (p:Paper) SET p.sneaky = true RETURN count(p) AS n\n")
    with pytest.raises(WriteNotAllowed):
        queries.run(graph, queries.load_query(str(sneaky)), {})
    assert graph.read("MATCH (p:Paper) WHERE p.sneaky RETURN count(p) AS n")[0]["n"] == 0
