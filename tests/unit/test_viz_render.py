"""Pure rendering: no database, no browser."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from cibgraph.viz.render import (
    ViewData,
    ViewEdge,
    ViewNode,
    browser_link,
    build_network,
    render_view,
    rows_to_view,
)

XSS = "<img src=x onerror=alert(1)>"
BROWSER = "http://127.0.0.1:7474/browser/"


def _data(bio: str = XSS) -> ViewData:
    return ViewData(
        "t </script><script>alert(1)</script>",
        [
            ViewNode("x:1", "a", "Account", "g1", 5, {"bio": bio, "handle": "a"}),
            ViewNode("x:2", "b", "Account", "", 1, {"handle": "b"}),
        ],
        [ViewEdge("x:1", "x:2", "</script>")],
    )


def test_page_loads_nothing_from_elsewhere() -> None:
    html = render_view(_data(), browser_url=BROWSER)
    assert not re.search(r"<script[^>]+src=", html, re.I)
    assert not re.search(r"<link[^>]+href=", html, re.I)
    assert "bootstrap" not in html.lower()
    assert "default-src 'none'" in html


def test_data_texts_cannot_break_out() -> None:
    html = render_view(_data(), browser_url=BROWSER)
    assert XSS not in html
    # Our three script elements (data, vis-network, page code) and no other closing tag.
    assert html.count("</script>") == 3
    blob = re.search(r'<script type="application/json" id="view-data">(.*?)</script>', html, re.S)
    assert blob is not None
    data = json.loads(blob.group(1))
    bio = dict(data["nodes"][0]["tooltip"])["bio"]
    assert bio == XSS  # the text survives intact, as data
    assert data["title"].startswith("t </script>")
    assert "&lt;/script&gt;" in html.split("<title>")[1].split("</title>")[0]


def test_cap_keeps_the_most_active_and_says_so() -> None:
    nodes = [ViewNode(f"x:{i}", str(i), "Account", "", float(i)) for i in range(10)]
    edges = [ViewEdge("x:9", "x:0"), ViewEdge("x:9", "x:8")]
    net, meta = build_network(ViewData("t", nodes, edges), browser_url=BROWSER, cap=3)
    assert [n["id"] for n in net.nodes] == ["x:9", "x:8", "x:7"]
    assert [(e["from"], e["to"]) for e in net.edges] == [("x:9", "x:8")]
    assert meta["cap_message"] == "Showing 3 of 10 nodes (cap 3); the most active are kept."
    _, meta = build_network(ViewData("t", nodes, edges), browser_url=BROWSER, cap=10)
    assert meta["cap_message"] == ""


def test_colours_follow_groups_with_a_legend() -> None:
    net, meta = build_network(_data(), browser_url=BROWSER)
    colours = {n["id"]: n["color"] for n in net.nodes}
    assert colours["x:1"] != colours["x:2"]
    assert [item["name"] for item in meta["legend"]] == ["g1", "no group"]


@pytest.mark.parametrize("key", ["x:1", 'a"b', "a\\b", "it's", "ünï \n"])
def test_browser_link_prefills_an_escaped_literal(key: str) -> None:
    link = browser_link(BROWSER, "Account", key)
    assert link is not None and link.startswith(BROWSER + "?cmd=edit&arg=")
    arg = parse_qs(urlsplit(link).query)["arg"][0]
    prefix, literal = arg.split("{id: ", 1)
    assert prefix == "MATCH (n:Account "
    assert json.loads(literal.removesuffix("}) RETURN n")) == key
    assert browser_link(BROWSER, "NotALabel", "x") is None


def test_rows_to_view_pairs_and_accounts() -> None:
    pairs = rows_to_view(
        "p",
        [
            {"account_id": "a", "other_account_id": "b", "weight": 3},
            {"account_id": "a", "other_account_id": "c", "weight": 1},
        ],
    )
    assert sorted(n.id for n in pairs.nodes) == ["a", "b", "c"]
    assert [(e.source, e.target, e.value) for e in pairs.edges] == [
        ("a", "b", 3.0),
        ("a", "c", 1.0),
    ]
    accounts = rows_to_view("a", [{"account_id": "a", "handle": "h", "group_id": "g"}])
    assert accounts.nodes[0].label == "h" and accounts.nodes[0].group == "g"
    with pytest.raises(ValueError, match="neither accounts"):
        rows_to_view("x", [{"hashtag": "h"}])


def test_rows_to_view_related_ids_and_sets() -> None:
    succ = rows_to_view("s", [{"account_id": "b1", "predecessor_ids": ["a1", "a2"], "shared": 5}])
    assert {n.id for n in succ.nodes} == {"b1", "a1", "a2"}
    assert {(e.source, e.target) for e in succ.edges} == {("a1", "b1"), ("a2", "b1")}
    cohorts = rows_to_view(
        "c",
        [
            {"created_on": "2020-01-01", "account_ids": ["a", "b", "c"], "size": 3},
            {"created_on": "2020-02-01", "account_ids": ["d", "e"], "size": 2},
        ],
    )
    groups = {n.id: n.group for n in cohorts.nodes}
    assert groups == {
        "a": "created_on 2020-01-01",
        "b": "created_on 2020-01-01",
        "c": "created_on 2020-01-01",
        "d": "created_on 2020-02-01",
        "e": "created_on 2020-02-01",
    }
    assert len(cohorts.edges) == 3  # a star per row


def test_long_item_labels_are_cut_with_the_whole_text_in_the_tooltip() -> None:
    long = "sha256:" + "ab" * 32
    data = ViewData(
        "t",
        [
            ViewNode("x:1", "a_very_long_account_handle_kept_whole", "Account", "g1", 1),
            ViewNode("i:1", long, "Image", "", 1, key=long),
        ],
        [ViewEdge("x:1", "i:1")],
    )
    net, _ = build_network(data, browser_url=BROWSER)
    by_id = {n["id"]: n for n in net.nodes}
    assert by_id["x:1"]["label"] == "a_very_long_account_handle_kept_whole"
    assert by_id["i:1"]["label"] == long[:23] + "…"
    assert dict(by_id["i:1"]["tooltip"])["label"] == long


def test_a_declared_view_draws_without_guessing() -> None:
    from cibgraph.cypher.catalogue import ViewSpec

    rows = [{"src": "a", "dst": "b", "n": 4}, {"src": "a", "dst": "c", "n": 2}]
    with pytest.raises(ValueError, match="neither accounts"):
        rows_to_view("x", rows)
    pairs = rows_to_view("x", rows, ViewSpec("pairs", ("src", "dst"), weight="n"))
    assert [(e.source, e.target, e.value) for e in pairs.edges] == [
        ("a", "b", 4.0),
        ("a", "c", 2.0),
    ]
    sets = rows_to_view(
        "s", [{"day": "d1", "ids": ["a", "b"]}], ViewSpec("sets", ("ids",), label="day")
    )
    assert {n.group for n in sets.nodes} == {"day d1"}
    with pytest.raises(ValueError, match="no column 'other'"):
        rows_to_view("x", rows, ViewSpec("pairs", ("src", "other")))
