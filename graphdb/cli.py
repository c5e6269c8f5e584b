"""The graphdb command line: thin commands over the library (heavy imports stay inside commands)."""

from __future__ import annotations

import json
import sys
from functools import wraps

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
    click.echo(f"deleted {n} nodes from {obj.db.uri} database {obj.db.database}")


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


def main() -> None:  # pragma: no cover
    cli()
