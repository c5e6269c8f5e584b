"""The report of the main job: one self-contained HTML page plus one CSV per table.

The page carries its CSS inline and its charts as inline SVG (matplotlib, Agg backend); it
loads nothing from anywhere. Each section is a :class:`Section` (a table and optionally a chart).
The same input gives the same bytes (no timestamp unless the caller puts one in ``provenance``;
matplotlib's SVG ids are salted with a constant and its date metadata is switched off).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, select_autoescape

__all__ = ["Section", "write_report", "chart_svg", "ReportError", "CHART_KINDS"]

CHART_KINDS = ("bar", "line", "ci")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_LABEL_NUMERIC = {"year", "month", "rank", "position"}  # numeric columns that are labels, not measures
_Y_NAMES = ("share", "value", "rate", "ratio", "mcp_ratio", "papers", "count", "lag_years", "lag", "median")
_LO_NAMES = ("ci_low", "ci_lo", "ci_lower", "lower", "low", "lo")
_HI_NAMES = ("ci_high", "ci_hi", "ci_upper", "upper", "high", "hi")
# Okabe & Ito, as in graphdb.viz
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


class ReportError(ValueError):
    """A section cannot be rendered as asked (bad key, unknown chart, missing column)."""


@dataclass
class Section:
    """One part of the report.

    ``chart`` is None, "bar" (label columns -> one measure), "line" (x = year, one line per
    series) or "ci" (a share with its 95% confidence interval as error bars). Columns are
    inferred (see :func:`chart_svg`) unless named with ``x``, ``y``, ``lo``, ``hi``, ``series``.
    ``max_rows`` limits the rows shown on the page; the CSV always has all of them.
    """

    key: str
    title: str
    intro: str
    table: pd.DataFrame | None = None
    chart: str | None = None
    x: str | None = None
    y: str | None = None
    lo: str | None = None
    hi: str | None = None
    series: str | None = None
    note: str | None = None
    max_rows: int = 200


# ---------------------------------------------------------------------------------------------
# charts


def _is_measure(df: pd.DataFrame, col: str) -> bool:
    return pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(df[col]) \
        and col.lower() not in _LABEL_NUMERIC


def _first(df: pd.DataFrame, names: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in df.columns}
    for n in names:
        if n in lower:
            return lower[n]
    return None


def _pick_y(df: pd.DataFrame, exclude: set[str]) -> str:
    c = _first(df, [n for n in _Y_NAMES if n not in exclude])
    if c and c not in exclude and _is_measure(df, c):
        return c
    measures = [c for c in df.columns if c not in exclude and _is_measure(df, c)]
    if not measures:
        raise ReportError("no numeric column to chart")
    return measures[0]


def _labels(df: pd.DataFrame, exclude: set[str]) -> pd.Series:
    cols = [c for c in df.columns if c not in exclude and not _is_measure(df, c)]
    if not cols:
        return pd.Series([str(i + 1) for i in range(len(df))], index=df.index)
    return df[cols].astype(str).agg(" ".join, axis=1)


def _mpl():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    matplotlib.rcParams.update({
        "svg.hashsalt": "graphdb-report",  # deterministic ids
        "svg.fonttype": "none",            # text stays text (smaller, selectable)
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    })
    return plt


def _percent_axis(values: pd.Series) -> bool:
    v = pd.to_numeric(values, errors="coerce").dropna()
    return len(v) > 0 and v.min() >= 0 and v.max() <= 1


def chart_svg(section: Section) -> str:
    """The section's chart as an inline <svg> element (no XML prolog, no external reference).

    Inference when columns are not named: y = the first of share/value/rate/ratio/papers/count
    (else the first numeric column); lo/hi = ci_low/ci_high (or lower/upper, lo/hi); labels =
    the non-numeric columns plus ``year``; for "line", x = ``year`` and series = the first
    non-numeric column.
    """
    df = section.table
    if df is None or df.empty:
        raise ReportError(f"section {section.key}: a chart needs a non-empty table")
    kind = section.chart
    if kind not in CHART_KINDS:
        raise ReportError(f"section {section.key}: unknown chart {kind!r} (one of {', '.join(CHART_KINDS)})")
    for name in (section.x, section.y, section.lo, section.hi, section.series):
        if name is not None and name not in df.columns:
            raise ReportError(f"section {section.key}: no column {name!r} in the table")
    plt = _mpl()
    lo = section.lo or _first(df, _LO_NAMES)
    hi = section.hi or _first(df, _HI_NAMES)
    try:
        if kind == "line":
            fig = _line_chart(plt, df, section, lo, hi)
        else:
            fig = _bar_chart(plt, df, section, lo if kind == "ci" else None, hi if kind == "ci" else None)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    finally:
        plt.close("all")
    svg = buf.getvalue()
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    return svg.strip()


def _bar_chart(plt, df: pd.DataFrame, section: Section, lo: str | None, hi: str | None):
    exclude = {c for c in (lo, hi) if c}
    y = section.y or _pick_y(df, exclude)
    exclude.add(y)
    labels = df[section.x].astype(str) if section.x else _labels(df, exclude)
    d = df.assign(_label=labels.values).head(40)
    vals = pd.to_numeric(d[y], errors="coerce").fillna(0.0)
    height = max(1.6, 0.28 * len(d) + 0.8)
    fig, ax = plt.subplots(figsize=(7.2, height))
    pos = list(range(len(d)))[::-1]
    if lo and hi:
        lo_v = pd.to_numeric(d[lo], errors="coerce")
        hi_v = pd.to_numeric(d[hi], errors="coerce")
        err = [(vals - lo_v).clip(lower=0).fillna(0).to_numpy(), (hi_v - vals).clip(lower=0).fillna(0).to_numpy()]
        ax.errorbar(vals, pos, xerr=err, fmt="o", color=_COLOURS[0], ecolor="#555555", capsize=3, markersize=4)
        ax.set_xlabel(f"{y} (95% CI: {lo} – {hi})")
        pct = _percent_axis(pd.concat([vals, lo_v, hi_v]))
    else:
        ax.barh(pos, vals, color=_COLOURS[0])
        ax.set_xlabel(y)
        pct = _percent_axis(vals) and y.lower() in ("share", "rate")
    if pct:
        from matplotlib.ticker import PercentFormatter

        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_yticks(pos)
    ax.set_yticklabels([_short(s) for s in d["_label"]])
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig


def _line_chart(plt, df: pd.DataFrame, section: Section, lo: str | None, hi: str | None):
    x = section.x or _first(df, ("year", "month", "date")) or next(
        (c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])), None)
    if x is None:
        raise ReportError(f"section {section.key}: no x column (year) for a line chart")
    exclude = {c for c in (x, lo, hi) if c}
    y = section.y or _pick_y(df, exclude)
    series = section.series or next(
        (c for c in df.columns if c not in exclude | {y} and not _is_measure(df, c) and c.lower() not in _LABEL_NUMERIC),
        None)
    fig, ax = plt.subplots(figsize=(7.2, 3.4))
    groups = [("", df)] if series is None else list(df.groupby(series, sort=True))
    for i, (name, g) in enumerate(groups[:12]):
        g = g.sort_values(x)
        colour = _COLOURS[i % len(_COLOURS)]
        ax.plot(g[x], pd.to_numeric(g[y], errors="coerce"), marker="o", markersize=3, color=colour,
                label=str(name) if series else None)
        if lo and hi:
            ax.fill_between(g[x], pd.to_numeric(g[lo], errors="coerce"), pd.to_numeric(g[hi], errors="coerce"),
                            color=colour, alpha=0.15, linewidth=0)
    if series:
        ax.legend(frameon=False, fontsize=8, ncol=2)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    if pd.api.types.is_integer_dtype(df[x]):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if _percent_axis(df[y]) and y.lower() in ("share", "rate"):
        from matplotlib.ticker import PercentFormatter

        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.grid(color="#e0e0e0", linewidth=0.6)
    return fig


def _short(s: str, n: int = 48) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------
# tables


def _format_cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.1f}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}" if abs(v) >= 10000 else str(v)
    try:
        if pd.isna(v):  # type: ignore[arg-type]
            return ""
    except (TypeError, ValueError):
        pass
    return str(v)


def _column_formatter(col: pd.Series):
    """One number format per float column: integers without decimals, else 3 (or 1) decimals."""
    if not pd.api.types.is_float_dtype(col):
        return _format_cell
    v = col.dropna()
    if len(v) and (v == v.round()).all():
        return lambda x: "" if pd.isna(x) else f"{x:,.0f}"
    digits = 1 if len(v) and v.abs().max() >= 1000 else 3
    return lambda x: "" if pd.isna(x) else f"{x:,.{digits}f}"


def _table_rows(df: pd.DataFrame, max_rows: int) -> list[list[str]]:
    head = df.head(max_rows)
    fmts = [_column_formatter(head[c]) for c in head.columns]
    return [[f(v) for f, v in zip(fmts, row, strict=True)] for row in head.itertuples(index=False, name=None)]


def _numeric_columns(df: pd.DataFrame) -> list[bool]:
    return [pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c]) for c in df.columns]


# ---------------------------------------------------------------------------------------------
# page

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f1f1f; margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 48px 24px; }
h1 { font-size: 1.6rem; margin: 16px 0 8px 0; }
h2 { font-size: 1.2rem; margin: 32px 0 6px 0; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.synthetic-banner { background: #b00020; color: #fff; font-weight: 700; text-align: center; padding: 8px; letter-spacing: 0.05em; }
.provenance { background: #f6f6f6; border: 1px solid #ddd; border-radius: 4px; padding: 8px 14px; font-size: 0.88rem; }
.provenance dt { font-weight: 600; float: left; clear: left; width: 13em; }
.provenance dd { margin: 0 0 4px 13.5em; }
nav ul, .networks ul { padding-left: 1.2em; margin: 4px 0; }
.intro { margin: 4px 0 8px 0; }
.note { font-size: 0.85rem; color: #555; }
.chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 0.84rem; margin: 8px 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; }
th { background: #f0f0f0; text-align: left; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafafa; }
.table-wrap { max-height: 560px; overflow: auto; border: 1px solid #eee; display: inline-block; max-width: 100%; }
.csv { font-size: 0.85rem; }
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>{{ css|safe }}</style>
</head>
<body>
{% if synthetic %}<div class="synthetic-banner" role="alert">SYNTHETIC DATA — not real papers, authors or institutions</div>
{% endif %}<main>
<h1>{{ title }}</h1>
<section class="provenance" id="provenance" aria-label="Provenance">
<dl>
{% for k, v in provenance %}<dt>{{ k }}</dt><dd>{{ v }}</dd>
{% endfor %}</dl>
</section>
<nav aria-label="Contents"><h2>Contents</h2><ul>
{% for s in sections %}<li><a href="#{{ s.key }}">{{ s.title }}</a></li>
{% endfor %}{% if networks %}<li><a href="#networks">Networks</a></li>
{% endif %}</ul></nav>
{% for s in sections %}<section id="{{ s.key }}" class="report-section">
<h2>{{ s.title }}</h2>
{% if s.intro %}<p class="intro">{{ s.intro }}</p>
{% endif %}{% if s.svg %}<div class="chart">{{ s.svg|safe }}</div>
{% endif %}{% if s.columns %}<div class="table-wrap"><table id="table-{{ s.key }}" data-rows="{{ s.n_rows }}">
<thead><tr>{% for c in s.columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in s.rows %}<tr>{% for v in row %}<td{% if s.numeric[loop.index0] %} class="num"{% endif %}>{{ v }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table></div>
<p class="csv">{% if s.n_rows > s.shown %}Showing {{ s.shown }} of {{ s.n_rows }} rows. {% endif %}All rows: <a href="{{ s.csv }}">{{ s.csv }}</a></p>
{% elif s.has_table %}<p class="note">No rows. <a href="{{ s.csv }}">{{ s.csv }}</a></p>
{% endif %}{% if s.note %}<p class="note">{{ s.note }}</p>
{% endif %}</section>
{% endfor %}{% if networks %}<section id="networks" class="networks">
<h2>Networks</h2>
<ul>
{% for label, href in networks %}<li><a href="{{ href }}">{{ label }}</a></li>
{% endfor %}</ul>
</section>
{% endif %}</main>
</body>
</html>
"""


