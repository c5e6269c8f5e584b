// Authors with affiliations in both a and b: on one paper (one slot with both, or - rarely - the same
// person twice), or across papers (a in one paper, b in another). Authors are identified by the
// strongest id the sources give (OpenReview, ORCID, OpenAlex), else by normalised name: a name
// shared by two people can make a false bridge, so check the papers listed.
// @param a countries = US
// @param b countries = greater-china
// @param venue string = null
// @param year int = null
// @param top int = 25
MATCH (au:Author)-[:WROTE]->(s:Authorship)-[:OF]->(p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH au, s, p, [(s)-[:IN]->(c:Country) | c.code] AS cs
WITH au, collect({p: p, cs: cs}) AS rows
WITH au, rows,
     [r IN rows WHERE any(x IN r.cs WHERE x IN $a)] AS in_a,
     [r IN rows WHERE any(x IN r.cs WHERE x IN $b AND NOT x IN $a)] AS in_b
WHERE size(in_a) > 0 AND size(in_b) > 0
WITH au, rows, in_a, in_b,
     size([r IN rows WHERE any(x IN r.cs WHERE x IN $a) AND any(x IN r.cs WHERE x IN $b AND NOT x IN $a)]) AS same_slot
RETURN au.name AS author, au.uid AS uid, size(rows) AS papers, size(in_a) AS papers_in_a, size(in_b) AS papers_in_b,
       same_slot AS papers_with_both,
       CASE WHEN same_slot > 0 THEN 'one paper' ELSE 'across papers' END AS bridge,
       [r IN rows | r.p.title][..5] AS titles
ORDER BY papers_with_both DESC, papers DESC, author LIMIT $top
