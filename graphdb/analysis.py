"""The main job, as library functions: find or fetch datasets, load, resolve, extract models, run the
analyses, write networks and the report. The CLI's ``demo``, ``report`` and ``viz`` call these."""

from __future__ import annotations

import datetime as _dt
import os
import re
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from . import queries
from .errors import DataError

Say = Callable[[str], None]

# Public files the demo fetches when no data directory is given (Paper Copilot on GitHub).
DOWNLOADS = {
    "paperlists/nips2018.json": "https://raw.githubusercontent.com/papercopilot/paperlists/main/nips/nips2018.json",
    "paperlists/colm2025.json": "https://raw.githubusercontent.com/papercopilot/paperlists/main/colm/colm2025.json",
}


def _quiet(_: str) -> None:
    pass


def find_datasets(data_dir: Path) -> list[tuple[str, Path]]:
    """(source, path) for every file of a known shape under data_dir, in a stable order."""
    found: list[tuple[str, Path]] = []
    for p in sorted(data_dir.rglob("*")):
        if not p.is_file():
            continue
        name = p.name.lower()
        if name.endswith(".json") and re.match(r"^[a-z]+\d{4}\.json$", name):
            found.append(("paperlists", p))
        elif name.endswith(".jsonl") and ("virtual" in name or "neurips" in name or "nips" in name):
            found.append(("neurips-virtual", p))
    return found


def download(dest: Path, urls: dict[str, str] | None = None, say: Say = _quiet, timeout: float = 60) -> list[Path]:
    """Fetch the public files into dest (skipping those already there); raises DataError naming the URL."""
    got = []
    for rel, url in (urls or DOWNLOADS).items():
        target = dest / rel
        if target.exists() and target.stat().st_size > 0:
            got.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        say(f"downloading {url}")
        tmp = target.with_suffix(target.suffix + ".part")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r, open(tmp, "wb") as f:
                while chunk := r.read(1 << 16):
                    f.write(chunk)
        except OSError as e:
            tmp.unlink(missing_ok=True)
            raise DataError(f"cannot download {url}: {e}", hint="pass --data DIR or set GRAPHDB_DATA_DIR") from e
        tmp.rename(target)
        got.append(target)
    return got


@dataclass
class DataChoice:
    datasets: list[tuple[str, Path]]
    origin: str
    synthetic: bool = False


def choose_data(data: str | None, cache_dir: Path, say: Say = _quiet, synth_papers: int = 3000) -> DataChoice:
    """--data, else $GRAPHDB_DATA_DIR, else the cache (downloading), else a generated SYNTHETIC sample."""
    for origin, d in (("--data", data), ("GRAPHDB_DATA_DIR", os.environ.get("GRAPHDB_DATA_DIR"))):
        if d:
            ds = find_datasets(Path(d))
            if not ds:
                raise DataError(f"{d} ({origin}) holds no paperlists (*.json) or NeurIPS virtual (*.jsonl) files")
            return DataChoice(ds, f"{origin}={d}")
    cache = cache_dir / "data"
    try:
        download(cache, say=say)
        return DataChoice(find_datasets(cache), f"downloaded to {cache}")
    except DataError as e:
        say(f"{e}; using a generated sample instead (marked SYNTHETIC)")
    from .synth import write_paperlists

    path = cache / "synthetic" / "synth2024.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_paperlists(path, synth_papers, seed=7)
    return DataChoice([("paperlists", path)], f"SYNTHETIC sample {path}", synthetic=True)


# ---------------------------------------------------------------- analyses
def run(db, name: str, **params: Any) -> pd.DataFrame:
    return queries.run(db, queries.load_query(name), {k: v for k, v in params.items() if v is not None})


@dataclass
class Analyses:
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    coverage: dict[str, Any] = field(default_factory=dict)
    provenance: dict[str, str] = field(default_factory=dict)


def analyse(db, *, a: str = "US", b: str = "greater-china", say: Say = _quiet) -> Analyses:
    from .provenance import datasets
    from .resolution import coverage

    out = Analyses()
    plan: list[tuple[str, str, dict[str, Any]]] = [
        ("cross_border", "cross_border_share", {"a": a, "b": b}),
        ("counting_rules", "collaboration_by_counting_rule", {"a": a, "b": "CN"}),
        ("trend", "trend", {"a": a, "b": b}),
        ("country_summary", "country_summary", {"top": 40}),
        ("country_pairs", "country_pairs", {}),
        ("institution_pairs", "institution_pairs", {"a": a, "b": b, "top": 40}),
        ("bridge_authors", "bridge_authors", {"a": a, "b": b, "top": 40}),
        ("model_reuse", "model_reuse", {"country": b, "min_papers": 3}),
        ("model_adoption", "model_adoption_by_country", {}),
        ("diffusion_lag", "model_diffusion_lag", {"min_papers": 2}),
    ]
    for key, qname, params in plan:
        say(f"running {qname}")
        out.tables[key] = run(db, qname, **params)
    out.coverage = coverage(db)
    ds = datasets(db)
    cov = out.coverage.get("coverage")
    out.provenance = {
        "sources": "; ".join(f"{d['source']}: {d['file']} ({d['papers']} papers, loaded {str(d['loaded_at'])[:19]})"
                             for d in ds) or "none",
        "counting rule": "full counting over author slots: a paper counts for a country if any of its author "
                         "slots is placed there; groups (greater-china = CN+HK+MO+TW) applied at query time; "
                         "95% Wilson intervals",
        "affiliation resolution": (f"{out.coverage.get('aff_with_country', 0):,} of "
                                   f"{out.coverage.get('with_affiliation', 0):,} author slots with an affiliation "
                                   f"have a country ({100 * cov:.1f}%)" if cov is not None else "n/a")
                                  + "; layers: " + ", ".join(f"{k} {v:,}" for k, v in out.coverage.get("by_layer", {}).items()),
        "generated": _dt.datetime.now().isoformat(timespec="seconds"),
        "tool": "graphdb (Neo4j 5.26 Community)",
    }
    return out


