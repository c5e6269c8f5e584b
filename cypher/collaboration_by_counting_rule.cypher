// The a x b figure per venue and year under each counting rule, side by side.
// any_slot: a paper with an author slot in a and one in b (full counting; = cross_border_share.both).
// fractional: each paper is one unit split equally over its author slots; a paper with slots in both
//   a and b contributes the share of its slots that are in a or b (sum over papers).
// first_last: the first author's slot in a and the last author's in b, or the other way round.
// dual_affiliation: one author slot holding affiliations in both a and b (one person, two countries).
// only_a_b: every author slot with a country is in a or b, and both occur (strictly bilateral papers).
// any_slot_greater_china: any_slot with b widened to greater China (CN+HK+MO+TW) when b contains CN;
//   comparing it with any_slot shows what splitting Hong Kong, Macau and Taiwan out of "China" does.
// @param a countries = US
// @param b countries = CN
// @param venue string = null
// @param year int = null
MATCH (p:Paper)
WHERE ($venue IS NULL OR toLower(p.venue) = toLower($venue)) AND ($year IS NULL OR p.year = $year)
WITH p, CASE WHEN 'CN' IN $b THEN $b + [x IN ['HK', 'MO', 'TW'] WHERE NOT x IN $b] ELSE $b END AS bgc,
     [(p)<-[:OF]-(s:Authorship) | {pos: s.position, un: coalesce(s.unattributed, false),
        cs: [(s)-[:IN]->(c:Country) | c.code]}] AS slots
WITH p, bgc, slots,
     [s IN slots WHERE NOT s.un] AS real,
     reduce(acc = [], s IN slots | acc + s.cs) AS allcs
WITH p, bgc, slots, real, allcs,
     any(x IN allcs WHERE x IN $a) AS has_a,
     any(x IN allcs WHERE x IN $b AND NOT x IN $a) AS has_b,
     any(x IN allcs WHERE x IN bgc AND NOT x IN $a) AS has_bgc,
     [s IN real WHERE s.pos = reduce(m = 1000000, t IN real | CASE WHEN t.pos < m THEN t.pos ELSE m END)][0] AS first,
     [s IN real WHERE s.pos = reduce(m = -1, t IN real | CASE WHEN t.pos > m THEN t.pos ELSE m END)][0] AS last
WITH p, has_a, has_b, has_bgc, first, last,
     size(real) AS n_real,
     size([s IN real WHERE any(x IN s.cs WHERE x IN $a) OR any(x IN s.cs WHERE x IN $b)]) AS n_ab,
     any(s IN real WHERE any(x IN s.cs WHERE x IN $a) AND any(x IN s.cs WHERE x IN $b AND NOT x IN $a)) AS dual,
     all(x IN allcs WHERE x IN $a OR x IN $b) AS only_ab
WITH p.venue AS venue, p.year AS year, count(p) AS papers,
     sum(CASE WHEN has_a AND has_b THEN 1 ELSE 0 END) AS any_slot,
     sum(CASE WHEN has_a AND has_b AND n_real > 0 THEN toFloat(n_ab) / n_real ELSE 0.0 END) AS fractional,
     sum(CASE WHEN first IS NOT NULL AND last IS NOT NULL AND first.pos <> last.pos AND (
           (any(x IN first.cs WHERE x IN $a) AND any(x IN last.cs WHERE x IN $b AND NOT x IN $a)) OR
           (any(x IN first.cs WHERE x IN $b AND NOT x IN $a) AND any(x IN last.cs WHERE x IN $a)))
         THEN 1 ELSE 0 END) AS first_last,
     sum(CASE WHEN dual THEN 1 ELSE 0 END) AS dual_affiliation,
     sum(CASE WHEN has_a AND has_b AND only_ab THEN 1 ELSE 0 END) AS only_a_b,
     sum(CASE WHEN has_a AND has_bgc THEN 1 ELSE 0 END) AS any_slot_greater_china
RETURN venue, year, $a_label AS a, $b_label AS b, papers, any_slot, round(fractional, 2) AS fractional,
       first_last, dual_affiliation, only_a_b, any_slot_greater_china,
       round(toFloat(any_slot) / papers, 4) AS any_slot_share,
       round(toFloat(any_slot_greater_china) / papers, 4) AS greater_china_share
ORDER BY venue, year
