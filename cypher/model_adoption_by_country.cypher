// Per model and country: papers with an author slot in that country that mention the model, and the
// first year such a paper appears (full counting: a paper counts for every country on it).
// @param model string = null
// @param venue string = null
// @param min_papers int = 1
MATCH (m:Model)<-[:MENTIONS]-(p:Paper)
WHERE ($model IS NULL OR toLower(m.name) = toLower($model) OR toLower(m.family) = toLower($model))
  AND ($venue IS NULL OR toLower(p.venue) = toLower($venue))
WITH DISTINCT m, p
MATCH (p)<-[:OF]-(:Authorship)-[:IN]->(c:Country)
WITH m, c, p, p.year AS year
WITH m, c, count(DISTINCT p) AS papers, min(year) AS first_year
WHERE papers >= $min_papers
RETURN m.name AS model, m.country AS model_country, c.code AS country, c.name AS country_name, papers,
       first_year, c.code = m.country AS home
ORDER BY model, papers DESC, country
