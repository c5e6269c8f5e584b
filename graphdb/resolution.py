"""The resolve pass over the graph: every author slot gets institutions and countries, with provenance.

For each ``Authorship`` not yet resolved it calls the pure resolver (``graphdb.resolve``) on the
slot's raw affiliation and what the source said (``src``), then writes
``(:Authorship)-[:AT {resolved_by, confidence, country}]->(:Institution)`` and
``(:Authorship)-[:IN {resolved_by, confidence}]->(:Country)``. Slots whose source gives
countries go first, so the institutions they place teach the ``learned`` layer for the rest.

When a source gives the countries of a paper but not of each slot (Paper Copilot index fields
that do not line up), a country the slots do not cover is attached to one extra authorship
``{uid: <paper>#unattributed, unattributed: true}`` with ``resolved_by: 'source-paper-level'``,
so "some author slot in country X" stays true to the source. Resolver countries outside the
paper's source set are not written for such papers (the source wins; counted in the summary).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from .countries import country_name

GREATER_CHINA_PARTS = ("HK", "MO", "TW")

FETCH = """
MATCH (s:Authorship) WHERE s.resolved = false AND s.has_src = $with_src
MATCH (s)-[:OF]->(p:Paper)
RETURN s.uid AS uid, s.raw_affiliation AS raw, s.src AS src, p.src_countries AS paper_countries
LIMIT $limit
"""

WRITE = """
UNWIND $rows AS r
MATCH (s:Authorship {uid: r.uid})
SET s.resolved = true, s.layers = r.layers
WITH s, r
CALL (s) { MATCH (s)-[old:AT|IN]->() DELETE old }
WITH s, r
UNWIND r.atts AS a
CALL (s, a) {
  WITH s, a WHERE a.inst_uid IS NOT NULL
  MERGE (i:Institution {uid: a.inst_uid})
    ON CREATE SET i.name = a.inst_name, i.ror = a.ror, i.openalex_id = a.openalex_id
  MERGE (s)-[at:AT]->(i)
    ON CREATE SET at.resolved_by = a.layer, at.confidence = a.confidence, at.country = a.country
}
CALL (s, a) {
  WITH s, a WHERE a.country IS NOT NULL
  MERGE (c:Country {code: a.country}) ON CREATE SET c.name = a.country_name
  MERGE (s)-[x:IN]->(c) ON CREATE SET x.resolved_by = a.layer, x.confidence = a.confidence
}
"""

UNATTRIBUTED = """
MATCH (p:Paper) WHERE size(coalesce(p.src_countries, [])) > 0
OPTIONAL MATCH (p)<-[:OF]-(s:Authorship)-[:IN]->(c:Country)
WHERE NOT coalesce(s.unattributed, false)
WITH p, collect(DISTINCT c.code) AS have
WITH p, [x IN p.src_countries WHERE NOT x IN have
         AND NOT (x = 'CN' AND any(h IN have WHERE h IN $gc_parts))] AS missing
WHERE size(missing) > 0
MERGE (u:Authorship {uid: p.uid + '#unattributed'})
  ON CREATE SET u.unattributed = true, u.position = -1, u.resolved = true, u.has_src = true
