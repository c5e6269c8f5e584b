// Paths from a model's country to papers that use the model and none of whose author slots is in that
// country: (:Country)<-[:FROM_COUNTRY]-(:Model)<-[:MENTIONS]-(:Paper)<-[:OF]-(:Authorship)-[:IN]->(:Country).
// In Neo4j Browser, return `path` instead of the columns to draw them.
// @param model string = null
// @param venue string = null
// @param year int = null
// @param top int = 100
MATCH path = (home:Country)<-[:FROM_COUNTRY]-(m:Model)<-[:MENTIONS]-(p:Paper)
WHERE ($model IS NULL OR toLower(m.name) = toLower($model) OR toLower(m.family) = toLower($model))
  AND ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH DISTINCT home, m, p
WITH home, m, p, coalesce(p.countries, []) AS cs
WHERE size(cs) > 0 AND NOT home.code IN cs
RETURN m.name AS model, home.code AS model_country, cs AS paper_countries, p.title AS title, p.venue AS venue,
       p.year AS year
ORDER BY model, year, title LIMIT $top
