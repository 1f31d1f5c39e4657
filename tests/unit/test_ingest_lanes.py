"""How `writer.LaneWriter` orders the batches it runs side by side (no database).

The graph here only records when each statement ran; what the statements do
to a real graph is tested against the server (test_ingest_canonical.py).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from cibgraph.ingest import writer


class _Recorder:
    """Stands in for `db.Graph`: notes each statement's start and end."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.runs: list[tuple[str, float, float, str]] = []
        self._lock = threading.Lock()
        self._fail_on = fail_on
        self._names = {writer.POSTS: "posts", writer.POST_REFS: "refs", writer.ACCOUNTS: "accounts"}

    def write_many(self, statements: list[tuple[str, dict[str, Any]]]) -> list[list[Any]]:
        out = []
        for cypher, params in statements:
            t0 = time.perf_counter()
            time.sleep(0.02)
            name = self._names[cypher]
            first = params["rows"][0]["id"]
            if first == self._fail_on:
                raise RuntimeError(f"batch starting {first} failed")
            with self._lock:
                self.runs.append((name, t0, time.perf_counter(), threading.current_thread().name))
            out.append([{"written": len(params["rows"])}])
        return out

    def write_now(self, cypher: str, params: dict[str, Any]) -> list[Any]:
        return self.write_many([(cypher, params)])[0]


def _posts(n: int, start: int) -> tuple[list[dict[str, Any]], dict[str, list[Any]]]:
    rows = [
        {"id": f"p{i}", "a": 0, "props": {}, "posted_at": "2020"} for i in range(start, start + n)
    ]
    refs = [{"id": r["id"], "a": "a", "mentions": ["x"]} for r in rows]
    return rows, {"authors": ["a"], "tags": [], "urls": [], "images": [], "refs": refs}


def test_lanes_overlap_but_kinds_and_references_wait_their_turn() -> None:
    g = _Recorder()
    with writer.LaneWriter(g, lanes=2, refs_batch=30) as out:
        for lane in (0, 1, 0, 1):
            out.submit("accounts", [{"id": f"a{lane}", "props": {}}], {}, lane)
        for k in range(8):
            rows, shared = _posts(10, 10 * k)
            out.submit("posts", rows, shared, lane=k % 2)
    spans = {
        name: [(a, b) for n, a, b, _ in g.runs if n == name]
        for name in ("accounts", "posts", "refs")
    }
    assert len(spans["accounts"]) == 4 and len(spans["posts"]) == 8
    # 80 posts' references in batches of at least 30: written 3 times, the last at the end.
    assert len(spans["refs"]) == 3
    assert max(b for _, b in spans["accounts"]) <= min(a for a, _ in spans["posts"])
    for ra, rb in spans["refs"]:
        assert all(rb <= a or b <= ra for a, b in spans["posts"]), "references ran beside posts"
    assert max(b for _, b in spans["posts"]) <= spans["refs"][-1][0]
    # The two lanes did run at once, each in its own thread.
    posts = sorted(spans["posts"])
    assert any(b > a2 for (_, b), (a2, _) in zip(posts, posts[1:], strict=False))
    assert len({t for n, _, _, t in g.runs if n == "posts"}) == 2


def test_a_failed_batch_is_raised_and_nothing_after_it_is_started() -> None:
    g = _Recorder(fail_on="p20")
    with pytest.raises(RuntimeError, match="batch starting p20 failed"):
        with writer.LaneWriter(g, lanes=2) as out:
            for k in range(10):
                out.submit("posts", *_posts(10, 10 * k), lane=0)
    started = [n for n, *_ in g.runs]
    # p0 and p10 committed; p20 failed; the lane stopped there (depth 2: at most p30 was queued).
    assert started.count("posts") == 2 and "refs" not in started
