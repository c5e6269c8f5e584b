// Papers with at least one author slot in country/group a and one in b, per venue and year, with a 95% Wilson interval.
// Counting rule: full counting over author slots. A paper counts for a if any of its author slots is
// placed in a (any of the slot's affiliations); "both" needs a slot in a and a slot in b (a slot in b
// that is not also in a, so overlapping groups such as CN vs greater-china stay meaningful).
// Countries come from (:Authorship)-[:IN]->(:Country), read through p.countries (the paper's
// country set, written by the resolve pass); coverage = share of author slots with a country, so
// a reader sees how much of the answer rests on resolved affiliations.
// @param a countries = US               ISO code, name, or group (greater-china = CN+HK+MO+TW)
// @param b countries = greater-china    ISO code, name, or group
// @param venue string = null            venue name (NeurIPS, COLM ...); absent: every venue
// @param year int = null                absent: every year
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH p, coalesce(p.countries, []) AS cs, coalesce(p.n_authors, 0) AS slots,
     coalesce(p.slots_with_country, 0) AS slots_with_country
WITH p.venue AS venue, p.year AS year, count(p) AS papers,
     sum(CASE WHEN any(x IN cs WHERE x IN $a) THEN 1 ELSE 0 END) AS a_papers,
     sum(CASE WHEN any(x IN cs WHERE x IN $b AND NOT x IN $a) THEN 1 ELSE 0 END) AS b_papers,
     sum(CASE WHEN any(x IN cs WHERE x IN $a) AND any(x IN cs WHERE x IN $b AND NOT x IN $a) THEN 1 ELSE 0 END) AS both,
     sum(slots) AS slots, sum(slots_with_country) AS slots_with_country
WITH venue, year, papers, a_papers, b_papers, both, slots, slots_with_country,
     toFloat(both) / papers AS share, 1.96 AS z
WITH venue, year, papers, a_papers, b_papers, both, share, slots, slots_with_country, z,
     (share + z * z / (2.0 * papers)) / (1 + z * z / papers) AS center,
     z * sqrt(share * (1 - share) / papers + z * z / (4.0 * papers * papers)) / (1 + z * z / papers) AS half
RETURN venue, year, $a_label AS a, $b_label AS b, papers, a_papers, b_papers, both,
       round(share, 4) AS share, round(center - half, 4) AS ci_low, round(center + half, 4) AS ci_high,
       slots, slots_with_country,
       CASE WHEN slots = 0 THEN null ELSE round(toFloat(slots_with_country) / slots, 4) END AS coverage
ORDER BY venue, year
