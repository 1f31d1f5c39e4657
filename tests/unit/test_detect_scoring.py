"""Pure scoring and co-posting functions."""

from __future__ import annotations

from datetime import date

from cibgraph.detect.coordination import (
    PairEvidence,
    group_actions,
    item_weight,
    plain_co_share_pairs,
    window_pairs,
)
from cibgraph.detect.scoring import (
    AccountInfo,
    edge_parts,
    edge_weight,
    name_similarity,
    score_edge,
    score_group,
)


def test_window_pairs_only_within_window_and_distinct_accounts() -> None:
    acts = [
        ("i1", "a", 0, "p1"),
        ("i1", "b", 30, "p2"),
        ("i1", "c", 200, "p3"),
        ("i1", "a", 31, "p4"),  # same account twice: not a pair with itself
        ("i2", "a", 1000, "p5"),
        ("i2", "b", 1059, "p6"),
    ]
    pairs = window_pairs(group_actions(acts), 60)
    assert set(pairs) == {("a", "b")}
    ev = pairs[("a", "b")]
    assert ev.shared == 2
    assert ev.items["i1"] == (31, 30, "p4", "p2")  # the closest co-action is kept
    assert plain_co_share_pairs(group_actions(acts), 60, 2) == {("a", "b")}
    assert plain_co_share_pairs(group_actions(acts), 60, 3) == set()


def test_rare_items_weigh_more_than_viral_ones() -> None:
    assert item_weight(2) == 1.0
    assert item_weight(3) > item_weight(100) * 40
    viral = [("meme", f"fan{i:03d}", i, f"p{i}") for i in range(200)]
    rare = [("own", "x", 0, "q1"), ("own", "y", 5, "q2")]
    pairs = window_pairs(group_actions(viral + rare), 60)
    assert pairs[("x", "y")].weight > 20 * pairs[("fan000", "fan001")].weight
    # the sweep stays inside the window: fan000 and fan199 are not a pair
    assert ("fan000", "fan199") not in pairs
    assert window_pairs(group_actions(viral), 60, max_sharers=100) == {}


def test_name_similarity() -> None:
    assert name_similarity("anna.weber91", "anna_weber92") > 0.85
    assert name_similarity("anna.weber91", "peter.pan") < 0.3
    assert name_similarity("a", "anna") == 0.0


def test_edge_and_group_scores_explain_themselves() -> None:
    day = date(2019, 3, 2)
    a = AccountInfo("a", "anna.weber91", day, "img1", 2, True, date(2019, 6, 1))
    b = AccountInfo("b", "anna_weber92", day, "img1", 2, True, date(2019, 6, 1))
    c = AccountInfo("c", "annaweber_93", day, None, 0, False, date(2019, 6, 1))
    acts = [
        (f"i{k}", acc, 100 * k + j, f"{acc}{k}") for k in range(4) for j, acc in enumerate("abc")
    ]
    ev = window_pairs(group_actions(acts), 60)

    def one(pair: tuple[str, str]) -> dict[int, PairEvidence]:
        return {60: ev[pair]}

    e_ab = score_edge(a, b, one(("a", "b")))
    assert {"co_posting", "similar_names", "creation_cohort", "shared_profile_photo"} <= set(
        e_ab.signals
    )
    assert e_ab.weight > e_ab.parts["co_posting"]
    e_ac = score_edge(a, c, one(("a", "c")))
    assert "shared_profile_photo" not in e_ac.signals
    # a default avatar (thousands of users) is no evidence
    crowd = AccountInfo("a", "x1", None, "img1", 5000)
    assert "shared_profile_photo" not in score_edge(crowd, crowd, one(("a", "b"))).signals
    edges = [e_ab, e_ac, score_edge(b, c, one(("b", "c")))]
    gs = score_group([a, b, c], edges, ev, {f"i{k}": 3 for k in range(4)})
    assert gs.score > 0
    assert "went_quiet_together" in gs.signals and "creation_cohort" in gs.signals
    assert "3 members created on 2019-03-02" in gs.explanation
    assert gs.facts["items"] == 4


def test_edge_parts_give_the_weight_and_shared_score_edge_gives() -> None:
    """The pipeline drops a pair on `edge_parts` and the totals before any evidence is
    built: that must be the weight and count `score_edge` would have given it."""
    day = date(2019, 3, 2)
    people = [
        AccountInfo("a", "anna.weber91", day, "img1", 2, True),
        AccountInfo("b", "anna_weber92", day, "img1", 2, True),
        AccountInfo("c", "peter.pan", None, None, 0, False),
        AccountInfo("d", "zz_top", date(2020, 1, 1), "img9", 3, False),
    ]
    acts = [
        (f"i{k}", acc.id, 37 * k + 11 * j * (k % 3), f"{acc.id}{k}")
        for k in range(9)
        for j, acc in enumerate(people)
        if (k + j) % 4
    ]
    by_scale = {s: window_pairs(group_actions(acts), s) for s in (60, 600, 3600)}
    checked = 0
    for x in people:
        for y in people:
            if x.id >= y.id or (x.id, y.id) not in by_scale[3600]:
                continue
            per_scale = {
                s: pairs.get((x.id, y.id), PairEvidence()) for s, pairs in by_scale.items()
            }
            for ever in (0, 5, 40):
                parts = edge_parts(x, y, per_scale, ever=ever)
                whole = score_edge(x, y, per_scale, ever=ever)
                assert edge_weight(parts) == whole.weight
                assert per_scale[parts[0]].shared == whole.shared
                assert score_edge(x, y, per_scale, parts=parts) == whole
                checked += 1
    assert checked >= 9