def _check_relative(href: str) -> str:
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href) or href.startswith("//"):
        raise ReportError(f"network link {href!r} must be a relative path (the report stays offline)")
    return href


def write_report(sections: list[Section], out_dir: Path, *, title: str, provenance: Mapping[str, str],
                 networks: Mapping[str, str] | None = None, synthetic: bool = False) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/<key>.csv`` per table; return the page's path.

    ``provenance`` (e.g. sources, load date, counting rule, resolver coverage) is shown in order
    at the top; ``networks`` maps a label to a page path relative to ``out_dir``. With
    ``synthetic`` every page carries a "SYNTHETIC DATA" banner. Raises :class:`ReportError` for a
    bad section key, a duplicate key, an unknown chart kind or an absolute network link.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    rendered = []
    for s in sections:
        if not _KEY.match(s.key):
            raise ReportError(f"section key {s.key!r} must be lower-case letters, digits, _ or - (it names a CSV)")
        if s.key in seen:
            raise ReportError(f"section key {s.key!r} used twice")
        seen.add(s.key)
        item: dict = {"key": s.key, "title": s.title, "intro": s.intro, "note": s.note, "svg": None,
                      "columns": None, "has_table": s.table is not None, "csv": f"{s.key}.csv"}
        if s.table is not None:
            df = s.table
            df.to_csv(out_dir / f"{s.key}.csv", index=False, lineterminator="\n")
            if len(df.columns) and len(df):
                item.update(columns=[str(c) for c in df.columns], rows=_table_rows(df, s.max_rows),
                            numeric=_numeric_columns(df), n_rows=len(df), shown=min(len(df), s.max_rows))
        if s.chart is not None:
            if s.chart not in CHART_KINDS:
                raise ReportError(f"section {s.key}: unknown chart {s.chart!r} (one of {', '.join(CHART_KINDS)})")
            if s.table is not None and len(s.table):
                item["svg"] = chart_svg(s)
        rendered.append(item)
    env = Environment(autoescape=select_autoescape(default_for_string=True, default=True))
    html = env.from_string(_TEMPLATE).render(
        title=title, css=_CSS, synthetic=synthetic, provenance=list(provenance.items()), sections=rendered,
        networks=[(label, _check_relative(href)) for label, href in (networks or {}).items()],
    )
    page = out_dir / "index.html"
    page.write_text(html, encoding="utf-8", newline="\n")
    return page
