"""Scale commands: ``graphdb synth`` (synthetic paperlists files) and ``graphdb bulk-load`` (an empty
managed database filled through neo4j-admin import). ``register(cli)`` adds them to the main group."""

from __future__ import annotations

import json
from pathlib import Path

import click


def register(cli: click.Group) -> None:
    """Add ``synth`` and ``bulk-load`` to the graphdb command group (idempotent)."""
    from .cli import _say, handle_errors

    if "synth" in cli.commands:
        return

    @cli.command()
    @click.option("--papers", type=click.IntRange(min=0), required=True, help="How many papers to write.")
    @click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
                  help="The JSON file to write (name it like nips2024_synth.json to get venue and year).")
    @click.option("--seed", default=0, show_default=True, help="Random seed: the same seed writes the same file.")
    @handle_errors
    def synth(papers: int, out: str, seed: int) -> None:
        """Write a synthetic Paper Copilot paperlists file (realistic shapes, streamed to disk).

        Authors per paper lognormal (mean about 5), a NeurIPS-like country mix, heavy-tailed
        papers per author, Zipf institutions per country, repeat teams, about 5% of authors
        with two affiliations. The same seed gives the same bytes.

        Example:

            graphdb synth --papers 100000 --out /tmp/nips2024_synth.json --seed 1
        """
        from .synth import write_paperlists

        res = write_paperlists(out, papers, seed=seed)
        click.echo(f"wrote {res['papers']:,} papers ({res['author_slots']:,} author slots) to {out}")

    @cli.command("bulk-load")
    @click.argument("source", type=click.Choice(["paperlists", "neurips-virtual", "openalex", "openreview"]))
    @click.argument("path", type=click.Path(dir_okay=False))
    @click.option("--venue", help="Venue name (default: from the file name).")
    @click.option("--year", type=int, help="Year (default: from the file name).")
    @click.option("--rejects", type=click.Path(dir_okay=False), help="JSON-lines file for rejected records "
                  "(default: rejects/<file>.<source>.rejects.jsonl, created only if needed).")
    @click.option("--no-resolve", is_flag=True, help="Do not resolve affiliations after the import.")
    @click.option("--keep-csv", is_flag=True, help="Keep the CSV files written for neo4j-admin.")
    @click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
    @handle_errors
    def bulk_load_cmd(source: str, path: str, venue: str | None, year: int | None, rejects: str | None,
                      no_resolve: bool, keep_csv: bool, as_json: bool) -> None:
        """Fill an EMPTY managed database fast: CSVs, neo4j-admin import, restart, schema, resolve.

        Only for the managed local server (GRAPHDB_HOME), and only when its database is empty:
        the server is stopped during the import. The graph is the one `graphdb load` builds.

        Example:

            graphdb bulk-load paperlists /tmp/nips2024_synth.json
        """
        from .bulk import bulk_load
        from .server import ManagedServer

        summary = bulk_load(ManagedServer(), path, source=source, venue=venue, year=year,
                            rejects=Path(rejects) if rejects else None, resolve=not no_resolve,
                            keep_csv=keep_csv, progress=_say)
        if as_json:
            click.echo(json.dumps(summary.to_dict(), indent=2, default=str))
            return
        for line in summary.lines():
            click.echo(line)
