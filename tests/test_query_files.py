"""The query-file loader: header grammar, file:line errors, parameter conversion (no database)."""

from __future__ import annotations

import pytest

from graphdb.queries import QueryFileError, bind, list_queries, load_query, parse_query


def test_shipped_queries_parse_with_descriptions():
    qs = list_queries()
    assert {"cross_border_share", "collaboration_by_counting_rule", "country_pairs", "country_summary",
            "institution_pairs", "bridge_authors", "trend"} <= {q.name for q in qs}
    for q in qs:
        assert q.summary, q.name
        assert not q.writes, f"{q.name} is shipped as a read query"


@pytest.mark.parametrize("text,line,msg", [
    ("// ok\n// @param a countrys = US\nRETURN $a", 2, "unknown type 'countrys'"),
    ("// ok\n// @param\nRETURN 1", 2, "malformed @param"),
    ("// ok\n// @param a int = 1\n// @param a int = 2\nRETURN $a", 3, "declared twice"),
    ("// ok\n// @param n int = abc\nRETURN $n", 2, "not a valid int"),
    ("// ok\n// @frobnicate\nRETURN 1", 2, "unknown header tag '@frobnicate'"),
    ("// only a header\n", 1, "no Cypher"),
    ("// uses undeclared\nRETURN $year", 1, "undeclared parameter(s) $year"),
])
def test_malformed_headers_name_file_and_line(text, line, msg):
    with pytest.raises(QueryFileError) as e:
        parse_query(text, "cypher/bad.cypher")
    assert str(e.value).startswith(f"cypher/bad.cypher:{line}: ")
    assert msg in str(e.value)


def test_bad_file_name_refused():
    with pytest.raises(QueryFileError, match="bad query name 'Bad-Name'"):
        parse_query("RETURN 1", "cypher/Bad-Name.cypher")


def test_types_defaults_and_groups():
    q = parse_query("// d\n// @param a countries = greater-china\n// @param y int = null\n"
                    "// @param f bool = false\n// @param s string\nRETURN $a, $a_label, $y, $f, $s", "x.cypher")
    assert bind(q, {"s": "x"}) == {"a": ["CN", "HK", "MO", "TW"], "a_label": "greater-china", "y": None,
                                   "f": False, "s": "x"}
    assert bind(q, {"s": "x", "a": "us,gb", "y": "2024", "f": "yes"})["a"] == ["US", "GB"]
    with pytest.raises(Exception, match="needs parameter 's'"):
        bind(q, {})


def test_unknown_query_name_lists_the_known_ones():
    with pytest.raises(Exception, match="no query named 'nope'.*cross_border_share"):
        load_query("nope")
