"""The graphdb command line: thin commands over the library (heavy imports stay inside commands)."""

from __future__ import annotations

import json
import sys
from functools import wraps
from pathlib import Path

import click

from . import __version__
from .errors import GraphdbError


def _fail(e: GraphdbError) -> click.ClickException:
    return click.ClickException(str(e))


def handle_errors(f):
    """Turn library errors into one clear line and exit code 1."""

    @wraps(f)
    def wrapper(*args, **kwargs):
        try:
            return f(*args, **kwargs)
        except GraphdbError as e:
            raise _fail(e) from None

    return wrapper


def _say(msg: str) -> None:
    click.echo(msg, err=True)


class Ctx:
    """Shared state on ctx.obj: settings and a lazily opened database."""

    def __init__(self, uri: str | None, user: str | None, database: str | None):
        from .config import load_settings

        self.settings = load_settings().with_options(uri=uri, user=user, database=database)
        self._db = None

    @property
    def db(self):
        if self._db is None:
            from .db import Database

            self._db = Database(self.settings)
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="graphdb")
@click.option("--uri", envvar="NEO4J_URI", help="Bolt URI (env NEO4J_URI). Unset: the managed local Neo4j.")
@click.option("--user", envvar="NEO4J_USER", help="Neo4j user (env NEO4J_USER, default neo4j).")
@click.option("--database", envvar="NEO4J_DATABASE", help="Database name (env NEO4J_DATABASE, default neo4j).")
@click.pass_context
def cli(ctx: click.Context, uri: str | None, user: str | None, database: str | None) -> None:
    """AI research papers as a Neo4j graph: who collaborates across borders, and how models travel.

    The password comes from NEO4J_PASSWORD (or .env); for the managed server it is generated
    and kept in a 0600 file under GRAPHDB_HOME. It is never taken on the command line.

    Example:

        graphdb demo
    """
    import logging

    logging.getLogger("neo4j").setLevel(logging.ERROR)  # retries are ours to report, in one line
    ctx.obj = Ctx(uri, user, database)
    ctx.call_on_close(ctx.obj.close)


# ---------------------------------------------------------------- neo4j (managed server)
@cli.group()
def neo4j() -> None:
    """Manage the local Neo4j 5.26 Community server (built from Maven Central, 127.0.0.1, auth on).

    Example:

        graphdb neo4j start && graphdb neo4j status --json
    """


@neo4j.command("install")
@click.option("--force", is_flag=True, help="Fetch the jars again even if present.")
@handle_errors
def neo4j_install(force: bool) -> None:
    """Fetch Neo4j and Neo4j Browser jars with Maven into GRAPHDB_HOME.

    Example:

        GRAPHDB_HOME=/tmp/g graphdb neo4j install
    """
    from .server import ManagedServer

    ManagedServer().install(_say, force=force)


@neo4j.command("start")
@click.option("--timeout", default=180, show_default=True, help="Seconds to wait for Bolt.")
@handle_errors
def neo4j_start(timeout: int) -> None:
    """Start the managed Neo4j (idempotent) and wait until Bolt answers.

    Example:

        NEO4J_PASSWORD=... graphdb neo4j start
    """
    from .server import ManagedServer

    st = ManagedServer().start(_say, timeout=timeout)
    click.echo(f"Bolt: {st.uri}\nBrowser: {st.browser_url}\nUser: neo4j (password: NEO4J_PASSWORD or "
               f"{ManagedServer().password_file})")


@neo4j.command("stop")
@handle_errors
def neo4j_stop() -> None:
    """Stop the managed Neo4j cleanly.

    Example:

        graphdb neo4j stop
    """
    from .server import ManagedServer

    ManagedServer().stop(_say)


@neo4j.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@handle_errors
def neo4j_status(as_json: bool) -> None:
    """Say whether the managed Neo4j runs (true even after a crash). Exit code 0 running, 3 not.

    Example:

        graphdb neo4j status --json
    """
    from .server import ManagedServer

    st = ManagedServer().status()
    if as_json:
        click.echo(json.dumps(st.to_dict(), indent=2))
    else:
        if st.running:
            click.echo(f"running  pid {st.pid}  {st.uri}  {st.browser_url}  Neo4j {st.version}")
        else:
            click.echo("not running" + (f" ({st.note})" if st.note else "")
                       + ("" if st.installed else "; not installed"))
    sys.exit(0 if st.running else 3)


