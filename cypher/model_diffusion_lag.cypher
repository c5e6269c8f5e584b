// Per model and country: years from the model's first public release to the first paper with an author
// slot in that country that mentions it (the graph holds years, not months, for papers; lag_years is
// first_year - release year, so 0 means the same year). Limited by the venues and years loaded.
// @param model string = null
// @param min_papers int = 1
MATCH (m:Model)<-[:MENTIONS]-(p:Paper)<-[:OF]-(:Authorship)-[:IN]->(c:Country)
WHERE ($model IS NULL OR toLower(m.name) = toLower($model) OR toLower(m.family) = toLower($model))
  AND p.year IS NOT NULL
WITH m, c, count(DISTINCT p) AS papers, min(p.year) AS first_year
WHERE papers >= $min_papers
RETURN m.name AS model, m.country AS model_country, m.year AS release_year, m.month AS release_month,
       c.code AS country, first_year, first_year - m.year AS lag_years, papers
ORDER BY model, lag_years, country
