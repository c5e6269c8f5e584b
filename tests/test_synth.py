"""Synthetic paperlists files: deterministic, in the real files' shape, read back by the parser."""

from __future__ import annotations

import json
from collections import Counter

import click
from click.testing import CliRunner
from graphdb.loaders import paperlists
from graphdb.loaders.identity import author_uid
from graphdb.loaders.records import PaperRecord, Reject

from graphdb.cli_scale import register
from graphdb.synth import records, write_paperlists

FIELDS = {"id", "title", "abstract", "author", "aff", "aff_unique_norm", "aff_unique_index",
          "aff_country_unique", "aff_country_unique_index", "status", "track"}


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    a, b, c = tmp_path / "a2024.json", tmp_path / "b2024.json", tmp_path / "c2024.json"
    write_paperlists(a, 300, seed=7)
    write_paperlists(b, 300, seed=7)
    write_paperlists(c, 300, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_fields_and_same_shape_tokens(tmp_path):
    out = tmp_path / "nips2024_synth.json"
    res = write_paperlists(out, 500, seed=3)
    data = json.loads(out.read_text())
    assert len(data) == 500 == res["papers"]
    assert sum(len(r["author"].split(";")) for r in data) == res["author_slots"]
    for r in data:
        assert set(r) == FIELDS
        n = len(r["author"].split(";"))
        for k in ("aff", "aff_unique_index", "aff_country_unique_index"):
            assert len(r[k].split(";")) == n, (k, r)
        for ii, cc in zip(r["aff_unique_index"].split(";"), r["aff_country_unique_index"].split(";"), strict=True):
            assert len(ii.split("+")) == len(cc.split("+"))  # institutions paired with countries


def test_parser_reads_it_back_with_per_slot_countries(tmp_path):
    out = tmp_path / "nips2024_synth.json"
    res = write_paperlists(out, 2000, seed=1)
    recs = list(paperlists.parse(out))
    assert not [r for r in recs if isinstance(r, Reject)]
    papers = [r for r in recs if isinstance(r, PaperRecord)]
    assert len(papers) == 2000
    assert all(p.venue == "NeurIPS" and p.year == 2024 for p in papers)
    slots = [s for p in papers for s in p.authors]
    assert len(slots) == res["author_slots"]
    modes = Counter(p.extra["country_alignment"] for p in papers)
    assert modes["same-shape"] >= 1990  # the rest: papers whose every slot lacks an affiliation
    with_country = sum(1 for s in slots if s.countries)
    assert 0.95 < with_country / len(slots) < 0.995  # about 2% of slots without an affiliation
    multi_aff = sum(1 for s in slots if len(s.institutions) > 1)
    assert 0.02 < multi_aff / len(slots) < 0.08  # about 5% multi-affiliation


def test_distributions_look_like_neurips():
    recs = list(records(5000, seed=2))
    n_auth = [len(r["author"].split(";")) for r in recs]
    assert 4.5 < sum(n_auth) / len(n_auth) < 5.5
    assert min(n_auth) >= 1 and max(n_auth) <= 40
    share = Counter()
    multi = 0
    for r in recs:
        cs = set(r["aff_country_unique"].split(";")) - {""}
        share.update(cs)
        multi += len(cs) > 1
    assert share.most_common(2)[0][0] == "United States" and share.most_common(2)[1][0] == "China"
    assert 0.5 < share["United States"] / len(recs) < 0.75
    assert 0.2 < share["China"] / len(recs) < 0.45
    assert 0.25 < multi / len(recs) < 0.55
    # heavy tail: a few authors on many papers, most on one or two
    per_author = Counter()
    for r in recs:
        for rec in [paperlists.parse_record(r, venue="NeurIPS", year=2024)]:
            per_author.update(author_uid(s) for s in rec.authors)
    counts = sorted(per_author.values(), reverse=True)
    assert counts[0] >= 15
    assert sum(1 for c in counts if c <= 2) / len(counts) > 0.6
    # repeat collaborations: some author pairs meet on several papers
    pairs = Counter()
    for r in recs:
        names = sorted(set(r["author"].split(";")))
        pairs.update((a, b) for i, a in enumerate(names) for b in names[i + 1:])
    assert sum(1 for c in pairs.values() if c >= 3) > 50
    # a few exact repeats under another id, as in real files
    titles = Counter(r["title"] for r in recs)
    assert 1 <= sum(c - 1 for c in titles.values()) <= 40


def test_cli_synth(tmp_path):
    @click.group()
    def cli():
        pass

    register(cli)
    out = tmp_path / "x2024.json"
    r = CliRunner().invoke(cli, ["synth", "--papers", "50", "--out", str(out), "--seed", "4"])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("wrote 50 papers (")
    assert len(json.loads(out.read_text())) == 50
    r = CliRunner().invoke(cli, ["synth", "--papers", "-1", "--out", str(out)])
    assert r.exit_code == 2