MERGE (u)-[:OF]->(p)
WITH u, missing
UNWIND missing AS code
MERGE (c:Country {code: code})
MERGE (u)-[r:IN]->(c) ON CREATE SET r.resolved_by = 'source-paper-level', r.confidence = 1.0
RETURN count(*) AS n
"""

LOCATED_IN = """
MATCH (i:Institution)<-[at:AT]-() WHERE at.country IS NOT NULL
WITH i, at.country AS code, count(*) AS slots, collect(DISTINCT at.resolved_by) AS layers
MATCH (c:Country {code: code})
MERGE (i)-[l:LOCATED_IN]->(c)
SET l.slots = slots, l.resolved_by = layers
RETURN count(*) AS n
"""

LEARNED = """
MATCH (i:Institution)-[l:LOCATED_IN]->(c:Country)
WHERE any(x IN l.resolved_by WHERE x IN ['source', 'table'])
WITH i, c ORDER BY l.slots DESC
WITH i, collect(c.code)[0] AS code
RETURN i.uid AS uid, code
"""


@dataclass
class ResolveSummary:
    slots: int = 0
    by_layer: dict[str, int] = field(default_factory=dict)
    dropped_outside_source: int = 0
    unattributed_papers: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _refs(src: dict[str, Any]):
    from graphdb.loaders.records import InstitutionRef

    out = []
    for i in src.get("institutions", []):
        try:
            out.append(InstitutionRef(**i))
        except TypeError:
            continue
    return out


def _in_source_set(code: str, source: set[str]) -> bool:
    return code in source or (code in GREATER_CHINA_PARTS and "CN" in source)


def resolve_graph(db, *, force: bool = False, use_source: bool = True, batch_size: int = 2000,
                  progress: Callable[[int], None] | None = None) -> ResolveSummary:
    """Resolve every unresolved author slot (all of them with ``force``)."""
    from .resolve import Resolver

    t0 = time.monotonic()
    summary = ResolveSummary()
    if force:
        _reset(db)
    learned = {r["uid"]: r["code"] for r in db.read(LEARNED, what="learned institutions")}
    resolver = Resolver(use_source=use_source, learned=learned)
    for with_src in (True, False):
        while True:
            rows = db.read(FETCH, {"with_src": with_src, "limit": batch_size}, what="resolve fetch")
            if not rows:
                break
            out = []
            for r in rows:
                src = json.loads(r["src"]) if r["src"] else {}
                atts = resolver.resolve_slot(r["raw"], _refs(src), src.get("countries", []),
                                             src.get("email_domain"))
                paper_set = set(r["paper_countries"] or [])
                rows_atts = []
                for a in atts:
                    country = a.country
                    if country and paper_set and not _in_source_set(country, paper_set):
                        summary.dropped_outside_source += 1
                        country = None
                    if a.layer == "source" and a.institution_uid and a.country:
                        resolver.learn(a.institution_uid, a.country)
                    layer = a.layer if country or a.layer == "unresolved" else "unresolved"
                    summary.by_layer[layer] = summary.by_layer.get(layer, 0) + 1
                    rows_atts.append({"inst_uid": a.institution_uid, "inst_name": a.institution_name,
                                      "ror": a.ror, "openalex_id": a.openalex_id, "country": country,
                                      "country_name": country_name(country) if country else None,
                                      "layer": layer, "confidence": float(a.confidence)})
                out.append({"uid": r["uid"], "atts": rows_atts,
                            "layers": sorted({str(a["layer"]) for a in rows_atts})})
            db.write(WRITE, {"rows": out}, what="resolve write")
            summary.slots += len(out)
            if progress:
                progress(summary.slots)
    db.write(UNATTRIBUTED, {"gc_parts": list(GREATER_CHINA_PARTS)}, what="paper-level countries")
    summary.unattributed_papers = _count_unattributed(db)
    db.write("MATCH (:Institution)-[l:LOCATED_IN]->() DELETE l", what="institution countries")
    db.write(LOCATED_IN, what="institution countries")
    refresh_paper_countries(db, everything=force)
    summary.seconds = time.monotonic() - t0
    return summary


REFRESH_PAPERS = """
MATCH (p:Paper) WHERE p.countries IS NULL OR $everything
CALL (p) {
  SET p.countries = COLLECT { MATCH (p)<-[:OF]-(:Authorship)-[:IN]->(c:Country) RETURN DISTINCT c.code ORDER BY c.code },
      p.slots_with_country = COUNT { (p)<-[:OF]-(s:Authorship) WHERE s.unattributed IS NULL AND (s)-[:IN]->(:Country) }
} IN TRANSACTIONS OF 10000 ROWS
"""


def refresh_paper_countries(db, everything: bool = False) -> None:
    """Write each paper's country set (``p.countries``: the sorted distinct codes of its author slots'
    ``IN`` edges) and ``p.slots_with_country``: a cache of the counting edges that paper-level queries
    read instead of expanding every slot (12x faster on 20k papers). Written by every resolve pass for
    papers that lack it (all with ``everything``); a paper's slots never change after its load."""
    with db.errors("paper country sets"), db.driver.session(database=db.database) as s:
        s.run(REFRESH_PAPERS, everything=everything).consume()


