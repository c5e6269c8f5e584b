"""Settings: environment (NEO4J_URI, NEO4J_USER, NEO4J_PASSWORD, NEO4J_DATABASE, GRAPHDB_HOME), a .env
file in the working directory, and CLI options — options win over the environment, which wins over .env."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from dotenv import dotenv_values


def graphdb_home() -> Path:
    """Where the managed Neo4j, its data and state live (GRAPHDB_HOME, else the user's cache dir)."""
    env = _env("GRAPHDB_HOME")
    if env:
        return Path(env).expanduser().resolve()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("graphdb"))


_DOTENV: dict[str, str | None] | None = None


def _env(name: str) -> str | None:
    """A setting from the environment, else from ./.env (read once)."""
    global _DOTENV
    if name in os.environ:
        return os.environ[name]
    if _DOTENV is None:
        _DOTENV = dotenv_values(Path.cwd() / ".env") if (Path.cwd() / ".env").is_file() else {}
    return _DOTENV.get(name)


@dataclass(frozen=True)
class Settings:
    uri: str | None  # None: the managed local server
    user: str = "neo4j"
    password: str | None = None
    database: str = "neo4j"

    @property
    def managed(self) -> bool:
        return self.uri is None

    def with_options(self, **opts: str | None) -> Settings:
        return replace(self, **{k: v for k, v in opts.items() if v is not None})

    def __repr__(self) -> str:  # never show the password
        return f"Settings(uri={self.uri!r}, user={self.user!r}, database={self.database!r}, password=***)"


def load_settings() -> Settings:
    return Settings(
        uri=_env("NEO4J_URI") or None,
        user=_env("NEO4J_USER") or "neo4j",
        password=_env("NEO4J_PASSWORD") or None,
        database=_env("NEO4J_DATABASE") or "neo4j",
    )
