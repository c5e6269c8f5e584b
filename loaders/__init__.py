"""Loaders: parse sources into records (pure) and write them to Neo4j in batches."""

from .errors import FetchError, FormatError

__all__ = ["FetchError", "FormatError"]
