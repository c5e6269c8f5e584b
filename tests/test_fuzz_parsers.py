"""Fuzz the parsers: malformed and adversarial input never raises anything but FormatError.

Every parser, on any file, either raises FormatError from ``parse()`` itself (at once) or yields
only PaperRecord / Reject objects, whose text is valid UTF-8 and on which the identity rules
work. Memory stays flat on a large generated file. The whole file runs in well under a minute.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from graphdb.loaders import neurips_virtual, openalex, openreview, paperlists
from graphdb.loaders.errors import FormatError
from graphdb.loaders.identity import author_uid, authorship_uid, institution_uid, paper_uid
from graphdb.loaders.records import AuthorSlot, PaperRecord, Reject
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PARSERS = [paperlists, neurips_virtual, openalex, openreview]
# GRAPHDB_FUZZ_EXAMPLES=2000 pytest tests/test_fuzz_parsers.py  for a longer run
FUZZ = settings(max_examples=int(os.environ.get("GRAPHDB_FUZZ_EXAMPLES", "40")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

_TMP = tempfile.mkdtemp(prefix="graphdb-fuzz-")


def write(data: bytes, name: str = "nips2024.json") -> Path:
    p = Path(_TMP) / name
    p.write_bytes(data)
    return p


def check_output(parser, path) -> list:
    """Run one parser on one file and check the contract; returns what it yielded."""
    try:
        it = parser.parse(path)
    except FormatError as e:
        assert str(e).startswith(os.path.basename(path) + ": expected ")
        return []
    out = []
    for r in it:  # iteration itself must never raise
        assert isinstance(r, PaperRecord | Reject), type(r)
        if isinstance(r, Reject):
            assert isinstance(r.reason, str) and r.reason and r.position
            assert not r.reason.startswith("unexpected error"), r.reason
        else:
            assert isinstance(r.title, str) and r.title.strip()
            assert all(isinstance(a, AuthorSlot) and isinstance(a.name, str) and a.name for a in r.authors)
            assert [a.position for a in r.authors] == list(range(len(r.authors)))
            assert all(isinstance(c, str) and len(c) == 2 for a in r.authors for c in a.countries)
            uid = paper_uid(r)
            for a in r.authors:
                author_uid(a)
                authorship_uid(uid, a.position)
                for i in a.institutions:
                    institution_uid(i)
        # everything must be writable as UTF-8 JSON (a lone surrogate would break the writer)
        json.dumps(dataclasses.asdict(r), ensure_ascii=False, default=str).encode("utf-8")
        out.append(r)
    return out


# --------------------------------------------------------------------------- strategies

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(scalars, lambda ch: st.one_of(st.lists(ch, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), ch, max_size=4)),
                           max_leaves=20)

FIELDS = ["title", "author", "authors", "aff", "aff_unique_norm", "aff_unique_index", "aff_country_unique",
          "aff_country_unique_index", "authorids", "orcid", "email", "aff_domain", "id", "abstract", "status",
          "track", "name", "results", "notes", "content", "authorships", "display_name", "publication_year",
          "abstract_inverted_index", "primary_location", "host_venue"]
index_text = st.text(alphabet="0123456789;+ ", max_size=20)
field_values = st.one_of(json_values, index_text, st.text(alphabet="ab;+, ~@.", max_size=20))
records = st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=10)

names = st.text(min_size=1, max_size=12)
author_obj = st.fixed_dictionaries({}, optional={
    "name": st.one_of(names, field_values), "affiliation": field_values, "no": field_values, "fullname": field_values,
    "institution": field_values, "author": st.one_of(json_values, st.fixed_dictionaries(
        {}, optional={"display_name": st.one_of(names, field_values), "id": field_values,
                      "orcid": st.one_of(field_values, st.just("https://orcid.org/0000-0002-1825-0097"))})),
    "institutions": st.lists(st.one_of(json_values, st.fixed_dictionaries(
        {}, optional={"display_name": st.one_of(names, field_values),
                      "country_code": st.one_of(field_values, st.sampled_from(["US", "HK", "xx", ""])),
                      "ror": field_values,
                      "id": field_values})), max_size=3),
    "countries": st.one_of(json_values, st.lists(st.text(max_size=3), max_size=3)),
    "raw_affiliation_strings": json_values,
})
structured = st.fixed_dictionaries({"title": st.one_of(st.text(max_size=20), json_values)}, optional={
    "author": st.one_of(st.text(alphabet="ab ;,", max_size=20), json_values),
    "aff": st.text(alphabet="xy;+ ", max_size=20), "aff_unique_norm": st.text(alphabet="xy;", max_size=10),
    "aff_unique_index": index_text, "aff_country_unique": st.sampled_from(
        ["United States;China", "Unknown;", ";", "", "Russian Federation", "Türkiye;Czechia"]),
    "aff_country_unique_index": index_text, "authorids": st.text(alphabet="~ab;", max_size=20),
    "authors": st.one_of(json_values, st.lists(st.one_of(author_obj, st.text(max_size=5)), max_size=4)),
    "authorships": st.one_of(json_values, st.lists(author_obj, max_size=4)),
    "content": st.one_of(json_values, st.fixed_dictionaries({}, optional={
        "title": st.one_of(json_values, st.fixed_dictionaries({"value": st.one_of(names, json_values)})),
        "authors": st.fixed_dictionaries({"value": st.one_of(json_values, st.lists(names, max_size=4))}),
        "authorids": st.fixed_dictionaries({"value": json_values}),
        "venueid": st.fixed_dictionaries({"value": st.one_of(json_values, st.just("NeurIPS.cc/2024/Conference"))}),
    })),
    "abstract_inverted_index": json_values,
})

# near-valid records per source, so the deeper code paths run too
oa_authorship = st.fixed_dictionaries(
    {"author": st.fixed_dictionaries({"display_name": names}, optional={"id": field_values, "orcid": field_values})},
    optional={"institutions": st.lists(st.fixed_dictionaries({"display_name": names}, optional={
        "country_code": st.one_of(field_values, st.sampled_from(["US", "HK", "xx", ""])), "ror": field_values,
        "id": field_values, "type": field_values}), max_size=3),
        "countries": st.one_of(json_values, st.lists(st.sampled_from(["US", "CN", "ZZ", ""]), max_size=3)),
        "raw_affiliation_strings": st.one_of(json_values, st.lists(names, max_size=2)),
        "raw_affiliation_string": field_values, "is_corresponding": json_values})
oa_work = st.fixed_dictionaries({"title": names, "authorships": st.lists(oa_authorship, max_size=3)}, optional={
    "id": st.one_of(st.just("https://openalex.org/W123"), field_values), "publication_year": json_values,
    "primary_location": json_values, "host_venue": json_values,
    "abstract_inverted_index": st.one_of(json_values, st.dictionaries(names, st.lists(
        st.integers(-5, 200_000), max_size=3), max_size=4))})
or_note = st.fixed_dictionaries({"content": st.fixed_dictionaries(
    {"title": st.fixed_dictionaries({"value": names}),
     "authors": st.fixed_dictionaries({"value": st.lists(names, max_size=4)})},
    optional={"authorids": st.fixed_dictionaries({"value": st.one_of(json_values, st.lists(
        st.one_of(names, st.sampled_from(["~A_B1", "a@b.org", "~"])), max_size=4))}),
        "venueid": st.fixed_dictionaries({"value": st.one_of(json_values, st.sampled_from(
            ["NeurIPS.cc/2024/Conference", "ICLR.cc/20x/Conference", "/2024"]))}),
        "venue": field_values, "abstract": field_values})},
    optional={"id": field_values, "pdate": json_values, "cdate": st.integers(-10**16, 10**16)})
nv_paper = st.fixed_dictionaries({"title": names, "authors": st.lists(st.fixed_dictionaries({"name": names}, optional={
    "affiliation": st.one_of(names, st.sampled_from(["None", "Xi&#x27;an \\xfc", "&amp;amp;#x27;"]), field_values),
    "no": field_values}), max_size=4)})
pl_paper = st.fixed_dictionaries({"title": names, "author": st.text(alphabet="ab ;,", min_size=1, max_size=20)},
                                 optional={"aff": st.text(alphabet="xy;+ ", max_size=20),
                                           "aff_unique_norm": st.text(alphabet="xy;", max_size=10),
                                           "aff_unique_index": index_text,
                                           "aff_country_unique": st.sampled_from(["United States;China", "Unknown;"]),
                                           "aff_country_unique_index": index_text})
any_record = st.one_of(records, structured, oa_work, or_note, nv_paper, pl_paper, json_values)


# --------------------------------------------------------------------------- fuzz: records


@FUZZ
@given(items=st.lists(any_record, max_size=6))
def test_random_records_as_array(items):
    path = write(json.dumps(items).encode())
    for parser in PARSERS:
        check_output(parser, path)


@FUZZ
@given(items=st.lists(any_record, min_size=1, max_size=6))
def test_random_records_as_jsonl(items):
    path = write("\n".join(json.dumps(i) for i in items).encode() + b"\n", "x2024.jsonl")
    for parser in PARSERS:
        check_output(parser, path)


@FUZZ
@given(items=st.lists(any_record, max_size=4), wrapper=st.sampled_from(["results", "notes", "meta"]))
def test_random_records_in_pages(items, wrapper):
    path = write(json.dumps({"meta": {"count": 1}, wrapper: items}, indent=1).encode())
    for parser in PARSERS:
        check_output(parser, path)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(data):
    path = write(data)
    for parser in PARSERS:
        check_output(parser, path)


@FUZZ
@given(items=st.lists(any_record, min_size=1, max_size=3), cuts=st.lists(st.integers(0, 10**6), max_size=4),
       junk=st.binary(min_size=1, max_size=4))
def test_corrupted_bytes_in_valid_files(items, cuts, junk):
    """Invalid UTF-8 and stray bytes spliced into otherwise valid array / JSON-lines files."""
    for data in (json.dumps(items, ensure_ascii=False).encode(),
                 b"\n".join(json.dumps(i, ensure_ascii=False).encode() for i in items)):
        for c in cuts:
            k = c % (len(data) + 1)
            data = data[:k] + junk + data[k:]
        path = write(data, "y2023.json")
        for parser in PARSERS:
            check_output(parser, path)


# --------------------------------------------------------------------------- adversarial cases


def test_deep_nesting_everywhere():
    deep = "[" * 100_000 + "]" * 100_000
    cases = [
        deep.encode(),
        ("[" + deep + "]").encode(),
        ('[{"title": "x", "author": ' + deep + "}]").encode(),
        ('{"title": "x", "authors": ' + deep + "}\n").encode(),
        ('{"results": [' + deep + "]}").encode(),
        ('{\n"notes": [{"content": ' + deep + "}]}").encode(),
    ]
    for data in cases:
        path = write(data)
        for parser in PARSERS:
            check_output(parser, path)


def test_invalid_surrogate_escapes():
    data = json.dumps([{"title": "A \ud800 B", "author": "X", "name": "\udcff", "authors": [{"name": "\ud83d"}],
                        "content": {"title": {"value": "\udfff"}, "authors": {"value": ["a"]}}}]).encode()
    path = write(data)
    for parser in PARSERS:
        out = check_output(parser, path)
        assert all(isinstance(r, Reject) for r in out)


def test_huge_string_json_bomb():
    """A 50 MB title: read (one record at a time), rejected by size, never kept whole in a record."""
    big = "A" * (50 * 1024 * 1024)
    path = write(('[{"title": "' + big + '", "author": "X"}, {"title": "ok", "author": "Y",'
                  ' "name": "ok", "authors": []}]').encode())
    out = check_output(paperlists, path)
    assert isinstance(out[0], Reject) and out[0].reason.startswith("field 'title': too long")
    assert len(json.dumps(out[0].raw)) < 5000  # the raw excerpt is bounded
    assert isinstance(out[1], PaperRecord) and out[1].title == "ok"
    jl = write(('{"title": "' + big + '", "authors": []}\n{"title": "ok", "authors": []}\n').encode(), "b.jsonl")
    out = check_output(neurips_virtual, jl)
    assert isinstance(out[0], Reject) and isinstance(out[1], PaperRecord)


def test_many_authors_and_huge_index():
    n = 20_000
    rec = {"title": "Big", "author": ";".join(f"A{i}" for i in range(n)),
           "aff_unique_norm": "X", "aff_unique_index": ";".join("0" * 1 for _ in range(n)),
           "aff_country_unique": "Japan", "aff_country_unique_index": "0+" * 50_000 + "0"}
    path = write(json.dumps([rec]).encode())
    (r,) = check_output(paperlists, path)
    assert isinstance(r, Reject) and "too many" in r.reason


@pytest.mark.parametrize("data", [b"", b"\n\n", b"null", b"true", b'"text"', b"<html>", b"\xff\xfe\x00\x00",
                                  b"[", b"{", b'{"a":', b"[1, 2", b"]"])
def test_truncated_and_trivial_files(data):
    path = write(data)
    for parser in PARSERS:
        check_output(parser, path)


# --------------------------------------------------------------------------- memory


def _make_jsonl(path: Path, n: int) -> None:
    line = {"title": "", "authors": [{"name": "Alice Example", "affiliation": "Some University, Dept. of CS",
                                      "no": "1"} for _ in range(6)]}
    with open(path, "w") as f:
        for i in range(n):
            line["title"] = f"Paper number {i} about streaming parsers"
            f.write(json.dumps(line) + "\n")


def _make_array(path: Path, n: int) -> None:
    rec = {"id": "", "title": "", "author": "A One;B Two;C Three;D Four", "aff": "U1;U2;U1+U3;U2",
           "aff_unique_norm": "U1;U2;U3", "aff_unique_index": "0;1;0+2;1",
           "aff_country_unique": "United States;China", "aff_country_unique_index": "0;1;0+0;1",
           "abstract": "x" * 400}
    with open(path, "w") as f:
        f.write("[\n")
        for i in range(n):
            rec["id"], rec["title"] = str(i), f"Paper {i}"
            f.write(("," if i else "") + json.dumps(rec) + "\n")
        f.write("]\n")


@pytest.mark.parametrize("parser, maker, n", [(neurips_virtual, _make_jsonl, 2_000),
                                              (paperlists, _make_array, 1_500)])
def test_memory_is_flat(parser, maker, n, tmp_path, monkeypatch):
    """Peak memory while streaming is a small fraction of the file, and does not grow with it.

    The read chunk is shrunk to 64 KiB so a ~3 MB file shows it (tracemalloc makes Python slow);
    with the default 1 MiB chunk the bound is a few MiB whatever the file size.
    """
    import graphdb.loaders.jsonstream as js
    monkeypatch.setattr(js, "CHUNK", 64 * 1024)
    peaks = []
    for size_factor in (1, 3):
        path = tmp_path / f"nips2024_{size_factor}.json"
        maker(path, n * size_factor)
        tracemalloc.start()
        try:
            count = sum(1 for r in parser.parse(path) if isinstance(r, PaperRecord))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert count == n * size_factor
        peaks.append((peak, path.stat().st_size))
    (p1, s1), (p3, s3) = peaks
    assert s3 > 1024 * 1024
    assert p3 < s3 / 8, f"peak {p3 / 1e6:.2f} MB for a {s3 / 1e6:.2f} MB file"
    assert p3 < p1 * 1.5 + 256 * 1024, f"peak grew with the input: {p1} -> {p3}"
