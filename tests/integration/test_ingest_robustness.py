"""Crash safety and bounded memory, against the real test server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from cibgraph.ingest import load_dataset
from cibgraph.ingest.generate import generate_dataset
from cibgraph.ingest.verify import fingerprint, wipe_graph

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


def _post_count(graph) -> int:  # type: ignore[no-untyped-def]
    return graph.read("MATCH (p:Post) RETURN count(p) AS n")[0]["n"]


def test_kill_minus_nine_then_rerun_equals_one_clean_run(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    generate_dataset(data, accounts=1500, posts=30_000, interactions=3000, follows=1500, seed=3)
    load_dataset(graph, data, progress=False, batch_size=500)
    clean = fingerprint(graph)
    wipe_graph(graph)

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cibgraph.cli",
            "ingest",
            str(data),
            "--no-progress",
            "--batch-size",
            "500",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    try:
        deadline = time.monotonic() + 240
        while _post_count(graph) < 3000 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the load finished before it could be killed"
        readers = psutil.Process(proc.pid).children()
        assert [r.name() for r in readers], "no reader process"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        # The reader notices its writer is gone and stops too.
        _, alive = psutil.wait_procs(readers, timeout=15)
        assert not alive, alive
    finally:
        if proc.poll() is None:
            proc.kill()
    partial = _post_count(graph)
    assert 0 < partial < 30_000
    status = graph.read("MATCH (r:IngestRun) RETURN r.status AS s")
    assert [r["s"] for r in status] == ["running"]

    report = load_dataset(graph, data, progress=False, batch_size=500)
    assert report.rejected == 0
    after = fingerprint(graph)
    assert after == clean
    assert graph.read("MATCH (r:IngestRun) RETURN r.status AS s")[0]["s"] == "complete"


_PEAK_RSS = """
import resource, sys
from pathlib import Path
from cibgraph.db import Graph
from cibgraph.ingest import load_dataset
with Graph() as g:
    r = load_dataset(g, Path(sys.argv[1]), progress=False)
assert r.rejected == 0, r.rejects[:3]
# The reader runs in a child process: the peak is the larger of the two.
who = (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
print(max(resource.getrusage(w).ru_maxrss for w in who))
"""


def _peak_rss_kib(data: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, str(data)],
        capture_output=True,
        text=True,
        timeout=600,
        env=os.environ.copy(),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return int(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_peak_memory_does_not_grow_with_file_size(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    small, large = tmp_path / "small", tmp_path / "large"
    generate_dataset(small, accounts=500, posts=12_000, seed=5, gz=True)
    generate_dataset(large, accounts=500, posts=60_000, seed=5, gz=True)
    size_ratio = (large / "posts.jsonl.gz").stat().st_size / (
        small / "posts.jsonl.gz"
    ).stat().st_size
    assert size_ratio > 4.5
    rss_small = _peak_rss_kib(small)
    wipe_graph(graph)
    rss_large = _peak_rss_kib(large)
    # Proportional growth would be ~5x; streaming and batching keep it flat
    # (the only per-record state is an 8-byte id hash for the uniqueness check).
    assert rss_large / rss_small < 1.25, (rss_small, rss_large)


def test_instaloader_fixtures(graph) -> None:  # type: ignore[no-untyped-def]
    report = load_dataset(graph, FIXTURES / "instaloader", "instaloader", progress=False)
    # Account records: alice's profile, and the owner of each of the three post files.
    assert report.loaded == {"accounts": 4, "posts": 2}
    assert graph.read("MATCH (a:Account) WHERE a.stub IS NULL RETURN count(a) AS n")[0]["n"] == 2
    bad = {(Path(f).name, field) for f, _, field, _ in report.rejects}
    assert bad == {("broken_post.json", "node.taken_at_timestamp"), ("not_json.json", "")}
    alice = graph.read("MATCH (a:Account {id: 'instagram:1234567'}) RETURN a")[0]["a"]
    assert alice["handle"] == "alice_shop" and alice["followers"] == 1520
    assert alice["display_name"] == "Alice's Shop" and alice["post_count"] == 2
    p1 = graph.read(
        "MATCH (a:Account)-[:POSTED]->(p:Post {id: 'instagram:p:Cbu-BgfL3W3'}) "
        "OPTIONAL MATCH (p)-[:MENTIONS]->(m) RETURN a.id AS a, p, m.id AS m"
    )[0]
    assert p1["a"] == "instagram:1234567" and p1["m"] == "instagram:7654321"
    assert p1["p"]["likes"] == 42 and p1["p"]["location"] == "Berlin, Germany"
    assert p1["p"]["posted_at"].isoformat().startswith("2022-04-01T08:00:00")
    tags = {
        r["t"]
        for r in graph.read(
            "MATCH (:Post {id: 'instagram:p:Cbu-BgfL3W3'})-[:TAGGED]->(h) RETURN h.name AS t"
        )
    }
    assert tags == {"jewelry", "handmade"}
    media = graph.read(
        "MATCH (:Post {id: 'instagram:p:Cbu-Side123'})-[:HAS_MEDIA]->(i) RETURN count(i) AS n"
    )[0]["n"]
    assert media == 2
