"""Models in the graph: model_reuse and friends on colm2025, against plain Python over the same file."""

from __future__ import annotations

import json

import pytest
from graphdb.loaders import load_file

from graphdb import queries
from graphdb.countries import country_code
from graphdb.model_graph import extract
from graphdb.models import extract_mentions, load_catalog
from graphdb.resolution import resolve_graph

from conftest import count, shared_file

pytestmark = pytest.mark.neo4j
GC = {"CN", "HK", "MO", "TW"}


@pytest.fixture
def colm(db, tmp_path):
    path = shared_file("paperlists/colm2025.json")
    load_file(db, "paperlists", path, rejects=tmp_path / "r.jsonl")
    resolve_graph(db)
    s = extract(db)
    assert s.models == len(load_catalog()) and s.papers == 418
    return db, json.loads(path.read_text())


def independent(raw, model: str, countries: set[str]) -> tuple[int, int]:
    """(papers mentioning the model, those with an author in `countries`) from the file alone."""
    papers = with_c = 0
    for p in raw:
        if not any(m.model == model for m in extract_mentions(p.get("title"), p.get("abstract"))):
            continue
        papers += 1
        cs = {country_code(n) for n in (p.get("aff_country_unique") or "").split(";")} - {None}
        cs = {"CN" if c in GC else c for c in cs}  # the source's "China" includes HK/MO/TW
        with_c += bool(cs & countries)
    return papers, with_c


def reuse(db, model, country):
    df = queries.run(db, queries.load_query("model_reuse"), {"model": model, "country": country})
    return df[df.model == model].iloc[0]


@pytest.mark.parametrize("model,home,country,want", [
    ("Llama", "US", "greater-china", {"CN"}),
    ("Qwen", "CN", "US", {"US"}),
    ("DeepSeek-R1", "CN", "US", {"US"}),
    ("DeepSeek", "CN", "US", {"US"}),
])
def test_model_reuse_matches_plain_python(colm, model, home, country, want):
    db, raw = colm
    row = reuse(db, model, country)
    papers, with_c = independent(raw, model, want)
    assert row.model_country == home
    assert (row.papers, row.with_country) == (papers, with_c)
    assert with_c > 0, f"{model} ({home}) is used in papers with {country} authors"
    assert row.home_only + row.mixed + row.foreign_only + row.no_country == row.papers


def test_catalog_in_graph(colm):
    db, _ = colm
    assert count(db, "MATCH (m:Model) RETURN count(m)") == len(load_catalog())
    assert count(db, "MATCH (m:Model {name: 'ResNet'})-[:FROM_COUNTRY]->(c:Country) RETURN c.code") == "CN"
    # the developer is the institution the resolver makes of "Alibaba", placed mostly in CN by the papers
    assert count(db, "MATCH (m:Model {name: 'Qwen'})-[:DEVELOPED_BY]->(i:Institution)-[l:LOCATED_IN]->(c) "
                     "WITH c, l ORDER BY l.slots DESC RETURN collect(c.code)[0]") == "CN"
    # extraction is idempotent: a second run scans nothing
    assert extract(db).papers == 0


def test_adoption_lag_and_paths(colm):
    db, _ = colm
    q = queries.load_query
    ad = queries.run(db, q("model_adoption_by_country"), {"model": "Llama"})
    assert set(ad.country) >= {"US", "CN"} and ad[ad.country == "US"].home.iloc[0]
    lag = queries.run(db, q("model_diffusion_lag"), {"model": "Qwen"})
    assert (lag.lag_years == lag.first_year - lag.release_year).all()
    paths = queries.run(db, q("cross_border_model_paths"), {"model": "Qwen", "top": "500"})
    assert len(paths) > 0 and all("CN" not in cs for cs in paths.paper_countries)
    r = reuse(db, "Qwen", "US")
    assert len(paths) == r.foreign_only
