// The a x b co-authorship share by year, across venues (or within one venue), with a 95% Wilson interval.
// Counting rule: full counting over author slots, as in cross_border_share; a paper counts once per year.
// @param a countries = US
// @param b countries = greater-china
// @param venue string = null     absent: every venue pooled per year
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND p.year IS NOT NULL
WITH p, coalesce(p.countries, []) AS cs
WITH p.year AS year, count(p) AS papers, collect(DISTINCT p.venue) AS venues,
     sum(CASE WHEN any(x IN cs WHERE x IN $a) AND any(x IN cs WHERE x IN $b AND NOT x IN $a) THEN 1 ELSE 0 END) AS both
WITH year, venues, papers, both, toFloat(both) / papers AS share, 1.96 AS z
WITH year, venues, papers, both, share, z,
     (share + z * z / (2.0 * papers)) / (1 + z * z / papers) AS center,
     z * sqrt(share * (1 - share) / papers + z * z / (4.0 * papers * papers)) / (1 + z * z / papers) AS half
RETURN year, venues, $a_label AS a, $b_label AS b, papers, both, round(share, 4) AS share,
       round(center - half, 4) AS ci_low, round(center + half, 4) AS ci_high
ORDER BY year
