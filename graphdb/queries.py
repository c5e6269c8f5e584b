"""The Cypher query library: one query per ``.cypher`` file, with a header of ``//`` lines.

Header grammar (leading ``//`` lines, before the first Cypher line)::

    // One-line summary (the first description line).
    // More description lines ...
    // @param a countries = US          country code, name, or group (-> list of ISO codes)
    // @param year int = null           optional (absent = no filter)
    // @param top int = 20
    // @param name string               required (no default)
    // @writes                          the query changes the database

Types: ``string``, ``int``, ``float``, ``bool``, ``countries`` (an ISO code or a named group such as
``greater-china``, passed to Cypher as a list of codes, with ``<name>_label`` holding the text given).
Values are always passed as Cypher parameters, never pasted into the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .countries import UnknownCountry, expand
from .errors import QueryError, WriteNotAllowed

TYPES = ("string", "int", "float", "bool", "countries")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PARAM = re.compile(r"^@param\s+(?P<name>\S+)\s+(?P<type>\S+)(?:\s*=\s*(?P<default>\S+))?(?:\s+(?P<help>.*))?$")


class QueryFileError(QueryError):
    """A malformed query file; the message starts with file:line."""

    hint = "fix the header of the .cypher file (see `graphdb query show cross_border_share` for an example)"


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: Any = None  # already converted; None = optional with no value
    required: bool = False
    help: str = ""
    default_text: str | None = None  # the default as written in the file ("greater-china")


@dataclass(frozen=True)
class Query:
    name: str
    description: str
    params: list[Param]
    writes: bool
    text: str  # the Cypher body, without the header
    path: str
    source: str = field(repr=False, default="")  # the whole file

    @property
    def summary(self) -> str:
        return self.description.splitlines()[0] if self.description else ""


def _convert(ptype: str, value: Any, where: str) -> Any:
    if value is None:
        return None
    try:
        if ptype == "string":
            return str(value)
        if ptype == "int":
            return int(value)
        if ptype == "float":
            return float(value)
        if ptype == "bool":
            if isinstance(value, bool):
                return value
            v = str(value).strip().lower()
            if v in ("true", "1", "yes"):
                return True
            if v in ("false", "0", "no"):
                return False
            raise ValueError(value)
        if ptype == "countries":
            if isinstance(value, list | tuple):
                return [c for v in value for c in expand(str(v))]
            return [c for part in str(value).split(",") for c in expand(part)]
    except UnknownCountry as e:
        raise QueryError(f"{where}: {e}") from None
    except (TypeError, ValueError):
        raise QueryError(f"{where}: {value!r} is not a valid {ptype}") from None
    raise QueryError(f"{where}: unknown type {ptype!r}")


def parse_query(source: str, path: str, name: str | None = None) -> Query:
    """Parse a query file's text; raises QueryFileError naming file:line."""
    name = name or Path(path).stem
    if not _NAME.match(name):
        raise QueryFileError(f"{path}:1: bad query name {name!r} (use lower_case letters, digits, _)")
    desc: list[str] = []
    params: list[Param] = []
    writes = False
    lines = source.splitlines()
    body_start = len(lines)
    for i, line in enumerate(lines, 1):
        s = line.strip()
        if not s.startswith("//"):
            if s == "" and not desc and not params:
                continue
            if s == "":
                continue
            body_start = i - 1
            break
        text = s[2:].strip()
        if text.startswith("@param"):
            m = _PARAM.match(text)
            if not m:
                raise QueryFileError(f"{path}:{i}: malformed @param (expected `// @param NAME TYPE [= DEFAULT]`)")
            pname, ptype, raw_default = m.group("name"), m.group("type"), m.group("default")
            if not _NAME.match(pname):
                raise QueryFileError(f"{path}:{i}: bad parameter name {pname!r}")
            if ptype not in TYPES:
                raise QueryFileError(f"{path}:{i}: unknown type {ptype!r} for parameter {pname!r} "
                                     f"(one of {', '.join(TYPES)})")
            if any(p.name == pname for p in params):
                raise QueryFileError(f"{path}:{i}: parameter {pname!r} declared twice")
            required = raw_default is None
            default = None
            if raw_default is not None and raw_default != "null":
                try:
                    default = _convert(ptype, raw_default.strip("'\""), f"{path}:{i}")
                except QueryError as e:
                    raise QueryFileError(str(e)) from None
            params.append(Param(pname, ptype, default, required, (m.group("help") or "").strip(),
                                None if raw_default in (None, "null") else raw_default.strip("'\"")))
        elif text.startswith("@writes"):
            writes = True
        elif text.startswith("@"):
            raise QueryFileError(f"{path}:{i}: unknown header tag {text.split()[0]!r} (use @param or @writes)")
        else:
            desc.append(text)
    body = "\n".join(lines[body_start:]).strip()
    if not body:
        raise QueryFileError(f"{path}:{len(lines) or 1}: the file has no Cypher after its header")
    used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body))
    declared = {p.name for p in params} | {f"{p.name}_label" for p in params if p.type == "countries"}
    undeclared = sorted(used - declared)
    if undeclared:
        raise QueryFileError(f"{path}:1: the Cypher uses undeclared parameter(s) {', '.join('$' + u for u in undeclared)}")
    return Query(name, "\n".join(desc).strip(), params, writes, body, path, source)