def networks(db, an: Analyses, out_dir: Path, *, a: str = "US", b: str = "greater-china",
             synthetic: bool = False) -> dict[str, str]:
    """The network pages; returns label -> path relative to out_dir."""
    from .viz.network import country_network, institution_network, model_network

    prov = f"{an.provenance.get('sources', '')} | {an.provenance.get('counting rule', '')[:60]}..."
    pages: dict[str, str] = {}
    cs = an.tables["country_summary"]
    pairs = an.tables["country_pairs"]
    if len(pairs):
        country_network(pairs, cs[["country", "name", "papers"]], out=out_dir / "countries.html",
                        title="Country co-authorship network", provenance=prov, synthetic=synthetic)
        pages["Countries"] = "countries.html"
    ip = an.tables["institution_pairs"]
    if len(ip):
        institution_network(ip, out=out_dir / "institutions.html",
                            title=f"Institutions linking {a} and {b}", provenance=prov, synthetic=synthetic)
        pages[f"Institutions {a} x {b}"] = "institutions.html"
    ad = an.tables["model_adoption"]
    if len(ad):
        rows = ad.rename(columns={"country": "paper_country"})[["model", "model_country", "paper_country", "papers"]]
        model_network(rows, min_papers=2, out=out_dir / "models.html", title="Models and the countries that use them",
                      provenance=prov, synthetic=synthetic)
        pages["Models"] = "models.html"
    return pages


def write_full_report(an: Analyses, out_dir: Path, pages: dict[str, str], *, a: str = "US",
                      b: str = "greater-china", synthetic: bool = False) -> Path:
    from .report import Section, write_report

    def flat(df: pd.DataFrame) -> pd.DataFrame:
        """List cells (venues, titles, partners) as text, so tables and CSVs read well."""
        df = df.copy()
        for col in df.columns:
            if df[col].map(lambda v: isinstance(v, list)).any():
                df[col] = df[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, list) else v)
        return df

    t = {k: flat(v) for k, v in an.tables.items()}
    cov = pd.DataFrame([{"layer": k, "author_slots": v} for k, v in an.coverage.get("by_layer", {}).items()])
    sections = [
        Section("cross_border", f"Papers with authors in {a} and {b}, by venue and year",
                "Full counting over author slots; share with a 95% Wilson interval; coverage is the share of "
                "author slots whose country is known.", t["cross_border"], chart="ci"),
        Section("counting_rules", f"The same question under other counting rules ({a} x CN)",
                "Side by side: any author slot, fractional, first/last author, one author with both "
                "affiliations, strictly bilateral papers, and CN widened to greater China.", t["counting_rules"]),
        Section("trend", f"{a} x {b} share by year", "Pooled over the venues loaded.", t["trend"], chart="line",
                x="year", y="share", lo="ci_low", hi="ci_high", series="b"),
        Section("country_summary", "Countries: papers, single- and multi-country papers (MCP ratio)",
                "A paper counts for every country on it.", t["country_summary"], chart="bar",
                x="country", y="papers"),
        Section("country_pairs", "Country pairs", "Full and fractional co-authored papers.", t["country_pairs"]),
        Section("institution_pairs", f"Institution pairs linking {a} and {b}", "Papers per pair.",
                t["institution_pairs"]),
        Section("bridge_authors", f"Authors with affiliations in both {a} and {b}",
                "Identified by OpenReview id, ORCID or OpenAlex id where the source gives one, else by name: "
                "check the papers before quoting a name.", t["bridge_authors"]),
        Section("model_reuse", "Model reuse: where the papers that use each model come from",
                f"home_only / mixed / foreign_only relative to the model's country; with_country = papers with "
                f"an author in {b}.", t["model_reuse"]),
        Section("diffusion_lag", "Diffusion lag: years from release to first use per country",
                "Bounded by the venues and years loaded.", t["diffusion_lag"]),
        Section("resolver_coverage", "Affiliation resolution: author slots by the layer that placed them",
                "source, table, learned, geo, domain; 'none' = no country.", cov, chart="bar",
                x="layer", y="author_slots"),
    ]
    return write_report(sections, out_dir, title="graphdb report: cross-border collaboration in AI research",
                        provenance=an.provenance, networks=pages, synthetic=synthetic)


def headlines(an: Analyses, *, a: str = "US", b: str = "greater-china") -> list[str]:
    out = []
    cb = an.tables["cross_border"]
    if len(cb):
        r = cb.sort_values(["papers"], ascending=False).iloc[0]
        out.append(f"{r.venue} {r.year}: {r.both:,} of {r.papers:,} papers ({100 * r.share:.1f}%, 95% CI "
                   f"{100 * r.ci_low:.1f}-{100 * r.ci_high:.1f}%) have authors in {a} and {b}")
    cr = an.tables["counting_rules"]
    if len(cr):
        r = cr.sort_values(["papers"], ascending=False).iloc[0]
        out.append(f"{r.venue} {r.year}, {a} x CN by rule: any author {r.any_slot}, first/last author {r.first_last}, "
                   f"fractional {r.fractional}, strictly bilateral {r.only_a_b}, with HK/MO/TW {r.any_slot_greater_china}")
    cov = an.coverage
    if cov.get("coverage") is not None:
        out.append(f"affiliations resolved to a country: {100 * cov['coverage']:.1f}% of "
                   f"{cov['with_affiliation']:,} author slots with an affiliation")
    return out
