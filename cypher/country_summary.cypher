// Per country: papers, single-country (SCP) and multi-country (MCP) papers, the MCP ratio, top partners.
// Counting rule: a paper counts for a country if any author slot is there (full counting); SCP = all of
// the paper's countries are this one, MCP = other countries too, MCP ratio = MCP / papers.
// (bibliometrix counts each paper once, for its corresponding author's country; we count every country
// on the paper, so rows sum to more than the papers.) fractional = sum of the country's share of slots.
// @param venue string = null
// @param year int = null
// @param top int = 30             countries to return, by papers
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH p, [(p)<-[:OF]-(s:Authorship)-[:IN]->(c:Country) | [s.uid, c.code]] AS pairs,
     COUNT { (p)<-[:OF]-(s:Authorship) WHERE (s)-[:IN]->(:Country) } AS nslots
WITH p, pairs, nslots, reduce(acc = [], x IN pairs | CASE WHEN x[1] IN acc THEN acc ELSE acc + x[1] END) AS cs
WHERE size(cs) > 0
UNWIND cs AS code
WITH code, p, cs, toFloat(size([x IN pairs WHERE x[1] = code])) / nslots AS frac
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
