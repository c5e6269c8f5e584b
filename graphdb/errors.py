"""The named exceptions of graphdb. The CLI turns each into one line: what happened, then what to do."""

from __future__ import annotations


class GraphdbError(Exception):
    """Base class. ``hint`` is the next step for the user."""

    hint: str = ""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        msg = super().__str__()
        return f"{msg} — {self.hint}" if self.hint else msg


class JavaNotFound(GraphdbError):
    hint = "install a Java 17 or 21 runtime (e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME"


class MavenNotFound(GraphdbError):
    hint = "install Maven (`apt-get install maven`); it fetches Neo4j from Maven Central"


class DownloadFailed(GraphdbError):
    hint = "check that Maven Central is reachable, then run `graphdb neo4j install` again"


class PortInUse(GraphdbError):
    hint = "free the port, or choose another with GRAPHDB_BOLT_PORT / GRAPHDB_HTTP_PORT"


class ServerFailed(GraphdbError):
    hint = "see `graphdb neo4j logs`"


class NotInstalled(GraphdbError):
    hint = "run `graphdb neo4j install`"


class Neo4jUnavailable(GraphdbError):
    hint = "run `graphdb neo4j start`, or `docker compose up -d`, or set NEO4J_URI"


class AuthFailed(GraphdbError):
    hint = "set NEO4J_PASSWORD (or NEO4J_USER) to the database's credentials"


class QueryError(GraphdbError):
    """A Cypher query failed, or a query file or its parameters are wrong."""


class WriteNotAllowed(QueryError):
    hint = "run it with --write if you mean to change the database"


class DataError(GraphdbError):
    """An input file is not what it should be."""
