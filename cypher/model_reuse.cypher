// Papers mentioning each model, grouped by where their authors are relative to the model's country.
// home_only: every author slot with a country is in the model's country; foreign_only: none is;
// mixed: some are, some are not; no_country: no slot has a country. with_country: papers with an
// author slot in $country (when given), e.g. Llama (US) in papers with Chinese authors.
// A paper counts once per model, whether the title or the abstract mentions it.
// @param model string = null          a catalog model name (Llama, Qwen ...); absent: every model
// @param country countries = null     an ISO code or group for with_country
// @param venue string = null
// @param year int = null
// @param min_papers int = 1
MATCH (m:Model)<-[:MENTIONS]-(p:Paper)
WHERE ($model IS NULL OR toLower(m.name) = toLower($model) OR toLower(m.family) = toLower($model))
  AND ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH DISTINCT m, p
WITH m, p, coalesce(p.countries, []) AS cs
WITH m, count(p) AS papers,
     sum(CASE WHEN size(cs) > 0 AND all(x IN cs WHERE x = m.country) THEN 1 ELSE 0 END) AS home_only,
     sum(CASE WHEN size(cs) > 0 AND NOT m.country IN cs THEN 1 ELSE 0 END) AS foreign_only,
     sum(CASE WHEN m.country IN cs AND any(x IN cs WHERE x <> m.country) THEN 1 ELSE 0 END) AS mixed,
     sum(CASE WHEN size(cs) = 0 THEN 1 ELSE 0 END) AS no_country,
     sum(CASE WHEN $country IS NOT NULL AND any(x IN cs WHERE x IN $country) THEN 1 ELSE 0 END) AS with_country
WHERE papers >= $min_papers
RETURN m.name AS model, m.family AS family, m.country AS model_country, papers, home_only, mixed, foreign_only,
       no_country, CASE WHEN $country IS NULL THEN null ELSE $country_label END AS country,
       CASE WHEN $country IS NULL THEN null ELSE with_country END AS with_country,
       round(toFloat(foreign_only + mixed) / papers, 3) AS abroad_share
ORDER BY papers DESC, model