def _count_unattributed(db) -> int:
    return db.read("MATCH (u:Authorship {unattributed: true}) RETURN count(u) AS n")[0]["n"]


def _reset(db) -> None:
    db.write("MATCH (u:Authorship {unattributed: true}) DETACH DELETE u", what="resolve reset")
    with db.errors("resolve reset"), db.driver.session(database=db.database) as s:
        s.run("MATCH (s:Authorship) CALL (s) { OPTIONAL MATCH (s)-[r:AT|IN]->() DELETE r "
              "SET s.resolved = false } IN TRANSACTIONS OF 5000 ROWS").consume()


def coverage(db) -> dict[str, Any]:
    """Share of author slots (with a non-empty affiliation or source data) that have a country, by layer."""
    rows = db.read("""
        MATCH (s:Authorship) WHERE NOT coalesce(s.unattributed, false)
        WITH s, (s.raw_affiliation IS NOT NULL AND trim(s.raw_affiliation) <> '' AND s.raw_affiliation <> 'None')
                OR s.has_src AS has_aff
        OPTIONAL MATCH (s)-[x:IN]->(:Country)
        WITH s, has_aff, collect(x.resolved_by) AS layers
        RETURN count(s) AS slots, sum(CASE WHEN has_aff THEN 1 ELSE 0 END) AS with_affiliation,
               sum(CASE WHEN size(layers) > 0 THEN 1 ELSE 0 END) AS with_country,
               sum(CASE WHEN has_aff AND size(layers) > 0 THEN 1 ELSE 0 END) AS aff_with_country
        """, what="coverage")[0]
    layers = db.read("""
        MATCH (s:Authorship) WHERE NOT coalesce(s.unattributed, false)
        OPTIONAL MATCH (s)-[x:IN]->(:Country)
        WITH s, head(collect(x.resolved_by)) AS layer
        RETURN coalesce(layer, 'none') AS layer, count(*) AS slots ORDER BY slots DESC
        """, what="coverage by layer")
    wa = rows["with_affiliation"] or 0
    return {**rows, "coverage": (rows["aff_with_country"] / wa) if wa else None,
            "by_layer": {r["layer"]: r["slots"] for r in layers}}


def report(db, top: int = 25) -> dict[str, Any]:
    """Coverage, most frequent unresolved strings, institutions whose country sources disagree."""
    unresolved = db.read("""
        MATCH (s:Authorship) WHERE s.resolved AND NOT coalesce(s.unattributed, false)
          AND s.raw_affiliation IS NOT NULL AND trim(s.raw_affiliation) <> '' AND s.raw_affiliation <> 'None'
          AND NOT (s)-[:IN]->(:Country)
        RETURN s.raw_affiliation AS affiliation, count(*) AS slots ORDER BY slots DESC, affiliation LIMIT $top
        """, {"top": top}, what="unresolved strings")
    disagree = db.read("""
        MATCH (i:Institution)-[l:LOCATED_IN]->(c:Country)
        WITH i, collect({code: c.code, slots: l.slots, by: l.resolved_by}) AS cs WHERE size(cs) > 1
        RETURN i.name AS institution, [x IN cs | x.code + ' (' + toString(x.slots) + ' slots, ' +
               reduce(t = '', y IN x.by | t + CASE WHEN t = '' THEN '' ELSE '+' END + y) + ')'] AS countries,
               reduce(n = 0, x IN cs | n + x.slots) AS slots
        ORDER BY slots DESC LIMIT $top
        """, {"top": top}, what="country disagreements")
    return {"coverage": coverage(db), "unresolved": unresolved, "disagreements": disagree}
