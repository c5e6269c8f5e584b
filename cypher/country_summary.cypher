// Per country: papers, single-country (SCP) and multi-country (MCP) papers, the MCP ratio, top partners.
// Counting rule: a paper counts for a country if any author slot is there (full counting); SCP = all of
// the paper's countries are this one, MCP = other countries too, MCP ratio = MCP / papers.
// (bibliometrix counts each paper once, for its corresponding author's country; we count every country
// on the paper, so rows sum to more than the papers.) fractional = each paper is one unit split equally over its author slots with a country,
// and a slot's share split equally over its countries.
// @param venue string = null
// @param year int = null
// @param top int = 30             countries to return, by papers
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH p, [(p)<-[:OF]-(s:Authorship) WHERE (s)-[:IN]->(:Country) | [(s)-[:IN]->(c:Country) | c.code]] AS slotcs
WITH p, slotcs, reduce(acc = [], sc IN slotcs | acc + [x IN sc WHERE NOT x IN acc]) AS cs
WHERE size(cs) > 0
UNWIND cs AS code
WITH code, p, cs,
     reduce(f = 0.0, sc IN slotcs | f + CASE WHEN code IN sc THEN 1.0 / size(sc) ELSE 0.0 END) / size(slotcs) AS frac
WITH code, count(p) AS papers, sum(frac) AS fractional,
     sum(CASE WHEN size(cs) = 1 THEN 1 ELSE 0 END) AS scp,
     sum(CASE WHEN size(cs) > 1 THEN 1 ELSE 0 END) AS mcp,
     reduce(acc = [], l IN collect([x IN cs WHERE x <> code]) | acc + l) AS partners
ORDER BY papers DESC, code LIMIT $top
CALL (partners) {
  UNWIND partners AS partner
  WITH partner, count(*) AS n ORDER BY n DESC, partner LIMIT 5
  RETURN collect(partner + ' ' + toString(n)) AS top_partners
}
MATCH (c:Country {code: code})
RETURN code AS country, c.name AS name, papers, round(fractional, 2) AS fractional, scp, mcp,
       round(toFloat(mcp) / papers, 3) AS mcp_ratio, top_partners
ORDER BY papers DESC, country