@neo4j.command("logs")
@click.option("-n", "--lines", default=50, show_default=True, help="Lines from the end of each log.")
@handle_errors
def neo4j_logs(lines: int) -> None:
    """Show the end of the managed server's logs.

    Example:

        graphdb neo4j logs -n 100
    """
    from .server import ManagedServer

    click.echo(ManagedServer().logs(lines))


# ---------------------------------------------------------------- database admin
@cli.command()
@click.option("--yes", is_flag=True, help="Confirm: delete all data in the database.")
@click.pass_obj
@handle_errors
def reset(obj: Ctx, yes: bool) -> None:
    """Delete all data in the configured database (constraints and indexes stay).

    Example:

        graphdb reset --yes
    """
    if not yes:
        raise click.ClickException("reset deletes every node in the database; run `graphdb reset --yes` to confirm")
    from .schema import reset as do_reset

    n = do_reset(obj.db)
    from .db import redact_uri

    click.echo(f"deleted {n} nodes from {redact_uri(obj.db.uri)} database {obj.db.database}")


@cli.group()
def schema() -> None:
    """Constraints and indexes.

    Example:

        graphdb schema apply
    """


@schema.command("apply")
@click.pass_obj
@handle_errors
def schema_apply(obj: Ctx) -> None:
    """Create the key constraints and indexes (idempotent).

    Example:

        graphdb schema apply
    """
    from .schema import apply

    added = apply(obj.db)
    click.echo(f"schema ready: {added['constraints_added']} constraints and {added['indexes_added']} indexes added")


# ---------------------------------------------------------------- load / resolve
class _Progress:
    """A one-line counter on a terminal (stderr); silent when stderr is not a terminal."""

    def __init__(self, label: str, every: int = 250):
        self.label, self.every, self.tty = label, every, sys.stderr.isatty()
        self._last = 0

    def __call__(self, *counts: int) -> None:
        if self.tty and counts[0] - self._last >= self.every:
            self._last = counts[0]
            click.echo(f"\r{self.label}: " + ", ".join(f"{c:,}" for c in counts), err=True, nl=False)

    def done(self) -> None:
        if self.tty and self._last:
            click.echo("", err=True)


@cli.command()
@click.argument("source", type=click.Choice(["paperlists", "neurips-virtual", "openalex", "openreview"]))
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@click.option("--api-venue", help="Load from the API instead of a file: an OpenAlex source id "
              "(S4306420609 = NeurIPS) or an OpenReview venueid (NeurIPS.cc/2024/Conference).")
@click.option("--api-url", help="API base URL (default: the public API).")
@click.option("--mailto", envvar="OPENALEX_MAILTO", help="Contact e-mail for OpenAlex's polite pool.")
@click.option("--venue", help="Venue name (default: from the file name, e.g. nips2018.json -> NeurIPS).")
@click.option("--year", type=int, help="Year (default: from the file name).")
@click.option("--batch-size", default=500, show_default=True, help="Papers per write transaction.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="JSON-lines file for rejected records "
              "(default: rejects/<file>.<source>.rejects.jsonl, created only if needed).")
