"""Models in the graph: the catalog as ``(:Model)-[:DEVELOPED_BY]->(:Institution)`` and
``(:Model)-[:FROM_COUNTRY]->(:Country)``, and ``(:Paper)-[:MENTIONS {field, count}]->(:Model)``
extracted from titles and abstracts with ``graphdb.models.extract_mentions``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from .countries import country_name
from .models import extract_mentions, load_catalog

LOAD_MODELS = """
UNWIND $rows AS r
MERGE (m:Model {name: r.name})
SET m.family = r.family, m.kind = r.kind, m.year = r.year, m.month = r.month, m.url = r.url,
    m.aliases = r.aliases, m.country = r.country
MERGE (c:Country {code: r.country}) ON CREATE SET c.name = r.country_name
MERGE (m)-[:FROM_COUNTRY]->(c)
WITH m, r
UNWIND r.developers AS d
MERGE (i:Institution {uid: d.uid}) ON CREATE SET i.name = d.name
MERGE (m)-[:DEVELOPED_BY]->(i)
"""

FETCH = """
MATCH (p:Paper) WHERE p.models_extracted IS NULL
RETURN p.uid AS uid, p.title AS title, p.abstract AS abstract LIMIT $limit
"""

WRITE = """
UNWIND $rows AS r
MATCH (p:Paper {uid: r.uid})
SET p.models_extracted = true
WITH p, r
UNWIND r.mentions AS x
MATCH (m:Model {name: x.model})
MERGE (p)-[k:MENTIONS {field: x.field}]->(m)
SET k.count = x.count, k.spans = x.spans
"""


@dataclass
class ExtractSummary:
    models: int = 0
    papers: int = 0
    papers_with_mentions: int = 0
    mentions: int = 0
    by_model: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


def _developer(name: str) -> dict[str, str]:
    """The developer as the resolver names it, so the catalog meets the same Institution nodes."""
    from .resolve import Resolver

    atts = [a for a in Resolver(use_source=False).resolve_slot(name) if a.institution_uid]
    if atts and atts[0].institution_uid:
        return {"uid": atts[0].institution_uid, "name": atts[0].institution_name or name}
    from .loaders.identity import normalize_name

    return {"uid": "name:" + normalize_name(name), "name": name}


def load_models(db) -> int:
    rows = []
    for m in load_catalog():
        rows.append({"name": m.name, "family": m.family, "kind": m.kind, "year": m.year, "month": m.month,
                     "url": m.url, "aliases": list(m.aliases), "country": m.country,
                     "country_name": country_name(m.country),
                     "developers": [_developer(d) for d in m.developers]})
    db.write(LOAD_MODELS, {"rows": rows}, what="model catalog")
    return len(rows)


def extract(db, *, force: bool = False, batch_size: int = 2000,
            progress: Callable[[int], None] | None = None) -> ExtractSummary:
    """Load the catalog and write MENTIONS for every paper not yet scanned (all with ``force``)."""
    t0 = time.monotonic()
    s = ExtractSummary(models=load_models(db))
    if force:
        with db.errors("model reset"), db.driver.session(database=db.database) as sess:
            sess.run("MATCH (p:Paper) CALL (p) { OPTIONAL MATCH (p)-[k:MENTIONS]->() DELETE k "
                     "REMOVE p.models_extracted } IN TRANSACTIONS OF 5000 ROWS").consume()
    while True:
        rows = db.read(FETCH, {"limit": batch_size}, what="model extraction")
        if not rows:
            break
        out = []
        for r in rows:
            ms = extract_mentions(r["title"], r["abstract"])
            out.append({"uid": r["uid"], "mentions": [{"model": m.model, "field": m.field, "count": m.count,
                                                        "spans": list(m.spans)[:10]} for m in ms]})
            if ms:
                s.papers_with_mentions += 1
            for m in ms:
                s.mentions += m.count
                s.by_model[m.model] = s.by_model.get(m.model, 0) + m.count
        db.write(WRITE, {"rows": out}, what="model mentions")
        s.papers += len(rows)
        if progress:
            progress(s.papers)
    s.seconds = time.monotonic() - t0
    return s
