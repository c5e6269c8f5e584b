// Every pair of countries with co-authored papers: full and fractional counts.
// full: papers with author slots in both countries. fractional: a paper with k countries adds
// 1 / (k(k-1)/2) to each of its pairs, so every internationally co-authored paper sums to 1.
// @param venue string = null
// @param year int = null
// @param min_papers int = 1     drop pairs with fewer co-authored papers
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH p, coalesce(p.countries, []) AS cs
WHERE size(cs) > 1
WITH p, cs, size(cs) * (size(cs) - 1) / 2 AS npairs
UNWIND range(0, size(cs) - 2) AS i
UNWIND range(i + 1, size(cs) - 1) AS j
WITH cs[i] AS country_a, cs[j] AS country_b, count(p) AS papers, sum(1.0 / npairs) AS fractional
WHERE papers >= $min_papers
RETURN country_a, country_b, papers, round(fractional, 2) AS fractional
ORDER BY papers DESC, country_a, country_b
