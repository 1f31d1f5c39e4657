"""The memory budget names the step, the size held and the budget."""

from __future__ import annotations

import pytest

from cibgraph.detect.budget import _TRIM, MIB, MemoryBudget, MemoryBudgetExceeded, _max_rss


def test_over_budget_names_step_and_figures() -> None:
    b = MemoryBudget(1)
    with pytest.raises(MemoryBudgetExceeded) as e:
        b.check("load_actions")
    assert e.value.step == "load_actions" and e.value.budget == MIB and e.value.rss > MIB
    assert "during load_actions" in str(e.value) and "budget of 1 MiB" in str(e.value)
    assert b.peak == e.value.rss


def test_default_budget_is_most_of_available_memory() -> None:
    b = MemoryBudget()
    b.check("anything")  # a test process is far under 90 % of the machine
    assert b.budget > b.peak > 0


def test_budget_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1 MiB"):
        MemoryBudget(0)


def test_the_caption_join_checks_the_budget_after_reading_too() -> None:
    """Its peak comes after the last caption, when word pairs are counted and grouped:
    a budget checked only while captions are read would miss it."""
    from cibgraph.detect.text_similarity import CHUNK, text_clusters

    words = "the quick brown fox jumps over the lazy dog again today".split()
    texts = [(f"k{n}", " ".join([*words[n % 3 :], "x" + "abcdefghij"[n % 10]])) for n in range(50)]
    assert len(texts) < CHUNK  # no check while reading
    calls: list[str] = []
    assert text_clusters(texts, check=calls.append)  # they do join
    assert len(calls) >= 4 and set(calls) == {"near_identical_texts"}
    with pytest.raises(MemoryBudgetExceeded, match="during near_identical_texts"):
        text_clusters(texts, check=MemoryBudget(1).check)


def test_the_peak_counts_what_was_held_between_checks() -> None:
    """Memory taken and given back between two checks is in the run's peak (the kernel's
    figure) once the run set a new high, and only then."""
    b = MemoryBudget()
    b.check("before")
    # past this process's earlier high, whatever the tests before this one held
    size = max(64 * MIB, _max_rss() - b.peak + 64 * MIB)
    held = b"\x01" * size  # written, so resident
    del held
    b.check("after")
    assert b.peak + size // 2 < b.peak_rss()
    later = MemoryBudget()  # this process's high is older than the run
    later.check("small")
    assert later.peak_rss() == later.peak


def test_release_memory_trims_the_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where glibc is the C library (every Linux this runs on in CI), the trim is found and
    runs; `release_memory` calls it. (How much it gives back depends on the heap: on 2.5
    million posts, the steps after the caption join started 225 MB lower.)"""
    import platform

    from cibgraph.detect import budget

    if platform.libc_ver()[0] == "glibc":
        assert _TRIM is not None
        assert _TRIM() in (0, 1)  # malloc_trim: 1 if it gave memory back
    calls: list[int] = []
    monkeypatch.setattr(budget, "_TRIM", lambda: calls.append(1))
    budget.release_memory()
    assert calls == [1]


def test_a_helper_process_counts_against_the_budget() -> None:
    import subprocess
    import sys

    from cibgraph.detect import budget as budget_mod

    child = subprocess.Popen(
        [sys.executable, "-c", "x = bytearray(60_000_000); print(1, flush=True); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    try:
        assert child.stdout is not None and child.stdout.readline()  # its memory is touched
        b = MemoryBudget(10_000)
        alone = b.rss()
        budget_mod.helper_started(child.pid)
        with_helper = b.rss()
        budget_mod.helper_stopped(child.pid)
        assert with_helper - alone >= 50 * 2**20
        assert b.rss() < with_helper - 40 * 2**20
    finally:
        child.kill()
        child.wait()
