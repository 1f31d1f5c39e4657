"""Time scales, bursts, leaders and lags, near-identical captions, quiet blocks (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from cibgraph.detect.coordination import SCALES, co_actions, group_actions, scale_evidence
from cibgraph.detect.items import kind_of
from cibgraph.detect.scoring import AccountInfo, largest_block, score_edge, score_group
from cibgraph.detect.text_similarity import (
    jaccard,
    normalise_caption,
    shingles,
    text_clusters,
)


def _stagger(members: list[str], n_items: int, step: int, start: int = 0) -> list:
    """A scheduler: each item to each member `step` seconds after the last, same order."""
    acts = []
    for k in range(n_items):
        t0 = start + k * 86400
        for j, m in enumerate(members):
            acts.append((f"img:s{k}", m, t0 + j * step, f"{m}:{k}"))
    return acts


def _per_scale(acts: list, scales=SCALES):
    by_item = group_actions(acts)
    pairs, sharers = co_actions(by_item, max(scales), scales=scales)
    return {
        k: {s: scale_evidence(v, sharers, s) for s in scales} for k, v in pairs.items()
    }, sharers


def test_a_staggered_scheduler_is_found_at_the_wider_scales_only() -> None:
    members = ["a", "b", "c", "d"]
    per_pair, _ = _per_scale(_stagger(members, 20, 300))  # 5 minutes apart
    ev = per_pair[("a", "b")]
    assert ev[60].shared == 0 and ev[10].shared == 0
    assert ev[600].shared == 20 and ev[3600].shared == 20
    e = score_edge(AccountInfo("a"), AccountInfo("b"), ev, ever=20)
    assert e.scale == 600 and 600 in e.scales and 60 not in e.scales
    assert e.median_lag == 300
    assert e.lead_a == 1.0 and e.lead_b == 0.0  # a always posts first
    # the first and last members, 15 minutes apart, only at the hour scale
    assert per_pair[("a", "d")][600].shared == 0 and per_pair[("a", "d")][3600].shared == 20


def test_a_pair_of_friends_minutes_apart_is_no_burst() -> None:
    # b reposts a's pictures 10 minutes later, and a b's: a pair, not a burst of three
    acts = []
    for k in range(30):
        first, second = ("a", "b") if k % 2 else ("b", "a")
        acts += [
            (f"img:f{k}", first, k * 86400, f"p{k}1"),
            (f"img:f{k}", second, k * 86400 + 600, f"p{k}2"),
        ]
    per_pair, _ = _per_scale(acts)
    ev = per_pair[("a", "b")]
    assert ev[3600].shared == 0 and ev[600].shared == 0 and ev[60].shared == 0
    # with a third account joining each time, it is a burst
    acts3 = acts + [(f"img:f{k}", "c", k * 86400 + 900, f"p{k}3") for k in range(30)]
    per_pair3, _ = _per_scale(acts3)
    assert per_pair3[("a", "b")][3600].shared == 30


def test_seconds_apart_count_at_the_short_scales_without_bursts() -> None:
    acts = [
        (f"img:x{k}", acc, k * 1000 + j * 5, f"{acc}{k}")
        for k in range(3)
        for j, acc in enumerate("ab")
    ]
    per_pair, _ = _per_scale(acts)
    assert per_pair[("a", "b")][10].shared == 3 and per_pair[("a", "b")][60].shared == 3


def test_one_scale_override_restricts_detection() -> None:
    acts = _stagger(["a", "b", "c"], 5, 300)
    assert _per_scale(acts, scales=(60,))[0] == {}
    per_pair, _ = _per_scale(acts, scales=(900,))
    assert set(per_pair[("a", "b")]) == {900} and per_pair[("a", "b")][900].shared == 5


def test_a_news_cascade_weighs_next_to_nothing_for_any_pair() -> None:
    # 300 accounts post the same photo within ten minutes, 40 times over, with two heavy
    # posters in every cascade
    acts = []
    for k in range(40):
        for j in range(300):
            acc = "heavy1" if j == 0 else "heavy2" if j == 1 else f"u{k}-{j}"
            acts.append((f"img:news{k}", acc, k * 86400 + j * 2, f"{acc}:{k}"))
    by_item = group_actions(acts)
    pairs, sharers = co_actions(by_item, 3600, scales=SCALES)
    ev = {s: scale_evidence(pairs[("heavy1", "heavy2")], sharers, s) for s in SCALES}
    assert ev[3600].shared == 40
    e = score_edge(AccountInfo("heavy1"), AccountInfo("heavy2"), ev, ever=40)
    assert e.weight < 0.2


def test_group_explanation_says_scheduler_like_stagger() -> None:
    members = ["a", "b", "c", "d"]
    per_pair, sharers = _per_scale(_stagger(members, 30, 240))
    infos = {m: AccountInfo(m) for m in members}
    edges = [score_edge(infos[a], infos[b], ev, ever=30) for (a, b), ev in per_pair.items()]
    best = {(e.a, e.b): per_pair[(e.a, e.b)][e.scale] for e in edges}
    gs = score_group(list(infos.values()), edges, best, sharers)
    assert "posted the same 30 items minutes apart" in gs.explanation
    assert "nearly always in the same order (a scheduler-like stagger)" in gs.explanation
    assert gs.facts["order_consistency"] == 1.0


def test_quiet_blocks_chain_within_the_tolerance() -> None:
    days = [date(2016, 11, d) for d in (12, 14, 15, 17)] + [date(2016, 12, 20)]
    assert largest_block(days, 3) == days[:4]
    assert largest_block(days, 1) == days[1:3]
    assert largest_block([], 3) == []


def test_caption_normalisation_keeps_hashtags_apart() -> None:
    cap = normalise_caption("WAKE UP 🔥 people, read https://x.example/a @someone #Truth #OurVoice")
    assert cap.words == ("wake", "up", "people", "read")
    assert cap.hashtags == ("truth", "ourvoice")
    assert normalise_caption("Ｆｕｌｌ width") == normalise_caption("full width")
    assert shingles(("a", "b", "c")) == {"a b", "b c"}
    assert jaccard({"x"}, {"x"}) == 1.0


def test_near_identical_captions_cluster_and_strangers_do_not() -> None:
    base = "they will never tell you what really happened at the border this week"
    texts = [
        ("k1", base + " #A"),
        ("k2", base.upper() + " 😡 #B #C"),
        ("k3", base.replace("really", "actually")),
        ("k4", "the weather at the lake was lovely this week and we swam every day"),
        ("k5", "100% agree"),
        ("k6", "100 % agree !!"),
    ]
    clusters = text_clusters(texts)
    assert clusters == {"k2": "k1", "k3": "k1"}
    # a series: the same template with another number each time is not one message
    series = [
        (f"s{n}", f"coordinated message number {n} about the election result") for n in (3, 4)
    ]
    assert text_clusters(series) == {}
    # the result does not depend on the order of input
    assert text_clusters(list(reversed(texts))) == clusters


@pytest.mark.parametrize(
    "item,kind",
    [
        ("img:sha256:ab", "image"),
        ("text:k", "text"),
        ("url:https://x", "url"),
        ("comment:p1", "comment"),
    ],
)
def test_item_kinds(item: str, kind: str) -> None:
    assert kind_of(item) == kind


def test_unknown_item_key_is_refused() -> None:
    with pytest.raises(ValueError):
        kind_of("hashtag:x")
