"""Identity rules (loaders/identity.py), on examples and on the real shared files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from graphdb.loaders import neurips_virtual, paperlists
from graphdb.loaders.identity import (
    author_uid,
    authorship_uid,
    decode_text,
    institution_uid,
    normalize_name,
    normalize_title,
    paper_uid,
    venue_key,
)
from graphdb.loaders.records import AuthorSlot, InstitutionRef, PaperRecord

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.is_dir(), reason="shared data not present")


def rec(title, names, venue="NeurIPS", year=2024, sid=None):
    return PaperRecord(source="t", source_id=sid, title=title, venue=venue, year=year,
                       authors=[AuthorSlot(position=i, name=n) for i, n in enumerate(names)])


@pytest.mark.parametrize("raw, norm", [
    ("  Style Transfer from Non-Parallel Text by   Cross-Alignment ", "style transfer from nonparallel text by crossalignment"),
    ("D\\xe9j\\xe0 Vu Memorization", "deja vu memorization"),
    ("Queen&amp;amp;#x27;s Paper", "queens paper"),
    ("$\\ell_1$-regression", "ell1regression"),
    ("ＦＵＬＬ width", "full width"),
    ("", ""),
])
def test_normalize_title(raw, norm):
    assert normalize_title(raw) == norm


def test_normalize_title_case_and_punctuation_variants_match():
    assert normalize_title("End-to-End Differentiable Proving") == normalize_title("End-to-end differentiable proving")


@pytest.mark.parametrize("raw, norm", [
    ("Lennart B\\xfcrger", "lennart burger"),
    ("Lennart Bürger", "lennart burger"),
    ("Miko\\u0142aj Pi\\xf3rczy\\u0144ski", "mikolaj piorczynski"),
    ("E.J. Chichilnisky", "e j chichilnisky"),
    ("E. J.  Chichilnisky", "e j chichilnisky"),
    ("Luis Fernando D&amp;#x27;Haro", "luis fernando d'haro"),
    ("ZHANGJIE CAO", "zhangjie cao"),
    (None, ""),
])
def test_normalize_name(raw, norm):
    assert normalize_name(raw) == norm


def test_decode_text_keeps_latex_and_unknown_escapes():
    assert decode_text("$\\ell_1$ and \\xi and \\u00") == "$\\ell_1$ and \\xi and \\u00"
    assert decode_text("Hugging Face \\U0001f917") == "Hugging Face \U0001f917"
    assert decode_text("bad \\udc80 surrogate") == "bad \\udc80 surrogate"


def test_venue_key():
    assert venue_key("NeurIPS", 2024) == "neurips-2024"
    assert venue_key("ICLR Workshop", 2023) == "iclr-workshop-2023"
    assert venue_key(None, None) == "unknown"


def test_paper_uid_merges_same_paper_under_different_ids():
    a = rec("A unified approach to interpreting model predictions", ["Scott M Lundberg", "Su-In Lee"], sid="1")
    b = rec("A Unified Approach to Interpreting Model Predictions", ["Scott M. Lundberg", "Su-In  Lee"], sid="2")
    assert paper_uid(a) == paper_uid(b) and len(paper_uid(a)) == 20


def test_paper_uid_keeps_case_only_title_twins_with_other_authors_apart():
    a = rec('Reproducibility Study of "X"', ["A B"])
    b = rec('Reproducibility study of "X"', ["C D"])
    assert paper_uid(a) != paper_uid(b)


def test_paper_uid_depends_on_venue_year_and_order():
    base = rec("T", ["A", "B"])
    assert paper_uid(base) != paper_uid(rec("T", ["A", "B"], year=2023))
    assert paper_uid(base) != paper_uid(rec("T", ["A", "B"], venue="ICML"))
    assert paper_uid(base) != paper_uid(rec("T", ["B", "A"]))
    assert paper_uid(base) == paper_uid({"title": "T", "venue": "NeurIPS", "year": 2024,
                                         "authors": [{"name": "A"}, {"name": "B"}]})


def test_author_uid_precedence():
    s = AuthorSlot(position=0, name="Yiqing Xie", openreview_id="~Yiqing_Xie1", orcid="0000-0003-1128-5155",
                   openalex_id="https://openalex.org/A5023888391")
    assert author_uid(s) == "openreview:~Yiqing_Xie1"
    s.openreview_id = "/y/yiqing-xie/"  # an ACL path is not an OpenReview id
    assert author_uid(s) == "orcid:0000-0003-1128-5155"
    s.orcid = None
    assert author_uid(s) == "openalex:A5023888391"
    s.openalex_id = None
    s.name = "Yíqing  Xie"
    assert author_uid(s) == "name:yiqing xie"


def test_authorship_and_institution_uid():
    assert authorship_uid("abc", 3) == "abc#3"
    assert institution_uid(InstitutionRef(name="X", ror="https://ror.org/05x2bcf33/")) == "ror:05x2bcf33"
    assert institution_uid(InstitutionRef(name="X", openalex_id="https://openalex.org/I114027177")) == \
        "openalex:I114027177"
    assert institution_uid(InstitutionRef(name="Université de Lyon")) == "name:universite de lyon"


# --------------------------------------------------------------------------- real data


def uids_by(path, parser):
    out = defaultdict(list)
    for r in parser.parse(path):
        assert isinstance(r, PaperRecord)
        out[paper_uid(r)].append(r)
    return out


@needs_data
def test_nips2018_uids_distinct():
    by = uids_by(DATA / "paperlists" / "nips2018.json", paperlists)
    assert sum(len(v) for v in by.values()) == 1009 and len(by) == 1009


@needs_data
def test_nips2017_three_duplicates_merge():
    by = uids_by(DATA / "paperlists" / "nips2017.json", paperlists)
    assert sum(len(v) for v in by.values()) == 691 and len(by) == 688
    dups = sorted(sorted(r.source_id for r in v) for v in by.values() if len(v) > 1)
    assert dups == [["10008", "9253"], ["10058", "9161"], ["10118", "9450"]]
    for v in by.values():
        if len(v) > 1:  # one of each pair separates its authors with ", "
            assert [a.name for a in v[0].authors] == [a.name for a in v[1].authors]


@needs_data
def test_nips2024_case_only_title_twins_stay_apart():
    by = uids_by(DATA / "neurips2024" / "nips2024_virtual.jsonl", neurips_virtual)
    assert len(by) == 4553
    by_title = defaultdict(list)
    for v in by.values():
        by_title[normalize_title(v[0].title)].append(v[0])
    twins = [v for v in by_title.values() if len(v) > 1]
    assert len(twins) == 1
    a, b = twins[0]
    assert a.title != b.title and a.title.lower() == b.title.lower()
    assert a.title.startswith("Reproducibility") and paper_uid(a) != paper_uid(b)
    assert {x.name for x in a.authors}.isdisjoint({x.name for x in b.authors})


@needs_data
@pytest.mark.parametrize("name, n", [("colm2025.json", 418), ("naacl2024.json", 912)])
def test_other_paperlists_uids_distinct(name, n):
    by = uids_by(DATA / "paperlists" / name, paperlists)
    assert sum(len(v) for v in by.values()) == n and len(by) == n


@needs_data
def test_colm_author_uids_use_openreview_ids():
    out = list(paperlists.parse(DATA / "paperlists" / "colm2025.json"))
    uids = [author_uid(a) for r in out for a in r.authors]
    assert all(u.startswith("openreview:~") for u in uids)
