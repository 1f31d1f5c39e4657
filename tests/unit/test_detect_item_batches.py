"""The relationship writes' batches: one row per item with its posts, every (post, item)
pair exactly once, about `BATCH` posts to a batch."""

from __future__ import annotations

import random

import pyarrow as pa
import pytest

from cibgraph.detect import items


def _table(pairs: list[tuple[str, int]]) -> pa.Table:
    return pa.table(
        {
            "post": pa.array([p for p, _ in pairs], pa.string()),
            "item": pa.array([c for _, c in pairs], pa.int32()),
        }
    )


@pytest.mark.parametrize("seed", range(5))
def test_every_pair_once_in_batches_of_about_batch_posts(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(items, "BATCH", 7)
    rng = random.Random(seed)
    keys = [f"text:{n:03d}" for n in range(40)]
    # item 0 has more posts than a batch holds; the rest a few each, in random order
    pairs = [(f"p{n}", 0) for n in range(23)]
    pairs += [(f"q{n}", rng.randrange(1, 40)) for n in range(150)]
    rng.shuffle(pairs)
    batches = list(items._item_batches(_table(pairs), keys))
    got = [(p, row["k"]) for batch in batches for row in batch for p in row["ps"]]
    assert sorted(got) == sorted((p, keys[c]) for p, c in pairs)
    for batch in batches[:-1]:
        assert 7 <= sum(len(row["ps"]) for row in batch) < 7 + 7
    assert all(1 <= len(row["ps"]) <= 7 for batch in batches for row in batch)
    # the big item is split into pieces of at most a batch
    assert sorted(len(row["ps"]) for b in batches for row in b if row["k"] == keys[0]) == [
        2,
        7,
        7,
        7,
    ]


def test_no_rows_no_batches() -> None:
    assert list(items._item_batches(_table([]), ["text:a"])) == []
