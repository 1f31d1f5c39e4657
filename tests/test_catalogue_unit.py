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
// param: min_posts int = 20
// param: share float = 0.9
// param: since datetime = 2019-01-01T00:00:00Z
// param: day date = 2019-01-02
// param: tags list[str] = ["a", "b"]
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


@pytest.mark.parametrize(
    "text, message",
    [
        ("// description: x\nRETURN 1", "name"),
        ("// name: Bad-Name\n// description: x\nRETURN 1", "name"),
        ("// name: q\nRETURN 1", "description"),
        ("// name: q\n// description: d\n", "no Cypher"),
        ("// name: q\n// description: d\n// param: x widget = 1\nRETURN $x", "unknown type"),
        ("// name: q\n// description: d\n// param: x int = one\nRETURN $x", "default"),
        ("// name: q\n// description: d\n// param: x int = 1\nRETURN 1", "not used"),
        ("// name: q\n// description: d\n// param: x int\n// param: x int\nRETURN $x", "twice"),
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
