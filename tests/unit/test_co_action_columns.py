"""The column engine (`co_action_columns.py`) against the tuple-walking reference
(`coordination.co_actions`, `scale_evidence`): the same pairs, co-actions, bursts,
sharers, per-scale weights (as floats, bit for bit) and evidence."""

from __future__ import annotations

import pytest
from _co_action_cases import CASES, planted_actions, random_actions

from cibgraph.detect import co_action_columns as cac
from cibgraph.detect.actions import from_tuples
from cibgraph.detect.coordination import SCALES, co_actions, scale_evidence


def _actions(seed: int) -> list[tuple[str, str, int, str]]:
    return planted_actions() + random_actions(seed, n_items=120)


@pytest.mark.parametrize("candidates", [7, 1_000_000])
@pytest.mark.parametrize(("scales", "max_sharers"), CASES)
def test_pairs_coactions_bursts_and_sharers_equal_the_reference(
    monkeypatch: pytest.MonkeyPatch,
    scales: tuple[int, ...],
    max_sharers: int | None,
    candidates: int,
) -> None:
    # a small batch splits the sweep into many batches of whole items
    monkeypatch.setattr(cac, "CANDIDATES", candidates)
    for seed in (1, 2, 3):
        cols = from_tuples(_actions(seed))
        want = co_actions(cols, max(scales), max_sharers=max_sharers, scales=scales)
        got = cac.co_action_pairs(cols, max(scales), max_sharers=max_sharers, scales=scales)
        assert got[1] == want[1]
        assert got[0] == want[0]
        assert want[0]
        kept, _ = cac.co_action_pairs(
            cols, max(scales), max_sharers=max_sharers, scales=scales, min_shared=2
        )
        assert kept == {k: v for k, v in want[0].items() if len(v) >= 2}
    if 600 in scales:
        bursts = {ca.burst_from for cas in got[0].values() for ca in cas.values()}
        assert {0, 600} <= bursts


@pytest.mark.parametrize("min_shared", [1, 2, 3])
@pytest.mark.parametrize(("scales", "max_sharers"), CASES)
def test_pair_table_equals_scale_evidence(
    scales: tuple[int, ...], max_sharers: int | None, min_shared: int
) -> None:
    cols = from_tuples(_actions(4))
    pairs, sharers = co_actions(cols, max(scales), max_sharers=max_sharers, scales=scales)
    want = {}
    for pair, cas in sorted(pairs.items()):
        per_scale = {s: scale_evidence(cas, sharers, s) for s in scales}
        if len(cas) >= min_shared and max(e.shared for e in per_scale.values()) >= min_shared:
            want[pair] = per_scale
    table = cac.PairTable(
        cac.co_action_columns(cols, max(scales), max_sharers=max_sharers, scales=scales),
        cols,
        scales,
        min_shared,
    )
    assert table.pairs == list(want) and len(table) > 0
    for n, pair in enumerate(table.pairs):
        totals = table.totals(n)
        for s in scales:
            assert totals[s].weight == want[pair][s].weight  # the same float, not close
            assert totals[s].shared == want[pair][s].shared
            assert table.evidence(n, s) == want[pair][s]


def test_no_actions() -> None:
    cols = from_tuples([])
    assert cac.co_action_pairs(cols, 60, scales=SCALES) == ({}, {})
    assert len(cac.PairTable(cac.co_action_columns(cols, 60), cols, (60,), 1)) == 0
