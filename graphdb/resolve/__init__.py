"""Affiliation resolution: raw affiliation strings -> institutions -> ISO2 countries, with provenance.

>>> from graphdb.resolve import Resolver
>>> [(a.country, a.layer) for a in Resolver().resolve_slot("Dept. of CS, Tsinghua Univ.")]
[('CN', 'table')]
"""

from graphdb.resolve.normalize import clean_text, normalize_affiliation, split_affiliations
from graphdb.resolve.resolver import LAYERS, Attribution, Resolver, tld_country
from graphdb.resolve.table import Entry, Table, default_table, load_table

__all__ = [
    "LAYERS", "Attribution", "Resolver", "normalize_affiliation", "split_affiliations", "clean_text",
    "tld_country", "Entry", "Table", "default_table", "load_table",
]
