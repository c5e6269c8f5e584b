"""Affiliation resolver: pure unit tests (no database) plus two accuracy checks on the real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphdb.loaders.records import InstitutionRef

from graphdb.resolve import LAYERS, Attribution, Resolver, normalize_affiliation, split_affiliations
from graphdb.resolve.evaluate import (
    evaluate_paperlists,
    load_json,
    nips_virtual_coverage,
    split_greater_china,
)
from graphdb.resolve.table import default_table

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver(use_source=False)


def countries(r: Resolver, raw: str, **kw: object) -> list[str | None]:
    return [a.country for a in r.resolve_slot(raw, **kw)]  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "expected"), [
    ("Dept. of CS, Tsinghua Univ.", "CN"),
    ("Microsoft Research Asia", "CN"),
    ("HKUST", "HK"),
    ("The Chinese University of Hong Kong", "HK"),
    ("The Chinese University of Hong Kong, Shenzhen", "CN"),
    ("The Hong Kong University of Science and Technology (Guangzhou)", "CN"),
    ("National Taiwan University", "TW"),
    ("Academia Sinica", "TW"),
    ("University of Macau", "MO"),
    ("NTU Singapore", "SG"),
    ("Nanyang Technological University", "SG"),
    ("University of Cambridge", "GB"),
    ("Cambridge, MA", "US"),
    ("Cambridge, UK", "GB"),
    ("MIT", "US"),
    ("Georgia Institute of Technology", "US"),
    ("University of Georgia", "US"),
    ("Xi&#x27;an Jiaotong University", "CN"),
    ("Universit\\xe4t T\\xfcbingen", "DE"),
    ("Eberhard-Karls-Universit\\xe4t T\\xfcbingen", "DE"),
    ("Texas A&amp;M University", "US"),
    ("ETHZ - ETH Zurich", "CH"),
    ("Google", "US"),
    ("Google, London, UK", "GB"),
    ("Meta AI, London, United Kingdom", "GB"),
    ("DeepMind", "GB"),
    ("Tencent AI Lab, Bellevue, WA", "US"),
    ("Microsoft Research Montr ´eal", "CA"),
    ("Some Lab, Pittsburgh, PA 15213", "US"),
    ("Foo Institute, Hangzhou, China", "CN"),
    ("Microsoft Research New England", "US"),
    ("King&#x27;s College Lonodn", "GB"),
])
def test_single_country(r: Resolver, raw: str, expected: str) -> None:
    got = countries(r, raw)
    assert got == [expected], (raw, r.resolve_slot(raw))


@pytest.mark.parametrize("raw", ["Cambridge", "NTU", "Durham", "Department of Computer Science"])
def test_ambiguous_is_not_guessed(r: Resolver, raw: str) -> None:
    atts = r.resolve_slot(raw)
    assert len(atts) == 1 and atts[0].country is None and atts[0].layer == "unresolved"


@pytest.mark.parametrize("raw", [None, "", "None", "  ", ";"])
def test_empty_gives_nothing(r: Resolver, raw: str | None) -> None:
    assert r.resolve_slot(raw) == []


def test_unknown_string_is_unresolved(r: Resolver) -> None:
    (a,) = r.resolve_slot("Zyxwv Quantum Widgets")
    assert a.layer == "unresolved" and a.country is None and a.confidence == 0.0
    assert a.institution_uid == "name:zyxwv quantum widgets"


def test_several_institutions(r: Resolver) -> None:
    atts = r.resolve_slot("Tsinghua University + Microsoft Research Asia; HKUST / Google")
    assert [a.institution_name for a in atts] == [
        "Tsinghua University", "Microsoft Research Asia",
        "The Hong Kong University of Science and Technology", "Google"]
    assert [a.country for a in atts] == ["CN", "CN", "HK", "US"]
    # one institution written twice counts once; a department is not an institution
    assert len(r.resolve_slot("Tsinghua University, Tsinghua University")) == 1
    assert [a.institution_name for a in r.resolve_slot("Institute for AI, Peking University")] == ["Peking University"]
    atts = r.resolve_slot("University of Toronto, Vector Institute")
    assert {a.institution_name for a in atts} == {"University of Toronto", "Vector Institute"}


def test_attribution_fields(r: Resolver) -> None:
    (a,) = r.resolve_slot("Tsinghua University")
    assert isinstance(a, Attribution)
    assert a.institution_uid == "name:tsinghua university"
    assert a.layer == "table" and 0.9 <= a.confidence <= 1.0
    for raw in ["MIT", "Foo Lab, Paris, France", "Zyxwv", "Google DeepMind"]:
        for a in r.resolve_slot(raw):
            assert a.layer in LAYERS
            assert 0.0 <= a.confidence <= 1.0
            assert a.country is None or (len(a.country) == 2 and a.country.isupper())
    (g,) = r.resolve_slot("Google DeepMind")
    assert g.country == "GB" and g.confidence < 0.9 and g.note


def test_company_headquarters_vs_place(r: Resolver) -> None:
    (a,) = r.resolve_slot("Alibaba Group, Singapore")
    assert a.country == "SG" and a.layer == "geo" and "headquarters CN" in (a.note or "")


def test_source_layer_splits_greater_china() -> None:
    r = Resolver()
    (a,) = r.resolve_slot("The Chinese University of Hong Kong",
                          institutions=[InstitutionRef("Chinese University of Hong Kong", "CN")])
    assert (a.country, a.layer) == ("HK", "source")
    assert "source said CN" in (a.note or "")
    # the Shenzhen campus stays CN
    (b,) = r.resolve_slot("CUHK-Shenzhen", countries=["CN"])
    assert (b.country, b.layer) == ("CN", "source")
    # source countries without institutions: HK institution under the source's "China"
    (c,) = r.resolve_slot("National Taiwan University", countries=["China"])
    assert c.country == "TW" and c.layer == "source"
    # a plain source country is trusted
    (d,) = r.resolve_slot("Some Unknown Lab", countries=["DE"])
    assert (d.country, d.layer) == ("DE", "source")
    # a located company lab beats the source's headquarters label
    (e,) = r.resolve_slot("Microsoft Research Asia", institutions=[InstitutionRef("Microsoft", "US")])
    assert e.country == "CN"


def test_source_ids_make_the_uid() -> None:
    r = Resolver()
    (a,) = r.resolve_slot("Tsinghua", institutions=[
        InstitutionRef("Tsinghua University", "CN", ror="https://ror.org/03cve4549", openalex_id="I99065089")])
    assert a.institution_uid == "ror:03cve4549" and a.ror == "03cve4549" and a.openalex_id == "I99065089"
    assert a.institution_name == "Tsinghua University"


def test_use_source_false_ignores_source_countries() -> None:
    r = Resolver(use_source=False)
    (a,) = r.resolve_slot("Some Unknown Lab", countries=["DE"])
    assert a.country is None and a.layer == "unresolved"


def test_learned_layer() -> None:
    r = Resolver(use_source=False, learned={"name:zyxwv quantum widgets": "FR"})
    (a,) = r.resolve_slot("Zyxwv Quantum Widgets")
    assert (a.country, a.layer) == ("FR", "learned")
    r2 = Resolver(use_source=False)
    assert r2.resolve_slot("Qwerty Robotics Collective")[0].country is None  # cached unresolved ...
    r2.learn("name:qwerty robotics collective", "Japan")
    (b,) = r2.resolve_slot("Qwerty Robotics Collective")  # ... and the cache is refreshed
    assert (b.country, b.layer) == ("JP", "learned")
    # the table comes before the learned layer
    r3 = Resolver(learned={"name:tsinghua university": "US"})
    assert r3.resolve_slot("Tsinghua University")[0].country == "CN"


def test_domain_layer(r: Resolver) -> None:
    (a,) = r.resolve_slot("Zyxwv Quantum Widgets", email_domain="zqw.de")
    assert (a.country, a.layer) == ("DE", "domain")
    (b,) = r.resolve_slot(None, email_domain="mails.tsinghua.edu.cn")
    assert (b.country, b.layer, b.institution_name) == ("CN", "domain", "Tsinghua University")
    assert r.resolve_slot("Zyxwv Quantum Widgets", email_domain="cs.stanford.edu")[0].country == "US"
    assert r.resolve_slot("Zyxwv Quantum Widgets", email_domain="ox.ac.uk")[0].country == "GB"
    assert r.resolve_slot("Zyxwv Quantum Widgets", email_domain="polyu.edu.hk")[0].country == "HK"
    # vanity top-level domains say nothing
    assert r.resolve_slot("Zyxwv Quantum Widgets", email_domain="zqw.ai")[0].country is None
    # the domain never overrides the string
    assert r.resolve_slot("Peking University", email_domain="foo.de")[0].country == "CN"


def test_normalize_and_split() -> None:
    assert normalize_affiliation("Xi&#x27;an Jiaotong Univ.") == "xian jiaotong univ"
    assert normalize_affiliation("Universit\\xe4t T\\xfcbingen") == "universitat tubingen"
    assert normalize_affiliation("None") == "none"
    assert split_affiliations("A University + B Institute; None; A University") == ["A University", "B Institute"]
    assert split_affiliations("None") == []
    assert split_affiliations(None) == []


def test_table_is_consistent() -> None:
    t = default_table()
    assert t.conflicts() == {}
    assert len(t.entries) > 500
    for e in t.entries:
        assert len(e.country) == 2 and e.country.isupper(), e
        assert e.type in {"education", "facility", "company", "company_site"}, e
    hk = {e.name for e in t.entries if e.country in {"HK", "MO", "TW"}}
    assert {"The Chinese University of Hong Kong", "The University of Hong Kong", "University of Macau",
            "National Taiwan University", "Academia Sinica", "Lingnan University"} <= hk


def test_split_greater_china() -> None:
    assert split_greater_china("Chinese University of Hong Kong", "CN") == "HK"
    assert split_greater_china("National Tsing Hua University", "CN") == "TW"
    assert split_greater_china("Tsinghua University", "CN") == "CN"
    assert split_greater_china("Chinese University of Hong Kong, Shenzhen", "CN") == "CN"
    assert split_greater_china("University of Hong Kong", "US") == "US"


def test_cache_returns_equal_results(r: Resolver) -> None:
    first = r.resolve_slot("Peking University")
    second = r.resolve_slot("Peking University")
    assert first == second and first is not second


# --- accuracy on the real data (a few seconds) -------------------------------------------------

NIPS2024 = DATA / "neurips2024" / "nips2024_virtual.jsonl"
PAPERLISTS = DATA / "paperlists"


@pytest.mark.skipif(not NIPS2024.exists(), reason="shared data not available")
def test_nips2024_coverage() -> None:
    total, covered, _, _ = nips_virtual_coverage(str(NIPS2024), Resolver(use_source=False))
    assert total > 20_000
    assert covered / total >= 0.95


@pytest.mark.skipif(not (PAPERLISTS / "colm2025.json").exists(), reason="shared data not available")
@pytest.mark.parametrize("name", ["naacl2024", "colm2025"])
def test_paperlists_precision_with_source_hidden(name: str) -> None:
    s = evaluate_paperlists(load_json(str(PAPERLISTS / f"{name}.json")), Resolver(use_source=False))
    f = s.figures()
    assert f["slots_scorable"] > 500
    assert f["precision"] >= 0.97
    assert f["coverage"] >= 0.95
    assert f["paper_us_x_gc_agreement"] >= 0.98
