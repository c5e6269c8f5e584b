"""All Cypher I/O goes through here: one driver per process, read-mode analytics, driver errors
turned into named graphdb errors (caught by class, never by message)."""

from __future__ import annotations

import atexit
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import neo4j
from neo4j import GraphDatabase, Result, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from .config import Settings, load_settings
from .errors import AuthFailed, Neo4jUnavailable, QueryError, WriteNotAllowed


def redact_uri(uri: str) -> str:
    """The URI without any ``user:password@`` part, for messages."""
    return re.sub(r"(?<=://)[^/@]*@", "", uri)


class Database:
    """A connection to one Neo4j database (the managed local server unless NEO4J_URI is set)."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or load_settings()
        self._driver: neo4j.Driver | None = None
        self._uri: str | None = None

    @property
    def uri(self) -> str:
        if self._uri is None:
            if self.settings.uri:
                self._uri = self.settings.uri
            else:
                from .server import ManagedServer

                st = ManagedServer().status()
                if not st.running or not st.uri:
                    raise Neo4jUnavailable(
                        f"the managed Neo4j is not running (GRAPHDB_HOME={st.home}"
                        + (f"; {st.note}" if st.note else "") + ")",
                        hint="run `graphdb neo4j start`, or set NEO4J_URI (e.g. `docker compose up -d` and "
                             "NEO4J_URI=bolt://127.0.0.1:7687)")
                self._uri = st.uri
        return self._uri

    @property
    def database(self) -> str:
        return self.settings.database

    def _password(self) -> str | None:
        if self.settings.password:
            return self.settings.password
        if self.settings.managed:
            from .server import ManagedServer

            return ManagedServer().password()
        return None

    @property
    def driver(self) -> neo4j.Driver:
        if self._driver is None:
            pw = self._password()
            auth = (self.settings.user, pw) if pw is not None else None
            try:
                self._driver = GraphDatabase.driver(self.uri, auth=auth, connection_timeout=10, notifications_min_severity="OFF",
                                                    max_transaction_retry_time=30)
            except (ConfigurationError, ValueError) as e:
                raise Neo4jUnavailable(f"invalid NEO4J_URI {redact_uri(self.uri)!r}: "
                                       f"{str(e).replace(self.uri, redact_uri(self.uri))}") from e
            atexit.register(self.close)
            try:  # fail fast with one clear line instead of retrying a dead address for 30 s
                with self.errors("connection check"):
                    self._driver.verify_connectivity()
            except Exception:
                self.close()
                raise
        return self._driver

    def close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None

    @contextmanager
    def errors(self, what: str = "query") -> Iterator[None]:
        """Turn driver exceptions into graphdb errors with a next step."""
        try:
            yield
        except AuthError as e:
            raise AuthFailed(f"Neo4j at {redact_uri(self.uri)} refused the credentials of user "
                             f"{self.settings.user!r}") from e
        except (ServiceUnavailable, SessionExpired) as e:
            raise Neo4jUnavailable(f"Neo4j is not reachable at {redact_uri(self.uri)}") from e
        except ClientError as e:
            if e.code in ("Neo.ClientError.Statement.AccessMode",) or "AccessMode" in (e.code or ""):
                raise WriteNotAllowed(f"the {what} tried to write, but runs in read mode") from e
            raise QueryError(f"the {what} failed: {e.code}: {e.message}") from e
        except Neo4jError as e:
            raise QueryError(f"the {what} failed: {e.code}: {e.message}") from e

    def read_df(self, query: str, params: Mapping[str, Any] | None = None, what: str = "query"):
        """Run a query in READ mode and return a pandas DataFrame."""
        with self.errors(what):
            return self.driver.execute_query(
                query, parameters_=dict(params or {}), routing_=RoutingControl.READ,
                database_=self.database, result_transformer_=Result.to_df)

    def read(self, query: str, params: Mapping[str, Any] | None = None, what: str = "query") -> list[dict]:
        with self.errors(what):
            records, _, _ = self.driver.execute_query(
                query, parameters_=dict(params or {}), routing_=RoutingControl.READ, database_=self.database)
        return [r.data() for r in records]

    def write(self, query: str, params: Mapping[str, Any] | None = None, what: str = "write") -> dict:
        """Run a query in WRITE mode (a managed transaction with retries); returns the counters."""
        with self.errors(what):
            _, summary, _ = self.driver.execute_query(
                query, parameters_=dict(params or {}), routing_=RoutingControl.WRITE, database_=self.database)
        return _counters(summary.counters)

    def write_tx(self, work, *args, what: str = "write", **kwargs):
        """Run ``work(tx, *args)`` in one managed write transaction (retried on transient errors)."""
        with self.errors(what), self.driver.session(database=self.database) as s:
            return s.execute_write(work, *args, **kwargs)

    def ping(self) -> str:
        with self.errors("connection check"):
            self.driver.verify_connectivity()
            rec, _, _ = self.driver.execute_query(
                "CALL dbms.components() YIELD versions RETURN versions[0] AS v", database_="system",
                routing_=RoutingControl.READ)
        return rec[0]["v"]


def _counters(c: Any) -> dict:
    names = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
             "properties_set", "constraints_added", "indexes_added")
    return {n: getattr(c, n) for n in names}
