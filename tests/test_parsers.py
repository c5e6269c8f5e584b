"""Parsers: paperlists, neurips_virtual (small fixtures and the real shared files)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from graphdb.loaders import neurips_virtual, paperlists
from graphdb.loaders.errors import FormatError
from graphdb.loaders.jsonstream import venue_year_from_filename
from graphdb.loaders.records import PaperRecord, Reject

FIX = Path(__file__).parent / "fixtures"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PAPERLISTS = DATA / "paperlists"
NIPS2024 = DATA / "neurips2024" / "nips2024_virtual.jsonl"

needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="shared data not present")


def records(it):
    return [r for r in it if isinstance(r, PaperRecord)]


# --------------------------------------------------------------------------- file names


@pytest.mark.parametrize("name, expected", [
    ("nips2018.json", ("NeurIPS", 2018)),
    ("naacl2024.json", ("NAACL", 2024)),
    ("colm2025.json", ("COLM", 2025)),
    ("iclr2024.json", ("ICLR", 2024)),
    ("icml2023.json", ("ICML", 2023)),
    ("cvpr2023.json", ("CVPR", 2023)),
    ("acl2023.json", ("ACL", 2023)),
    ("emnlp2023.json", ("EMNLP", 2023)),
    ("aaai2024.json", ("AAAI", 2024)),
    ("nips2024_virtual.jsonl", ("NeurIPS", 2024)),
    ("/some/dir/neurips-2022.json", ("NeurIPS", 2022)),
    ("papers.json", (None, None)),
])
def test_venue_year_from_filename(name, expected):
    assert venue_year_from_filename(name) == expected


# --------------------------------------------------------------------------- paperlists fixture


@pytest.fixture(scope="module")
def small():
    return list(paperlists.parse(FIX / "paperlists_small.json"))


def test_paperlists_fixture_order_and_positions(small):
    assert [r.position for r in small] == [f"record {i}" for i in range(1, 11)]
    kinds = ["R" if isinstance(r, PaperRecord) else "X" for r in small]
    assert kinds == ["R", "X", "X", "X", "X", "R", "R", "R", "X", "R"]


def test_paperlists_rejects_name_the_field(small):
    reasons = {r.position: r.reason for r in small if isinstance(r, Reject)}
    assert reasons["record 2"] == "field 'title': missing or empty"
    assert reasons["record 3"] == "field 'author': missing"
    assert reasons["record 4"] == "field 'author': expected a string, found a number"
    assert reasons["record 5"] == "record: expected a JSON object, found a string"
    assert reasons["record 9"] == "field 'title': expected a string, found a list"
    for r in small:
        if isinstance(r, Reject):
            assert r.source == "paperlists" and r.path.endswith("paperlists_small.json")


def test_paperlists_same_shape_slots(small):
    r = small[0]
    assert (r.venue, r.year) == (None, None)  # no venue in the name "paperlists_small"
    assert r.source_id == "p1" and r.status == "Poster" and r.track == "main"
    assert [a.name for a in r.authors] == ["Ann Lee", "Bob Ray", "Cy Dee"]
    assert [a.raw_affiliation for a in r.authors] == ["MIT", None, "Oxford+DeepMind"]
    a0, a1, a2 = r.authors
    assert [(i.name, i.country) for i in a0.institutions] == [("Massachusetts Institute of Technology", "US")]
    assert a1.institutions == [] and a1.countries == []
    assert [(i.name, i.country) for i in a2.institutions] == [("University of Oxford", "GB"), ("DeepMind", "GB")]
    assert a0.countries == ["US"] and a2.countries == ["GB"]
    assert [a.openreview_id for a in r.authors] == ["~Ann_Lee1", "~Bob_Ray2", "~Cy_Dee1"]
    assert [a.orcid for a in r.authors] == [None, "0000-0002-1825-0097", None]
    assert [a.email_domain for a in r.authors] == ["mit.edu", None, "ox.ac.uk"]
    assert r.paper_countries == ["US", "GB"]
    assert r.extra["country_alignment"] == "aligned-nonempty-inst"


def test_paperlists_comma_separated_authors(small):
    r = small[5]
    assert [a.name for a in r.authors] == ["Dan Alistarh", "Demjan Grubic", "Jerry Li"]
    assert all(a.raw_affiliation is None and a.countries == [] for a in r.authors)


def test_paperlists_old_file_dropped_from_both(small):
    r = small[6]
    assert r.extra["institution_alignment"] == "aligned-nonempty-aff"
    assert r.extra["country_alignment"] == "aligned-nonempty-inst"
    assert [a.countries for a in r.authors] == [["DE"], [], ["RU"]]
    assert [[i.name for i in a.institutions] for a in r.authors] == [["Uni A"], [], ["Uni B"]]


def test_paperlists_unaligned_keeps_paper_countries_only(small):
    r = small[7]
    assert r.extra["country_alignment"] == "unaligned"
    assert all(a.countries == [] for a in r.authors)
    assert all(i.country is None for a in r.authors for i in a.institutions)
    assert [i.name for a in r.authors for i in a.institutions] == ["X", "Y", "Z"]
    assert r.paper_countries == ["JP"]


def test_paperlists_bad_index_and_aux_type(small):
    r = small[9]
    assert r.extra["institution_alignment"] == "invalid"
    assert all(a.institutions == [] for a in r.authors)
    assert [a.countries for a in r.authors] == [["FR"], []]  # "Unknown" dropped
    assert r.paper_countries == ["FR"]
    assert any("field 'email'" in w for w in r.extra["warnings"])


def test_paperlists_repeated_author_list_collapsed(tmp_path):
    p = tmp_path / "iclr2024.json"
    p.write_text(json.dumps([{"id": "x", "title": "T", "author": "A B;C D;A B;C D", "aff": "U;V"},
                             {"id": "y", "title": "T2", "author": "Yang Liu;Yang Liu", "aff": "U;V"}]))
    r1, r2 = paperlists.parse(p)
    assert (r1.venue, r1.year) == ("ICLR", 2024)
    assert [a.name for a in r1.authors] == ["A B", "C D"] and r1.extra["collapsed_repeated_author_list"]
    assert [a.raw_affiliation for a in r1.authors] == ["U", "V"]
    assert [a.name for a in r2.authors] == ["Yang Liu", "Yang Liu"]


def test_paperlists_options_override_file_name():
    r = next(paperlists.parse(FIX / "paperlists_small.json", venue="ICML", year=2023))
    assert (r.venue, r.year) == ("ICML", 2023)


@pytest.mark.parametrize("content, found", [
    (b"", "an empty file"),
    (b"   \n", "an empty file"),
    (b'{"title": "x"}', "a JSON object"),
    (b"<!DOCTYPE html><html><body>404</body></html>", "HTML/XML"),
    (b"\x00\x01\x02\x03binary\xff\xfe", "binary data"),
    (b"hello world", "text that is not JSON"),
    (b"42", "a bare JSON value"),
])
def test_paperlists_format_errors(tmp_path, content, found):
    p = tmp_path / "nips2018.json"
    p.write_bytes(content)
    with pytest.raises(FormatError) as e:
        paperlists.parse(p)  # raised at once, not on first next()
    assert str(e.value) == f"nips2018.json: expected {paperlists.EXPECTED}, found {found}"


def test_paperlists_broken_json_mid_array_is_a_reject(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('[{"title": "A", "author": "B"}, {"title": "C", "author": }, {"title": "D", "author": "E"}]')
    out = list(paperlists.parse(p))
    assert isinstance(out[0], PaperRecord)
    assert isinstance(out[1], Reject) and out[1].position == "record 2" and "invalid JSON" in out[1].reason
    assert len(out) == 2


def test_paperlists_unclosed_array(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('[{"title": "A", "author": "B"},')
    out = list(paperlists.parse(p))
    assert isinstance(out[0], PaperRecord) and isinstance(out[1], Reject)
    assert "end of file" in out[1].reason


def test_paperlists_invalid_utf8_rejects_only_that_record(tmp_path):
    p = tmp_path / "x.json"
    p.write_bytes(b'[{"title": "A\xff", "author": "B"}, {"title": "C", "author": "D\xc3\xbc"}]')
    out = list(paperlists.parse(p))
    assert isinstance(out[0], Reject) and out[0].reason == "field 'title': invalid UTF-8 or lone surrogate"
    assert isinstance(out[1], PaperRecord) and out[1].authors[0].name == "Dü"


def test_paperlists_small_chunks_same_result(monkeypatch):
    import graphdb.loaders.jsonstream as js
    expected = list(paperlists.parse(FIX / "paperlists_small.json"))
    monkeypatch.setattr(js, "CHUNK", 7)
    assert list(paperlists.parse(FIX / "paperlists_small.json")) == expected


def test_paperlists_detect(tmp_path):
    assert paperlists.detect(FIX / "paperlists_small.json")
    assert not paperlists.detect(FIX / "nips2024_virtual_small.jsonl")
    (tmp_path / "e.json").write_text("")
    assert not paperlists.detect(tmp_path / "e.json")


# --------------------------------------------------------------------------- paperlists real data


@needs_data
@pytest.mark.parametrize("name, n_records, n_with_countries", [
    ("nips2017.json", 691, 609), ("nips2018.json", 1009, 920),
    ("naacl2024.json", 912, 812), ("colm2025.json", 418, 418),
])
def test_paperlists_real_counts(name, n_records, n_with_countries):
    out = list(paperlists.parse(PAPERLISTS / name))
    assert all(isinstance(r, PaperRecord) for r in out)
    assert len(out) == n_records
    assert sum(1 for r in out if r.paper_countries) == n_with_countries
    venue, year = venue_year_from_filename(name)
    assert all((r.venue, r.year) == (venue, year) for r in out)


@needs_data
def test_paperlists_real_slot_count_matches_author_field():
    raw = json.loads((PAPERLISTS / "nips2018.json").read_text())
    plain = sum(len([x for x in r["author"].split(";") if x.strip()]) for r in raw)
    out = records(paperlists.parse(PAPERLISTS / "nips2018.json"))
    assert sum(len(r.authors) for r in out) == plain == 3827


@needs_data
def test_paperlists_real_paper_countries_are_the_safe_set():
    raw = json.loads((PAPERLISTS / "naacl2024.json").read_text())
    from graphdb.countries import country_code
    for obj, rec in zip(raw, paperlists.parse(PAPERLISTS / "naacl2024.json"), strict=True):
        names = (obj.get("aff_country_unique") or "").split(";")
        expected = {country_code(c) for c in names if c} - {None}
        assert set(rec.paper_countries) == expected
        # a slot's countries are always among the paper's
        assert {c for a in rec.authors for c in a.countries} <= expected


@needs_data
def test_paperlists_readme_worked_example():
    rec = next(r for r in paperlists.parse(PAPERLISTS / "colm2025.json") if r.source_id == "2txrMBpw3q")
    assert [a.name for a in rec.authors] == ["Yiqing Xie", "Alex Xie", "Divyanshu Sheth", "Pengfei Liu",
                                             "Daniel Fried", "Carolyn Rose"]
    assert [[i.name for i in a.institutions] for a in rec.authors] == [
        ["Carnegie Mellon University"], ["Carnegie Mellon University"], ["Apple"],
        ["Shanghai Jiao Tong University"], ["Meta", "Carnegie Mellon University"], ["Carnegie Mellon University"]]
    assert [[i.country for i in a.institutions] for a in rec.authors] == [
        ["US"], ["US"], ["US"], ["CN"], ["US", "US"], ["US"]]
    assert [a.countries for a in rec.authors] == [["US"], ["US"], ["US"], ["CN"], ["US"], ["US"]]
    assert rec.paper_countries == ["US", "CN"]
    assert rec.authors[4].raw_affiliation == "Meta AI+Carnegie Mellon University"
    assert rec.authors[0].openreview_id == "~Yiqing_Xie1"
    assert rec.authors[5].orcid == "0000-0003-1128-5155"


@needs_data
def test_paperlists_real_comma_records_nips2017():
    out = records(paperlists.parse(PAPERLISTS / "nips2017.json"))
    by_id = {r.source_id: r for r in out}
    assert [a.name for a in by_id["10008"].authors] == ["Scott M Lundberg", "Su-In Lee"]
    assert [a.name for a in by_id["9020"].authors] == []  # empty author field: a paper without slots


@needs_data
def test_paperlists_real_alignment_modes():
    modes = {}
    for name in ("nips2017.json", "nips2018.json", "naacl2024.json", "colm2025.json"):
        for r in paperlists.parse(PAPERLISTS / name):
            modes.setdefault(name, {}).setdefault(r.extra["country_alignment"], 0)
            modes[name][r.extra["country_alignment"]] += 1
    assert modes["colm2025.json"] == {"same-shape": 179, "aligned-nonempty-inst": 201, "unaligned": 38}
    assert modes["nips2018.json"]["same-shape"] == 912


# --------------------------------------------------------------------------- neurips_virtual


def test_neurips_virtual_jsonl_fixture():
    out = list(neurips_virtual.parse(FIX / "nips2024_virtual_small.jsonl"))
    assert [r.position for r in out] == [f"line {n}" for n in (1, 2, 4, 5, 6, 7, 8, 9)]
    r1, r2 = out[0], out[1]
    assert (r1.venue, r1.year, r1.source) == ("NeurIPS", 2024, "neurips-virtual")
    assert [a.raw_affiliation for a in r1.authors] == [
        "Tsinghua University", "Xi&#x27;an Jiaotong University", None, None]
    assert r1.extra["affiliations_decoded"] == ["Tsinghua University", "Xi'an Jiaotong University", None, None]
    assert r1.extra["author_ids"] == ["276106", "377526", "287200", "1"]
    assert r2.authors[0].name == "Lennart Bürger"
    assert r2.authors[0].raw_affiliation == "Queen&amp;amp;amp;#x27;s University"
    assert r2.extra["affiliations_decoded"] == ["Queen's University"]
    reasons = [r.reason for r in out[2:]]
    assert reasons[0].startswith("invalid JSON")
    assert reasons[1:] == [
        "field 'title': expected a string, found a number",
        "record: expected a JSON object, found a list",
        "field 'authors': missing",
        "field 'authors': expected a list, found a number",
        "field 'authors[0].name': expected a string, found an object",
    ]


def test_neurips_virtual_export_fixture():
    out = list(neurips_virtual.parse(FIX / "neurips_export_small.json", year=2025))
    r, rej = out
    assert r.title == "A Paper From the Export" and r.source_id == "93001" and r.year == 2025
    assert [a.name for a in r.authors] == ["Ann Lee", "Björn Müller"]
    assert [a.raw_affiliation for a in r.authors] == ["MIT", None]
    assert (r.status, r.track, r.abstract) == ("Accept (poster)", "Poster", "Text.")
    assert r.extra["sourceurl"] == "https://openreview.net/forum?id=abc"
    assert isinstance(rej, Reject) and rej.reason == "field 'name': missing or empty" and rej.position == "record 2"


def test_neurips_virtual_one_line_export(tmp_path):
    p = tmp_path / "neurips2025.json"
    p.write_text(json.dumps({"results": [{"id": 1, "name": "T", "authors": [{"fullname": "A", "institution": "B"}]}]}))
    (r,) = neurips_virtual.parse(p)
    assert r.title == "T" and r.year == 2025 and r.authors[0].raw_affiliation == "B"


@pytest.mark.parametrize("content, found", [
    (b"", "an empty file"),
    (b"<html></html>", "HTML/XML"),
    (b'{\n  "count": 3,\n  "next": null\n}\n', 'a JSON object without a "results" array'),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary data"),
])
def test_neurips_virtual_format_errors(tmp_path, content, found):
    p = tmp_path / "nips2024_virtual.jsonl"
    p.write_bytes(content)
    with pytest.raises(FormatError, match=f"nips2024_virtual.jsonl: expected .*found {found}"):
        neurips_virtual.parse(p)


@needs_data
def test_neurips_virtual_real_file():
    out = list(neurips_virtual.parse(NIPS2024))
    assert len(out) == 4553 and all(isinstance(r, PaperRecord) for r in out)
    assert sum(len(r.authors) for r in out) == 25002
    assert all((r.venue, r.year) == ("NeurIPS", 2024) for r in out)
    names = {a.name for r in out for a in r.authors}
    assert "Lennart Bürger" in names and not any("\\x" in n or "&#" in n or "&amp;" in n for n in names)
    affs = [a.raw_affiliation for r in out for a in r.authors]
    assert "None" not in affs
    with_aff = sum(1 for a in affs if a)
    assert with_aff == 25002 - 358 - 262 - 1  # one literal 'n/a'


@pytest.mark.parametrize("module, path, expected", [
    (paperlists, "paperlists_small.json", True),
    (paperlists, "nips2024_virtual_small.jsonl", False),
    (neurips_virtual, "nips2024_virtual_small.jsonl", True),
    (neurips_virtual, "neurips_export_small.json", True),
    ("openalex", "openalex_work_current.json", True),
    ("openalex", "openalex_page1.json", True),
    ("openreview", "openreview_notes_page1.json", True),
    ("openreview", "paperlists_small.json", False),
])
def test_detect(module, path, expected):
    if isinstance(module, str):
        import importlib
        module = importlib.import_module(f"graphdb.loaders.{module}")
    assert module.detect(FIX / path) is expected


def test_jsonl_given_to_paperlists_says_so(tmp_path):
    p = tmp_path / "nips2024.json"
    p.write_text('{"title": "a", "authors": []}\n{"title": "b", "authors": []}\n')
    with pytest.raises(FormatError, match=r"found JSON lines \(one object per line\)$"):
        paperlists.parse(p)
