"""Every stored query on a small planted graph: it finds what was planted and not the decoys."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _detect_planted import COORDINATED, FANS, SUCCESSOR, plant
from conftest import wipe

from cibgraph.cypher.catalogue import load_catalogue
from cibgraph.cypher.runner import run_stored
from cibgraph.db import Graph
from cibgraph.detect import run_detection

TRIO = set(COORDINATED)
TRIO_PAIRS = {("t:c1", "t:c2"), ("t:c1", "t:c3"), ("t:c2", "t:c3")}


@pytest.fixture(scope="module")
def planted(neo4j_server: Any) -> Iterator[Graph]:
    g = Graph(neo4j_server)
    wipe(g)
    plant(g)
    yield g
    g.close()


@pytest.fixture(scope="module")
def detected(planted: Graph) -> Graph:
    run_detection(planted)
    return planted


def rows(graph: Graph, name: str, **params: Any) -> list[dict[str, Any]]:
    return run_stored(graph, name, params).rows


def test_catalogue_has_every_query_of_the_interface() -> None:
    names = set(load_catalogue())
    assert {
        "co_posting_pairs",
        "coordinated_groups",
        "group_evidence",
        "devoted_accounts",
        "creation_cohorts",
        "went_quiet_together",
        "successor_accounts",
        "similar_names",
        "shared_profile_photos",
        "borrowed_profile_photos",
        "unregistered_ad_sponsors",
        "activity_bursts",
    } <= names


def test_co_posting_pairs_counts_distinct_items_in_the_window(detected: Graph) -> None:
    out = rows(detected, "co_posting_pairs", min_shared=5)
    assert {(r["account_id"], r["other_account_id"]) for r in out} == TRIO_PAIRS
    by_pair = {(r["account_id"], r["other_account_id"]): r for r in out}
    # 4 rare images (one a manipulated copy), 2 texts, 1 URL, 3 memes
    assert by_pair[("t:c1", "t:c3")]["shared"] == 10
    assert out[0]["first_at"] < out[0]["last_at"]


def test_co_posting_pairs_default_flags_the_fast_fans_too(detected: Graph) -> None:
    out = rows(detected, "co_posting_pairs")
    flagged = {x for r in out for x in (r["account_id"], r["other_account_id"])}
    assert TRIO <= flagged
    assert set(FANS) & flagged  # what plain counting does: the decoys are in
    assert SUCCESSOR not in flagged  # re-posted weeks later: outside the window


def test_co_posting_pairs_window_and_the_items_detect_wrote(detected: Graph) -> None:
    # a 1 s window loses every pair (posts are 3-8 s apart)
    assert rows(detected, "co_posting_pairs", window_seconds=1) == []
    images = rows(detected, "co_posting_pairs", min_shared=5, item_kinds=["image"])
    assert {(r["account_id"], r["other_account_id"]): r["shared"] for r in images}[
        ("t:c1", "t:c2")
    ] == 7  # 4 rare images and 3 memes
    # what counts as the same image is decided once, by detect, for every consumer
    run_detection(detected, max_phash_distance=1)
    try:
        strict = rows(detected, "co_posting_pairs", min_shared=5)
    finally:
        run_detection(detected)
    by_pair = {(r["account_id"], r["other_account_id"]): r["shared"] for r in strict}
    assert by_pair[("t:c1", "t:c3")] == 9  # the 2-bit copy no longer counts
    assert by_pair[("t:c1", "t:c2")] == 10


def test_coordinated_groups_finds_the_trio_only(detected: Graph) -> None:
    out = rows(detected, "coordinated_groups")
    assert len(out) == 1
    g = out[0]
    assert set(g["members"]) == TRIO and g["size"] == 3
    assert g["score"] > 0
    assert "co_posting" in g["signals"] and "similar_names" in g["signals"]
    assert "creation_cohort" in g["signals"]
    assert "went_quiet_together" in g["signals"]
    assert "3 members created on 2019-03-02" in g["explanation"]


def test_group_evidence_lists_member_posts(detected: Graph) -> None:
    gid = rows(detected, "coordinated_groups")[0]["group_id"]
    out = rows(detected, "group_evidence", group_id=gid)
    assert out, "a group without evidence"
    items = {r["item"] for r in out}
    assert "img:phash:x0" in items and "url:https://example.org/campaign" in items
    assert all(r["kind"] in ("image", "text", "url", "comment") for r in out)
    x1 = next(r for r in out if r["item"] == "img:phash:x1")
    assert set(x1["accounts"]) == TRIO  # c3's near duplicate folded in
    assert {p["post_id"] for p in x1["posts"]} == {f"{a}:x1" for a in COORDINATED}
    assert rows(detected, "group_evidence", group_id="no-such-group") == []


def test_devoted_accounts(detected: Graph) -> None:
    out = rows(detected, "devoted_accounts", hashtags=["#OurVoice"])
    assert [r["account_id"] for r in out] == ["t:c1"]
    assert out[0]["share"] >= 0.9 and out[0]["posts"] >= 100
    loose = rows(detected, "devoted_accounts", hashtags=["ourvoice"], min_share=0.4)
    assert {r["account_id"] for r in loose} == {"t:c1", "t:f1"}


def test_creation_cohorts(detected: Graph) -> None:
    out = rows(detected, "creation_cohorts")
    assert len(out) == 1
    assert set(out[0]["account_ids"]) == TRIO and out[0]["created_on"] == "2019-03-02"
    assert out[0]["went_quiet_together"][0]["went_quiet_on"] == "2019-06-01"
    raw = rows(detected, "creation_cohorts", linked_only=False)
    assert {r["created_on"] for r in raw} == {"2019-03-02", "2016-01-01"}


def test_went_quiet_together(detected: Graph) -> None:
    out = rows(detected, "went_quiet_together")
    assert [(r["went_quiet_on"], set(r["account_ids"])) for r in out] == [("2019-06-01", TRIO)]


def test_successor_accounts(detected: Graph) -> None:
    out = rows(detected, "successor_accounts")
    assert [r["account_id"] for r in out] == [SUCCESSOR]
    assert set(out[0]["predecessor_ids"]) == TRIO
    assert out[0]["shared"] == 9
    assert rows(detected, "successor_accounts", min_shared=4) == []
    assert rows(detected, "successor_accounts", max_gap_days=5) == []


def test_similar_names(detected: Graph) -> None:
    out = rows(detected, "similar_names")
    assert {(r["account_id"], r["other_account_id"]) for r in out} == TRIO_PAIRS
    assert all(r["similarity"] >= 0.7 for r in out)
    raw = rows(detected, "similar_names", linked_only=False)
    ids = {x for r in raw for x in (r["account_id"], r["other_account_id"])}
    assert TRIO <= ids and any(i.startswith("t:lurker") for i in ids)
    assert rows(detected, "similar_names", min_similarity=0.99) == []


def test_shared_profile_photos_leaves_out_default_avatars(detected: Graph) -> None:
    out = rows(detected, "shared_profile_photos")
    assert [set(r["account_ids"]) for r in out] == [{"t:c2", "t:c3"}]
    wide = rows(detected, "shared_profile_photos", max_accounts=1000)
    assert max(r["size"] for r in wide) >= 60


def test_borrowed_profile_photos(detected: Graph) -> None:
    out = rows(detected, "borrowed_profile_photos")
    assert [(r["account_id"], r["distance"]) for r in out] == [("t:c1", 3)]
    assert out[0]["source"] == "stock-photo-site/model-42"
    assert rows(detected, "borrowed_profile_photos", max_phash_distance=2) == []


def test_unregistered_ad_sponsors(detected: Graph) -> None:
    out = rows(detected, "unregistered_ad_sponsors")
    assert len(out) == 1
    r = out[0]
    assert r["sponsor"] == "Patriot Voice Media" and r["account_ids"] == ["t:c1"]
    assert r["ads"] == 2 and r["spend"] == pytest.approx(150.5)


def test_activity_bursts(detected: Graph) -> None:
    out = rows(detected, "activity_bursts", since="2019-04-19T12:00:00Z")
    assert [r["account_id"] for r in out] == ["t:c1"]
    assert out[0]["share_since"] == pytest.approx(1.0)
    early = rows(detected, "activity_bursts", since="2019-03-01T00:00:00Z", min_share=0.99)
    assert {r["account_id"] for r in early} == {"t:c1", "t:f1"}
