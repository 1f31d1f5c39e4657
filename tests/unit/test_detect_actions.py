"""Columnar actions read exactly like the tuple mapping the scoring functions were written for."""

from __future__ import annotations

import random

import numpy as np
import pytest

from cibgraph.detect import actions as actions_mod
from cibgraph.detect.actions import from_tuples
from cibgraph.detect.coordination import SCALES, co_actions, group_actions


def _random_actions(seed: int, n: int = 3000) -> list[tuple[str, str, int, str]]:
    rnd = random.Random(seed)
    accounts = [f"acc{i:03d}" for i in range(60)] + ["é-unicode", "Z"]
    items = [f"text:{i}" for i in range(400)] + ["url:https://x.example/ü", "comment:p1"]
    out = []
    for k in range(n):
        t = 1_600_000_000 + rnd.randrange(0, 20_000)
        # ties on (item, time, account) with different posts must sort by post id
        post = f"p{rnd.randrange(0, 10**6)}" if k % 7 else "p-same"
        out.append((rnd.choice(items), rnd.choice(accounts), t, post))
    out += [("text:dup", "a", 5, "p2"), ("text:dup", "a", 5, "p10"), ("text:dup", "b", 5, "p1")]
    out += [("text:alone", "a", 1, "q1"), ("text:alone", "a", 9, "q2")]  # one sharer: dropped
    return out


@pytest.mark.parametrize("chunk", [7, 200_000])
def test_columns_equal_the_tuple_mapping(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(actions_mod, "CHUNK", chunk)
    acts = _random_actions(1)
    cols = from_tuples(acts)
    ref = {k: v for k, v in group_actions(acts).items() if len({a for _, a, _ in v}) >= 2}
    assert list(cols) == sorted(ref)
    assert dict(cols.items()) == ref
    assert all(cols[k] == ref[k] for k in ("text:dup", "url:https://x.example/ü"))
    assert "text:alone" not in cols and cols.actions == sum(len(v) for v in ref.values())
    sharers = dict(zip(cols.item_keys, cols.sharers().tolist(), strict=True))
    assert sharers == {k: len({a for _, a, _ in v}) for k, v in ref.items()}


def test_items_of_each_account() -> None:
    acts = _random_actions(2)
    cols = from_tuples(acts)
    ref = {k: v for k, v in group_actions(acts).items() if len({a for _, a, _ in v}) >= 2}
    want = {"acc001", "acc017", "é-unicode", "nobody"}
    got = cols.items_of(want)
    assert set(got) == want - {"nobody"}
    for acc, codes in got.items():
        assert np.all(np.diff(codes) > 0)
        assert {cols.item_keys[c] for c in codes.tolist()} == {
            k for k, v in ref.items() if any(a == acc for _, a, _ in v)
        }


def test_co_actions_alike_on_columns_and_tuples() -> None:
    acts = _random_actions(3)
    ref = {k: v for k, v in group_actions(acts).items() if len({a for _, a, _ in v}) >= 2}
    assert co_actions(from_tuples(acts), 3600, max_sharers=200, scales=SCALES) == co_actions(
        ref, 3600, max_sharers=200, scales=SCALES
    )


def test_empty() -> None:
    cols = from_tuples([])
    assert len(cols) == 0 and cols.actions == 0 and dict(cols.items()) == {}
    assert cols.items_of({"a"}) == {}
