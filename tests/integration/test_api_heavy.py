"""Heavy stored queries cannot take the database down from a reader key.

On a real uvicorn server against the real Neo4j: six concurrent abusive
`similar_names` calls (every account compared, the lowest similarity allowed)
answer 422 or 503 (or 200 when one finishes in time) within the query
timeout, never 500, while `/groups` keeps answering.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from _serve_support import READER_KEY, api_settings, live_server, seed

from cibgraph.api.app import create_app
from cibgraph.cypher.catalogue import load_catalogue

R = {"X-API-Key": READER_KEY}
TIMEOUT = 8.0
# Many accounts whose handles share a stem once digits are dropped: blocks of 200
# accounts, each compared pairwise when `linked_only=false`.
SEED_STEMS = """
UNWIND range(0, $stems - 1) AS s
UNWIND range(0, $per_stem - 1) AS i
WITH s, i,
     reduce(t = '', c IN split(toString(s), '') | t + substring('abcdefghij', toInteger(c), 1))
     AS letters
CREATE (:Account {id: 'h:' + s + ':' + i, platform: 'h', handle: 'stem' + letters + 'x' + i,
                  handle_norm: 'stem' + letters + 'x' + i})
"""


@pytest.fixture()
def server(graph) -> Iterator[str]:  # type: ignore[no-untyped-def]
    seed(graph)
    graph.write(SEED_STEMS, {"stems": 40, "per_stem": 200})
    settings = api_settings(graph.settings).model_copy(
        update={"query_timeout": TIMEOUT, "heavy_per_key": 2, "heavy_total": 3}
    )
    with live_server(create_app(settings)) as base:
        yield base


def _timed(url: str, params: dict[str, Any]) -> tuple[int, float, httpx.Response]:
    start = time.monotonic()
    r = httpx.get(url, params=params, headers=R, timeout=TIMEOUT * 4)
    return r.status_code, time.monotonic() - start, r


def test_abusive_heavy_queries_get_422_or_503_and_groups_keep_answering(server: str) -> None:
    lowest = load_catalogue()["similar_names"].param("min_similarity").minimum
    abusive = {"linked_only": "false", "min_similarity": str(lowest), "limit": "10000"}
    url = f"{server}/queries/similar_names"
    groups: list[tuple[int, float]] = []
    done = threading.Event()

    def poll_groups() -> None:
        while not done.is_set():
            code, took, _ = _timed(f"{server}/groups", {})
            groups.append((code, took))
            time.sleep(0.2)

    poller = threading.Thread(target=poll_groups)
    poller.start()
    try:
        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(lambda _: _timed(url, abusive), range(6)))
    finally:
        done.set()
        poller.join(TIMEOUT * 4)
    codes = sorted(code for code, _, _ in answers)
    assert set(codes) <= {200, 503}, [r.text[:200] for _, _, r in answers]
    # Two run (the key's cap); the others are refused at once, telling when to come back.
    refused = [r for code, _, r in answers if code == 503]
    assert len(refused) >= 4, codes
    for r in refused:
        assert int(r.headers["Retry-After"]) > 0 and r.json()["error"]
    # A request that ran is cut off by the query timeout (plus the time to say so).
    assert max(took for _, took, _ in answers) <= TIMEOUT * 1.5
    assert groups and all(code == 200 for code, _ in groups), groups
    # Below the lowest allowed value nothing reaches the database.
    too_low = {**abusive, "min_similarity": str(lowest / 50)}
    with ThreadPoolExecutor(6) as pool:
        low = list(pool.map(lambda _: _timed(url, too_low), range(6)))
    assert [code for code, _, _ in low] == [422] * 6
    assert "min_similarity" in low[0][2].json()["error"]
    # Once the heavy calls are over, the slots are free again.
    code, _, _ = _timed(url, {"min_similarity": "0.9"})
    assert code == 200