def _cypher_dir():
    return resources.files("graphdb.cypher")


def list_queries() -> list[Query]:
    out = []
    for entry in sorted(_cypher_dir().iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".cypher"):
            out.append(parse_query(entry.read_text(encoding="utf-8"), f"cypher/{entry.name}"))
    return out


def load_query(name_or_path: str) -> Query:
    """A shipped query by name, or a ``.cypher`` file by path."""
    if name_or_path.endswith(".cypher") or "/" in name_or_path:
        p = Path(name_or_path)
        if not p.is_file():
            raise QueryError(f"no query file {name_or_path}")
        return parse_query(p.read_text(encoding="utf-8"), str(p))
    entry = _cypher_dir() / f"{name_or_path}.cypher"
    if not entry.is_file():
        names = ", ".join(q.name for q in list_queries())
        raise QueryError(f"no query named {name_or_path!r}", hint=f"one of: {names}")
    return parse_query(entry.read_text(encoding="utf-8"), f"cypher/{name_or_path}.cypher")


def bind(query: Query, given: Mapping[str, Any]) -> dict[str, Any]:
    """Check and convert parameters: unknown or missing ones are refused before anything runs."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise QueryError(f"query {query.name!r} has no parameter(s) {', '.join(unknown)}",
                         hint=f"its parameters: {', '.join(known) or '(none)'}")
    out: dict[str, Any] = {}
    for p in query.params:
        if p.name in given:
            out[p.name] = _convert(p.type, given[p.name], f"parameter {p.name!r}")
        elif p.required:
            raise QueryError(f"query {query.name!r} needs parameter {p.name!r} ({p.type})",
                             hint=f"add `-p {p.name} VALUE`")
        else:
            out[p.name] = p.default
        if p.type == "countries":
            out[f"{p.name}_label"] = str(given.get(p.name, p.default_text or ""))
    return out


def run(db, query: Query, given: Mapping[str, Any] | None = None, *, write: bool = False):
    """Run a query; read mode unless it is declared ``@writes`` and ``write`` is true."""
    params = bind(query, given or {})
    if query.writes and not write:
        raise WriteNotAllowed(f"query {query.name!r} is declared as writing")
    if query.writes:
        with db.errors(f"query {query.name!r}"):
            import neo4j

            return db.driver.execute_query(query.text, parameters_=params, database_=db.database,
                                           routing_=neo4j.RoutingControl.WRITE,
                                           result_transformer_=neo4j.Result.to_df)
    return db.read_df(query.text, params, what=f"query {query.name!r}")