@click.option("--no-resolve", is_flag=True, help="Do not resolve affiliations after the load.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_obj
@handle_errors
def load(obj: Ctx, source: str, path: str | None, api_venue: str | None, api_url: str | None, mailto: str | None,
         venue: str | None, year: int | None, batch_size: int, rejects: str | None, no_resolve: bool,
         as_json: bool) -> None:
    """Load papers, authors and affiliations from a file into Neo4j (idempotent, resumable).

    SOURCE is paperlists (Paper Copilot JSON), neurips-virtual (nips.cc export, JSON lines or
    {"results": [...]}), openalex (works: one response, a page or JSON lines) or openreview
    (API v2 notes). Bad records go to the rejects file with their reason; the rest loads.

    Example:

        graphdb load paperlists ../shared/data/paperlists/nips2018.json

        graphdb load openalex --api-venue S4306420609 --year 2024 --venue NeurIPS --mailto you@example.org
    """
    from .loaders import load_api, load_file

    prog = _Progress("records read, papers")
    if api_venue:
        summary = load_api(obj.db, source, venue_id=api_venue, year=year, venue=venue, base_url=api_url,
                           mailto=mailto, batch_size=batch_size, rejects=Path(rejects) if rejects else None,
                           progress=prog)
    elif path:
        summary = load_file(obj.db, source, path, venue=venue, year=year, batch_size=batch_size,
                            rejects=Path(rejects) if rejects else None, progress=prog)
    else:
        raise click.ClickException("give a PATH, or --api-venue for the openalex/openreview APIs")
    prog.done()
    result = {"load": summary.to_dict()}
    if not no_resolve:
        from .resolution import resolve_graph

        rprog = _Progress("author slots resolved", 2000)
        result["resolve"] = resolve_graph(obj.db, progress=rprog).to_dict()
        rprog.done()
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    for line in summary.lines():
        click.echo(line)
    if "resolve" in result:
        r = result["resolve"]
        click.echo(f"resolved {r['slots']} author slots ({r['seconds']:.1f}s): "
                   + ", ".join(f"{k} {v}" for k, v in sorted(r["by_layer"].items())))


@cli.command()
@click.option("--force", is_flag=True, help="Resolve every author slot again (after a table update).")
@click.option("--no-source", is_flag=True, help="Ignore the countries sources give (to measure the resolver).")
@click.option("--report", "show_report", is_flag=True, help="Print coverage by layer, unresolved strings, "
              "and institutions whose country sources disagree.")
@click.option("--top", default=25, show_default=True, help="Rows in the report lists.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
@handle_errors
def resolve(obj: Ctx, force: bool, no_source: bool, show_report: bool, top: int, as_json: bool) -> None:
    """Give every author slot an institution and a country, recording which layer decided.

    Layers: source, table (known institutions), learned (seen elsewhere in the graph), geo
    (country and city names), domain (e-mail/web), else unresolved (kept, never guessed).

    Example:

        graphdb resolve --report
    """
    from .resolution import report, resolve_graph

    out: dict = {}
    if not show_report or force:
        prog = _Progress("author slots resolved", 2000)
        out["resolve"] = resolve_graph(obj.db, force=force or no_source, use_source=not no_source,
                                       progress=prog).to_dict()
        prog.done()
    if show_report:
        out["report"] = report(obj.db, top)
    if as_json:
        click.echo(json.dumps(out, indent=2, default=str))
        return
    if "resolve" in out:
        r = out["resolve"]
        click.echo(f"resolved {r['slots']} author slots: " + ", ".join(f"{k} {v}" for k, v in sorted(r["by_layer"].items())))
    if "report" in out:
        rep = out["report"]
        cov = rep["coverage"]
        pct = f"{100 * cov['coverage']:.1f}%" if cov["coverage"] is not None else "n/a"
        click.echo(f"coverage: {cov['aff_with_country']:,} of {cov['with_affiliation']:,} author slots with an "
                   f"affiliation have a country ({pct}); {cov['slots']:,} slots in all")
        click.echo("by layer (first layer of each slot): " + ", ".join(f"{k} {v:,}" for k, v in cov["by_layer"].items()))
        click.echo(f"\nmost frequent unresolved affiliations (top {top}):")
        for row in rep["unresolved"]:
            click.echo(f"  {row['slots']:6,}  {row['affiliation']}")
        click.echo(f"\ninstitutions placed in more than one country (top {top}):")
        for row in rep["disagreements"]:
            click.echo(f"  {row['institution']}: {'; '.join(row['countries'])}")


# ---------------------------------------------------------------- queries
def _provenance_line(db, query_name: str, params: dict) -> str:
    from .provenance import describe

    return describe(db, rule=f"{query_name}({', '.join(f'{k}={v}' for k, v in params.items())})")


def _emit(df, fmt: str, out: str | None, header: str | None) -> None:
    """Print or write a DataFrame as table, CSV, JSON or Parquet."""
    import pandas as pd

    if fmt == "parquet" and not out:
        raise click.ClickException("--format parquet needs --out FILE")
    if fmt == "table":
        with pd.option_context("display.max_rows", 500, "display.max_columns", 50, "display.width", 200,
                               "display.max_colwidth", 60):
            text = df.to_string(index=False) if len(df) else "(no rows)"
        if header:
            text = f"# {header}\n{text}"
    elif fmt == "csv":
        text = df.to_csv(index=False)
        if header:
            text = f"# {header}\n{text}"
    elif fmt == "json":
        text = json.dumps({"provenance": header, "rows": json.loads(df.to_json(orient="records"))}, indent=2)
    else:
        df.to_parquet(out, index=False)
        click.echo(f"wrote {len(df)} rows to {out}", err=True)
        return
    if out:
        Path(out).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        click.echo(f"wrote {len(df)} rows to {out}", err=True)
    else:
        click.echo(text)


@cli.group()
def query() -> None:
    """The Cypher query library in cypher/: list, show and run queries.

    Example:

        graphdb query run cross_border_share -p a US -p b greater-china
    """


@query.command("list")
@handle_errors
def query_list() -> None:
    """List the queries with a one-line description each.

    Example:

        graphdb query list
    """
    from .queries import list_queries

    qs = list_queries()
    width = max(len(q.name) for q in qs)
    for q in qs:
        click.echo(f"{q.name.ljust(width)}  {'[writes] ' if q.writes else ''}{q.summary}")


@query.command("show")
@click.argument("name")
@handle_errors
def query_show(name: str) -> None:
    """Show a query's description, parameters and Cypher.

    Example:

        graphdb query show cross_border_share
    """
    from .queries import load_query

    q = load_query(name)
    click.echo(f"{q.name} ({q.path}){'  [writes]' if q.writes else ''}\n")
    click.echo(q.description + "\n")
    if q.params:
        click.echo("parameters:")
        for p in q.params:
            default = "required" if p.required else f"default {p.default if p.default is not None else 'none'}"
            click.echo(f"  {p.name} ({p.type}, {default}){'  ' + p.help if p.help else ''}")
        click.echo("")
    click.echo(q.text)


@query.command("run")
@click.argument("name")
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="KEY VALUE",
              help="A query parameter (repeatable), e.g. -p a US -p year 2024.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "parquet"]), default="table",
              show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Write to a file instead of printing.")
@click.option("--write", is_flag=True, help="Allow a query declared @writes to change the database.")
@click.pass_obj
@handle_errors
def query_run(obj: Ctx, name: str, params: tuple, fmt: str, out: str | None, write: bool) -> None:
    """Run a query by name (or a .cypher file) in read mode and print a table, CSV, JSON or Parquet.

    Example:

        graphdb query run cross_border_share -p a US -p b greater-china --format csv
    """
    from . import queries

    q = queries.load_query(name)
    given = dict(params)
    queries.bind(q, given)  # refuse unknown/missing parameters before connecting
    df = queries.run(obj.db, q, given, write=write)
    _emit(df, fmt, out, _provenance_line(obj.db, q.name, given))


# ---------------------------------------------------------------- models
@cli.group()
def models() -> None:
    """The model catalog and model mentions in papers.

    Example:

        graphdb models extract && graphdb query run model_reuse -p model Llama -p country CN
    """


@models.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@handle_errors
def models_list(fmt: str) -> None:
    """List the catalog: name, family, kind, developing country, release year.

    Example:

        graphdb models list --format csv
    """
    import pandas as pd

    from .models import load_catalog

    df = pd.DataFrame([{"name": m.name, "family": m.family, "kind": m.kind, "country": m.country,
                        "year": m.year, "month": m.month, "developers": ", ".join(m.developers), "url": m.url}
                       for m in load_catalog()])
    _emit(df, fmt, None, f"model catalog: {len(df)} entries (graphdb/data/models.json)")


@models.command("extract")
@click.option("--force", is_flag=True, help="Scan every paper again (after a catalog change).")
@click.pass_obj
@handle_errors
def models_extract(obj: Ctx, force: bool) -> None:
    """Load the catalog into the graph and link papers to the models their title or abstract mentions.

    Example:

        graphdb models extract
    """
    from .model_graph import extract

    prog = _Progress("papers scanned", 2000)
    s = extract(obj.db, force=force, progress=prog)
    prog.done()
    top = sorted(s.by_model.items(), key=lambda kv: -kv[1])[:10]
    click.echo(f"{s.models} models in the catalog; scanned {s.papers} papers ({s.seconds:.1f}s): "
               f"{s.papers_with_mentions} mention a model, {s.mentions} mentions")
    if top:
        click.echo("most mentioned: " + ", ".join(f"{k} {v}" for k, v in top))


# ---------------------------------------------------------------- main job: demo, report, viz, browser
def _pipeline(obj: Ctx, datasets, *, say) -> None:
    from .loaders import load_file
    from .model_graph import extract
    from .resolution import resolve_graph

    for i, (source, path) in enumerate(datasets, 1):
        say(f"[{i}/{len(datasets)}] loading {source} {path}")
        prog = _Progress("records read, papers")
        summary = load_file(obj.db, source, path, progress=prog)
        prog.done()
        say("    " + summary.lines()[1])
    say("resolving affiliations")
    r = resolve_graph(obj.db, progress=_Progress("author slots resolved", 2000))
    say(f"    {r.slots:,} author slots resolved: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r.by_layer.items())))
    say("extracting model mentions")
    m = extract(obj.db)
    say(f"    {m.papers:,} papers scanned, {m.papers_with_mentions:,} mention one of {m.models} models")


def _outputs(obj: Ctx, out: Path, a: str, b: str, synthetic: bool, say) -> tuple[Path, list[str]]:
    from .analysis import analyse, headlines, networks, write_full_report

    an = analyse(obj.db, a=a, b=b, say=say)
    if synthetic:
        an.provenance["sources"] = "SYNTHETIC sample (generated; not real papers) -- " + an.provenance["sources"]
    out.mkdir(parents=True, exist_ok=True)
    say("drawing networks")
    pages = networks(obj.db, an, out, a=a, b=b, synthetic=synthetic)
    say("writing the report")
    index = write_full_report(an, out, pages, a=a, b=b, synthetic=synthetic)
    return index, headlines(an, a=a, b=b)


@cli.command()
@click.option("--data", type=click.Path(file_okay=False), help="Directory of datasets (default: "
              "$GRAPHDB_DATA_DIR, else downloaded to the cache, else a SYNTHETIC sample).")
@click.option("--out", default="out/demo", show_default=True, type=click.Path(file_okay=False),
              help="Where the report and networks go.")
@click.option("--fresh", is_flag=True, help="Delete all data in the database first.")
@click.option("-a", "a", default="US", show_default=True, help="First country or group.")
@click.option("-b", "b", default="greater-china", show_default=True, help="Second country or group.")
@click.pass_obj
@handle_errors
def demo(obj: Ctx, data: str | None, out: str, fresh: bool, a: str, b: str) -> None:
    """The main job: start Neo4j if needed, load the datasets, resolve affiliations, extract models,
    run the analyses, write the report and networks, print the headline numbers.

    Example:

        GRAPHDB_DATA_DIR=../shared/data graphdb demo --out out/demo
    """
    from .analysis import choose_data
    from .config import graphdb_home

    if obj.settings.managed:
        from .server import ManagedServer

        ManagedServer().start(_say)
    choice = choose_data(data, graphdb_home(), say=_say)
    _say(f"data: {choice.origin} ({len(choice.datasets)} files)")
    if fresh:
        from .schema import reset as do_reset

        _say(f"deleted {do_reset(obj.db)} nodes (--fresh)")
    _pipeline(obj, choice.datasets, say=_say)
    index, heads = _outputs(obj, Path(out), a, b, choice.synthetic, _say)
    click.echo(f"\nreport: {index}")
    for p in sorted(Path(out).glob("*.html")):
        if p != index:
            click.echo(f"network: {p}")
    click.echo("\nheadline numbers" + (" (SYNTHETIC DATA)" if choice.synthetic else "") + ":")
    for h in heads:
        click.echo(f"  - {h}")


@cli.command()
@click.option("--out", default="out/report", show_default=True, type=click.Path(file_okay=False))
@click.option("-a", "a", default="US", show_default=True, help="First country or group.")
@click.option("-b", "b", default="greater-china", show_default=True, help="Second country or group.")
@click.pass_obj
@handle_errors
def report(obj: Ctx, out: str, a: str, b: str) -> None:
    """Write the HTML report (with its CSV files and network pages) from the graph as it is.

    Example:

        graphdb report --out out/report -a US -b greater-china
    """
    index, heads = _outputs(obj, Path(out), a, b, False, _say)
    click.echo(f"report: {index}")
    for h in heads:
        click.echo(f"  - {h}")


@cli.command()
@click.argument("kind", type=click.Choice(["countries", "institutions", "models", "ego"]))
@click.option("-p", "--param", "params", type=(str, str), multiple=True, metavar="KEY VALUE",
              help="Query parameters: a, b (institutions), venue, year, model, name (ego: an author or institution).")
@click.option("--min-papers", default=1, show_default=True, help="Drop edges below this many papers.")
@click.option("--top", type=int, help="Keep the top N nodes.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The HTML file to write.")
@click.pass_obj
@handle_errors
def viz(obj: Ctx, kind: str, params: tuple, min_papers: int, top: int | None, out: str) -> None:
    """Draw an interactive network (offline HTML, deterministic layout).

    KIND: countries, institutions (-p a US -p b greater-china), models, ego (-p name "Tsinghua University").

    Example:

        graphdb viz institutions -p a US -p b greater-china --out institutions.html
    """
    import pandas as pd

    from .analysis import run
    from .provenance import describe
    from .viz import network as nw

    p = dict(params)
    prov = describe(obj.db, rule=f"viz {kind} {p}")
    filt = {k: p[k] for k in ("venue", "year") if k in p}
    if kind == "countries":
        cs = run(obj.db, "country_summary", top=500, **filt)
        pairs = run(obj.db, "country_pairs", **filt)
        path = nw.country_network(pairs, cs[["country", "name", "papers"]], min_papers=min_papers, top=top,
                                  provenance=prov, out=Path(out))
    elif kind == "institutions":
        pairs = run(obj.db, "institution_pairs", a=p.get("a", "US"), b=p.get("b", "greater-china"),
                    top=top or 150, **filt)
        path = nw.institution_network(pairs, min_papers=min_papers, provenance=prov, out=Path(out))
    elif kind == "models":
        ad = run(obj.db, "model_adoption_by_country", model=p.get("model"), venue=p.get("venue"))
        rows = ad.rename(columns={"country": "paper_country"})[["model", "model_country", "paper_country", "papers"]]
        path = nw.model_network(rows, min_papers=min_papers, top_models=top or 40, provenance=prov, out=Path(out))
    else:
        name = p.get("name")
        if not name:
            raise click.ClickException("ego needs -p name NAME (an author or an institution)")
        rows = obj.db.read_df(EGO_QUERY, {"name": name}, what="ego network")
        if rows.empty:
            raise click.ClickException(f"no author or institution named {name!r} with co-authors in the graph")
        path = nw.ego_network(pd.DataFrame(rows), min_papers=min_papers, top=top or 100, provenance=prov, out=Path(out))
    click.echo(f"wrote {path}")


EGO_QUERY = """
CALL () {
  MATCH (x:Author) WHERE toLower(x.name) = toLower($name)
  MATCH (x)-[:AUTHORED]->(p:Paper)<-[:AUTHORED]-(y:Author) WHERE y <> x
  OPTIONAL MATCH (y)-[:WROTE]->(s:Authorship)-[:OF]->(p)
  OPTIONAL MATCH (s)-[:IN]->(c:Country)
  RETURN x.name AS center, y.name AS neighbour, head(collect(c.code)) AS neighbour_country, count(DISTINCT p) AS papers
  UNION
  MATCH (x:Institution) WHERE toLower(x.name) = toLower($name)
  MATCH (x)<-[:AT]-(:Authorship)-[:OF]->(p:Paper)<-[:OF]-(:Authorship)-[r:AT]->(y:Institution) WHERE y <> x
  RETURN x.name AS center, y.name AS neighbour, head(collect(r.country)) AS neighbour_country, count(DISTINCT p) AS papers
}
RETURN center, neighbour, coalesce(neighbour_country, '??') AS neighbour_country, papers
ORDER BY papers DESC
"""


@cli.command()
@click.option("--out", default="out/browser", show_default=True, type=click.Path(file_okay=False),
              help="Where the guide and the style file are written.")
@click.option("--serve", is_flag=True, help="Serve the guide on localhost until Ctrl-C (Browser's :guide needs it).")
@click.option("--port", default=8001, show_default=True, help="Port for --serve.")
@handle_errors
def browser(out: str, serve: bool, port: int) -> None:
    """Write a Neo4j Browser guide of the queries and a GraSS style; print how to load them.

    Example:

        graphdb browser --serve
    """
    from .browser import browser_instructions, build_guide, serve_guide, write_style
    from .queries import list_queries
    from .server import ManagedServer

    d = Path(out)
    guide = build_guide(list_queries(), d / "guide.html")
    style = write_style(d / "style.grass")
    st = ManagedServer().status()
    browser_url = st.browser_url or "http://127.0.0.1:7474/browser/"
    if not serve:
        click.echo(browser_instructions(browser_url, f"http://localhost:{port}/{guide.name}", style))
        click.echo(f"\n(run `graphdb browser --serve --port {port}` to serve {guide} for :guide)")
        return
    base, server = serve_guide(d, port)
    click.echo(browser_instructions(browser_url, f"{base}/{guide.name}", style, f"{base}/{style.name}"))
    click.echo("\nserving the guide; Ctrl-C to stop")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.shutdown()


from .cli_scale import register as _register_scale  # noqa: E402

_register_scale(cli)


def main() -> None:  # pragma: no cover
    cli()
