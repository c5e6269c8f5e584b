"""The records every parser yields and the writer consumes.

Parsing is pure: a parser reads a file (or API pages) and yields ``PaperRecord`` or
``Reject`` objects in input order. Nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class InstitutionRef:
    """An institution as a source names it for one author slot."""

    name: str
    country: str | None = None  # ISO 3166-1 alpha-2 as the source gives it (source's "China" stays CN)
    ror: str | None = None
    openalex_id: str | None = None
    type: str | None = None


@dataclass
class AuthorSlot:
    """One author's slot on one paper (the reified authorship)."""

    position: int  # 0-based order on the paper
    name: str
    raw_affiliation: str | None = None  # verbatim affiliation text for this slot ("+" kept as in source)
    institutions: list[InstitutionRef] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO2 codes the source gives for this slot
    openreview_id: str | None = None
    orcid: str | None = None
    openalex_id: str | None = None
    email_domain: str | None = None


@dataclass
class PaperRecord:
    source: str  # "paperlists" | "neurips-virtual" | "openalex" | "openreview"
    source_id: str | None
    title: str
    venue: str | None  # short key, e.g. "NeurIPS"
    year: int | None
    authors: list[AuthorSlot]
    abstract: str | None = None
    track: str | None = None
    status: str | None = None
    # ISO2 codes the source gives for the paper as a whole (paperlists aff_country_unique);
    # per-slot attribution may be impossible when the source's index fields do not line up.
    paper_countries: list[str] = field(default_factory=list)
    position: str = ""  # where in the input: "line 12", "record 7"
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Reject:
    """A record that could not be used, with where it was and why."""

    source: str
    path: str
    position: str  # "line 12" / "record 7"
    reason: str  # names the field: "field 'title': missing"
    raw: Any = None
