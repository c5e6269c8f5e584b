// Top institution pairs linking a and b: papers on which an author slot at an institution placed in a
// and one at an institution placed in b appear together. The institution's country is the country it
// was placed in on that slot (a company lab can be in several countries).
// @param a countries = US
// @param b countries = greater-china
// @param venue string = null
// @param year int = null
// @param top int = 25
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
MATCH (p)<-[:OF]-(:Authorship)-[ra:AT]->(ia:Institution) WHERE ra.country IN $a
MATCH (p)<-[:OF]-(:Authorship)-[rb:AT]->(ib:Institution) WHERE rb.country IN $b AND NOT rb.country IN $a
WITH ia, ra.country AS country_a, ib, rb.country AS country_b, count(DISTINCT p) AS papers
RETURN ia.name AS inst_a, country_a, ib.name AS inst_b, country_b, papers
ORDER BY papers DESC, inst_a, inst_b LIMIT $top
