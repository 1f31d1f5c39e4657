"""The stored-query header format and parameter binding (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cibgraph.cypher.catalogue import (
    CatalogueError,
    ParamError,
    cypher_literal,
    load_catalogue,
    load_dir,
    parse_query,
)

GOOD = """// name: demo_query
// description: Accounts posting with a hashtag
//   since a date.
// param: tag str = "maga" : the hashtag
// param: min_posts int = 20 [1..1000]
// param: share float = 0.9 [0..1]
// param: since datetime = 2019-01-01T00:00:00Z
// param: day date = 2019-01-02
// param: tags list[str] = ["a", "b"] [..10]
// param: strict bool = false
// param: group_id str : required
// columns: account_id, posts
MATCH (a:Account)-[:POSTED]->(p:Post)-[:TAGGED]->(h:Hashtag {name: $tag})
WHERE p.posted_at >= $since AND date(p.posted_at) >= $day AND h.name IN $tags
  AND $strict IS NOT NULL AND $share > 0 AND a.group = $group_id
WITH a, count(p) AS posts WHERE posts >= $min_posts
RETURN a.id AS account_id, posts;
"""


def test_header_is_parsed() -> None:
    q = parse_query(GOOD, "demo.cypher")
    assert q.name == "demo_query"
    assert q.description == "Accounts posting with a hashtag since a date."
    assert q.columns == ("account_id", "posts")
    assert not q.cypher.endswith(";") and q.cypher.startswith("MATCH")
    by = {p.name: p for p in q.params}
    assert by["tag"].default == "maga" and by["tag"].help == "the hashtag"
    assert by["min_posts"].default == 20 and by["share"].default == 0.9
    assert by["since"].default == datetime(2019, 1, 1, tzinfo=UTC)
    assert by["day"].default == date(2019, 1, 2)
    assert by["tags"].default == ["a", "b"] and by["strict"].default is False
    assert by["group_id"].required and by["group_id"].help == "required"


def test_bind_coerces_defaults_and_refuses() -> None:
    q = parse_query(GOOD)
    bound = q.bind({"min_posts": "5", "tags": "x, y", "group_id": "g1", "strict": "yes"})
    assert bound["min_posts"] == 5 and bound["tags"] == ["x", "y"] and bound["strict"] is True
    assert bound["since"] == datetime(2019, 1, 1, tzinfo=UTC)
    assert q.bind({"group_id": "g", "since": "2020-05-01T10:00:00"})["since"].tzinfo is not None
    with pytest.raises(ParamError, match="min_posts"):
        q.bind({"min_posts": "many", "group_id": "g"})
    with pytest.raises(ParamError, match="group_id.*required"):
        q.bind({})
    with pytest.raises(ParamError, match="no such parameter"):
        q.bind({"group_id": "g", "cypher": "MATCH (n) DETACH DELETE n"})
    with pytest.raises(ParamError, match="min_posts"):
        q.bind({"min_posts": True, "group_id": "g"})
    # Neo4j holds offsets up to ±18:00 only (found by fuzzing the API).
    assert q.bind({"group_id": "g", "since": "2020-05-01T10:00:00-18:00"})["since"].tzinfo
    with pytest.raises(ParamError, match="since.*18:00"):
        q.bind({"group_id": "g", "since": "2903-09-24T20:50:53.958003+22:45"})


@pytest.mark.parametrize(
    "text, message",
    [
        ("// description: x\nRETURN 1", "name"),
        ("// name: Bad-Name\n// description: x\nRETURN 1", "name"),
        ("// name: q\nRETURN 1", "description"),
        ("// name: q\n// description: d\n", "no Cypher"),
        ("// name: q\n// description: d\n// param: x widget = 1\nRETURN $x", "unknown type"),
        ("// name: q\n// description: d\n// param: x int = one [0..9]\nRETURN $x", "default"),
        ("// name: q\n// description: d\n// param: x int = 1 [0..9]\nRETURN 1", "not used"),
        (
            "// name: q\n// description: d\n// param: x int [0..9]\n"
            "// param: x int [0..9]\nRETURN $x",
            "twice",
        ),
    ],
)
def test_malformed_headers_are_refused(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_query(text, "bad.cypher")


def test_duplicate_names_in_a_folder(tmp_path: Path) -> None:
    for f in ("a.cypher", "b.cypher"):
        (tmp_path / f).write_text("// name: same\n// description: d\nRETURN 1")
    with pytest.raises(CatalogueError, match="also used"):
        load_dir(tmp_path)


def test_cypher_literals_are_escaped() -> None:
    assert cypher_literal('a"b\\c') == '"a\\"b\\\\c"'
    assert cypher_literal([1, "x", None, True]) == '[1, "x", null, true]'
    assert (
        cypher_literal(datetime(2019, 1, 1, tzinfo=UTC)) == 'datetime("2019-01-01T00:00:00+00:00")'
    )


def test_shipped_catalogue_loads() -> None:
    catalogue = load_catalogue()
    for name, q in catalogue.items():
        assert q.name == name and q.description and q.cypher


HEAD = "// name: q\n// description: d\n"


@pytest.mark.parametrize(
    "text, message",
    [
        # `$window` is only a prefix of `$window_seconds`: declared, not used.
        (HEAD + "// param: window int = 1 [0..9]\nRETURN $window_seconds", "window is declared"),
        # Used only inside a string or a comment: not used.
        (HEAD + "// param: x int = 1 [0..9]\nRETURN '$x' // $x\n/* $x */", "not used"),
        (HEAD + "RETURN $undeclared", r"\$undeclared is used but not declared"),
        (HEAD + "// param: limit int = 1 [0..9]\nRETURN $limit", "reserved"),
        (HEAD + "// param: offset int = 1 [0..9]\nRETURN $offset", "reserved"),
        (HEAD + "// param: format str\nRETURN $format", "reserved"),
        (HEAD + "// colums: a\nRETURN 1 AS a", "unknown header key 'colums'"),
        (HEAD + "// param: x int = 1\nRETURN $x", "needs bounds"),
        (HEAD + "// param: x float = 1 [0..]\nRETURN $x", "needs bounds"),
        (HEAD + "// param: x list[str] = a\nRETURN $x", "greatest length"),
        (HEAD + "// param: x int = 10 [0..9]\nRETURN $x", r"default of x 10 is outside \[0..9\]"),
        (HEAD + "// param: x int = 1 [5..2]\nRETURN $x", "empty"),
        (HEAD + "// param: x bool = true [0..1]\nRETURN $x", "takes no bounds"),
        (HEAD + "// param: x int = 1 [0.5..9]\nRETURN $x", "whole numbers"),
        (HEAD + "// columns: a\n// view: pairs a b\nRETURN 1 AS a", "'b' is not in"),
        (HEAD + "// columns: a\n// view: blob a\nRETURN 1 AS a", "cannot read '// view"),
    ],
)
def test_contract_violations_are_refused(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=message):
        parse_query(text, "bad.cypher")


def test_unknown_key_names_file_and_line() -> None:
    with pytest.raises(CatalogueError, match=r"^bad.cypher:3: unknown header key"):
        parse_query(HEAD + "// colour: blue\nRETURN 1", "bad.cypher")


def test_strings_and_comments_do_not_count_as_use() -> None:
    q = parse_query(
        HEAD + "// param: a str\n// param: url str\n"
        "MATCH (n) WHERE n.x = 'it\\'s $b' AND n.u = \"http://h/$c\" AND n.y = $a\n"
        "RETURN `$d` AS d, $url AS u // $e\n"
    )
    assert {p.name for p in q.params} == {"a", "url"}


def test_bounds_are_enforced_on_bind() -> None:
    q = parse_query(
        HEAD + "// param: w int = 60 [1..86400]\n// param: s float = 0.7 [0.5..1]\n"
        "// param: tags list[str] = a [1..3]\n// param: g str = x [..5]\n"
        "RETURN $w, $s, $tags, $g"
    )
    assert q.bind({"w": "86400", "s": "0.5"})["w"] == 86400
    for raw, message in [
        ({"w": "-5"}, r"'w'.*-5 is outside \[1..86400\]"),
        ({"w": "99999999999999999999"}, r"'w'.*outside"),
        ({"w": "0"}, "outside"),
        ({"s": "0.01"}, r"'s'.*0.01 is outside \[0.5..1\]"),
        ({"s": "nan"}, "outside"),
        ({"s": "inf"}, "outside"),
        ({"tags": "a,b,c,d"}, "4 items, at most 3"),
        ({"tags": []}, "0 items, at least 1"),
        ({"g": "toolong"}, "7 characters, at most 5"),
    ]:
        with pytest.raises(ParamError, match=message):
            q.bind(raw)
    by = {p.name: p for p in q.params}
    assert by["w"].bounds_text == "[1..86400]" and by["s"].bounds_text == "[0.5..1]"
    assert by["tags"].bounds_text == "[1..3]" and by["g"].bounds_text == "[..5]"


def test_views_are_declared() -> None:
    q = parse_query(
        HEAD + "// columns: a, b, n\n// view: pairs a b weight=n\nRETURN 1 AS a, 2 AS b, 3 AS n"
    )
    assert q.view is not None
    assert (q.view.kind, q.view.columns, q.view.weight) == ("pairs", ("a", "b"), "n")


def test_every_shipped_query_keeps_the_contract() -> None:
    for q in load_catalogue().values():
        assert q.view is not None, f"{q.path} declares no '// view:'"
        assert q.columns, f"{q.path} declares no '// columns:'"
        for p in q.params:
            if p.type in ("int", "float") or p.type.startswith("list["):
                assert p.maximum is not None, f"{q.path}: {p.name} has no upper bound"
