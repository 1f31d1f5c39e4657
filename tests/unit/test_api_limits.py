"""Heavy-query slots: the caps hold per key and in total, in one process and across workers."""

from __future__ import annotations

import multiprocessing as mp
from pathlib import Path

import pytest

from cibgraph.api.limits import Busy, HeavySlots


@pytest.mark.parametrize("shared", [False, True])
def test_caps_per_key_and_in_total(tmp_path: Path, shared: bool) -> None:
    slots = HeavySlots(2, 3, retry_after=5, directory=tmp_path if shared else None)
    with slots.slot("k1"), slots.slot("k1"):
        with pytest.raises(Busy, match="already runs 2") as e:
            with slots.slot("k1"):
                pass
        assert e.value.retry_after == 5
        with slots.slot("k2"):
            with pytest.raises(Busy, match="3 heavy queries are already running"):
                with slots.slot("k3"):
                    pass
    # everything was given back, including after a refusal
    with slots.slot("k1"), slots.slot("k1"), slots.slot("k3"):
        pass


def _hold(
    directory: str, key: str, ready: mp.synchronize.Event, done: mp.synchronize.Event
) -> None:
    slots = HeavySlots(1, 1, retry_after=1, directory=Path(directory))
    with slots.slot(key):
        ready.set()
        done.wait(30)


def test_slots_span_processes_and_free_when_a_worker_dies(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    worker = ctx.Process(target=_hold, args=(str(tmp_path), "k1", ready, done))
    worker.start()
    try:
        assert ready.wait(60)
        here = HeavySlots(1, 1, retry_after=1, directory=tmp_path)
        with pytest.raises(Busy, match="already runs 1"):
            with here.slot("k1"):
                pass
        with pytest.raises(Busy, match="1 heavy queries are already running"):
            with here.slot("k2"):
                pass
    finally:
        worker.kill()  # no clean exit: the kernel must still release its locks
        worker.join(30)
    with here.slot("k1"):
        pass
