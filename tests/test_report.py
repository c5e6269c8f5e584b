"""The HTML report: tables, CSVs, charts, provenance, offline-ness, and a headless Chromium render."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from graphdb.report import ReportError, Section, chart_svg, write_report

try:  # tests/ may or may not be a package
    from .browser_util import Chromium, png_colours, require_chromium
except ImportError:
    from browser_util import Chromium, png_colours, require_chromium  # type: ignore[no-redef]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

PROVENANCE = {
    "Sources": "OpenReview (NeurIPS 2023-2024), OpenAlex",
    "Load date": "2025-01-15",
    "Counting rule": "full counting: a paper counts once for each country of its authors",
    "Resolver coverage": "96.1% of author slots have a country",
}
NETWORKS = {"Country network": "networks/countries.html", "Model reuse": "networks/models.html"}


def sections() -> list[Section]:
    headline = pd.DataFrame({
        "venue": ["NeurIPS", "NeurIPS", "ICML", "ICML"], "year": [2023, 2024, 2023, 2024],
        "papers": [3540, 4494, 2610, 2900], "cross_border": [708, 1033, 470, 580],
        "share": [0.2, 0.2299, 0.18, 0.2], "ci_low": [0.187, 0.2177, 0.1655, 0.1856],
        "ci_high": [0.2136, 0.2425, 0.195, 0.2149]})
    sensitivity = pd.DataFrame({"rule": ["full", "fractional", "first-author", "any-author"],
                                "us_cn_papers": [310, 122.4, 95, 310], "share": [0.041, 0.016, 0.013, 0.041]})
    summary = pd.DataFrame({"country": ["US", "CN", "GB"], "name": ["United States", "China", "United Kingdom"],
                            "papers": [4200, 2900, 800], "mcp": [900, 700, 400], "mcp_ratio": [0.214, 0.241, 0.5]})
    inst = pd.DataFrame({"inst_a": ["MIT", "Google"], "country_a": ["US", "US"], "inst_b": ["Tsinghua", "ETH <Zurich>"],
                         "country_b": ["CN", "CH"], "papers": [12, 9]})
    bridges = pd.DataFrame({"author": ["A. Author", "B. Author"], "countries": ["US;CN", "GB;DE;FR"], "papers": [7, 5]})
    models = pd.DataFrame({"model": ["Llama 2", "Qwen"], "model_country": ["US", "CN"], "papers": [120, 40],
                           "foreign_papers": [70, 12], "foreign_share": [0.583, 0.3]})
    lag = pd.DataFrame({"model": ["Llama 2", "Qwen"], "model_country": ["US", "CN"],
                        "first_foreign_year": [2023, 2024], "lag_years": [0.4, 1.1]})
    coverage = pd.DataFrame({"stage": ["institution", "country"], "slots": [10000, 10000], "resolved": [9100, 9610],
                             "share": [0.91, 0.961]})
    return [
        Section("headline", "Cross-border papers by venue and year",
                "Share of papers with authors in two or more countries, with 95% Wilson intervals.", headline, "ci"),
        Section("headline_trend", "Cross-border share over time", "One line per venue.", headline, "line"),
        Section("sensitivity", "Counting-rule sensitivity", "US-CN papers under each counting rule.", sensitivity,
                "bar"),
        Section("countries", "Country summary", "Papers and multi-country papers (MCP ratio).", summary, "bar",
                y="mcp_ratio"),
        Section("institution_pairs", "Institution pairs", "Most frequent cross-border institution pairs.", inst),
        Section("bridge_authors", "Bridge authors", "Authors with affiliations in several countries.", bridges),
        Section("model_reuse", "Model reuse", "Papers mentioning each model, and the share from abroad.", models,
                "bar", y="foreign_share"),
        Section("diffusion_lag", "Diffusion lag", "Years from release to first use abroad.", lag, "bar"),
        Section("resolver_coverage", "Resolver coverage", "How many author slots were resolved.", coverage, "bar"),
    ]


def external_refs(html: str) -> list[str]:
    refs = re.findall(r"<(?:script|link|img|iframe|source|image|use)\b[^>]*?\b(?:src|href|xlink:href)\s*=\s*[\"']"
                      r"([^\"']+)", html, flags=re.I)
    bad = [r for r in refs if re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", r, flags=re.I) and not r.startswith("data:")]
    bad += re.findall(r"@import[^;]*", html)
    bad += re.findall(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", html)
    return bad


@pytest.fixture()
def report(tmp_path: Path) -> Path:
    return write_report(sections(), tmp_path / "report", title="Cross-border AI research", provenance=PROVENANCE,
                        networks=NETWORKS, synthetic=True)


def test_report_contains_every_table_and_csv(report: Path):
    html = report.read_text(encoding="utf-8")
    for s in sections():
        assert f'id="{s.key}"' in html and f'id="table-{s.key}"' in html, s.key
        assert f'href="{s.key}.csv"' in html
        csv = report.parent / f"{s.key}.csv"
        assert csv.exists()
        back = pd.read_csv(csv)
        assert list(back.columns) == list(s.table.columns)
        assert len(back) == len(s.table)
        pd.testing.assert_frame_equal(back, s.table, check_dtype=False)
    assert html.count("<svg") == 7  # every section with a chart
    assert "ETH &lt;Zurich&gt;" in html and "ETH <Zurich>" not in html


def test_report_banner_provenance_and_links(report: Path):
    html = report.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA" in html
    for k, v in PROVENANCE.items():
        assert f"<dt>{k}</dt><dd>{v}</dd>" in html
    for label, href in NETWORKS.items():
        assert f'<a href="{href}">{label}</a>' in html


def test_report_is_offline_and_deterministic(report: Path, tmp_path: Path):
    html = report.read_text(encoding="utf-8")
    assert external_refs(html) == []
    assert "<script" not in html.lower()
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    again = write_report(sections(), tmp_path / "again", title="Cross-border AI research", provenance=PROVENANCE,
                         networks=NETWORKS, synthetic=True)
    assert again.read_bytes() == report.read_bytes()


def test_not_synthetic_has_no_banner(tmp_path: Path):
    html = write_report(sections()[:1], tmp_path, title="t", provenance={"Sources": "x"}, networks={}).read_text()
    assert "SYNTHETIC DATA" not in html


def test_report_errors(tmp_path: Path):
    df = pd.DataFrame({"a": ["x"], "v": [1.0]})
    with pytest.raises(ReportError, match="key"):
        write_report([Section("Bad Key", "t", "i", df)], tmp_path, title="t", provenance={}, networks={})
    with pytest.raises(ReportError, match="twice"):
        write_report([Section("a", "t", "i", df), Section("a", "t", "i", df)], tmp_path, title="t", provenance={},
                     networks={})
    with pytest.raises(ReportError, match="unknown chart"):
        write_report([Section("a", "t", "i", df, "pie")], tmp_path, title="t", provenance={}, networks={})
    with pytest.raises(ReportError, match="relative"):
        write_report([Section("a", "t", "i", df)], tmp_path, title="t", provenance={},
                     networks={"x": "https://example.org/n.html"})
    with pytest.raises(ReportError, match="no column"):
        chart_svg(Section("a", "t", "i", df, "bar", y="missing"))


def test_text_only_and_empty_sections(tmp_path: Path):
    page = write_report([Section("words", "Words", "Only text."),
                         Section("nothing", "Nothing", "No rows.", pd.DataFrame({"a": []}), "bar")],
                        tmp_path, title="t", provenance={}, networks={})
    html = page.read_text()
    assert "Only text." in html and "No rows." in html
    assert (tmp_path / "nothing.csv").exists() and not (tmp_path / "words.csv").exists()


@pytest.mark.browser
def test_report_renders_in_chromium(report: Path):
    binary = require_chromium()
    with Chromium(binary, height=2400) as browser:
        page = browser.load(report, screenshot=ARTIFACTS / "report.png",
                            evaluate={"tables": "document.querySelectorAll('table').length",
                                      "svgs": "document.querySelectorAll('.chart svg').length",
                                      "banner": "document.querySelector('.synthetic-banner').innerText"})
    assert page.console_errors == []
    assert page.external_requests() == []
    assert page.values["tables"] == len(sections())
    assert page.values["svgs"] == 7
    assert "SYNTHETIC DATA" in page.values["banner"]
    assert png_colours(page.screenshot) > 20
