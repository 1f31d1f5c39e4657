"""Detection benchmark on the study-scale synthetic graph, in one run.

    python bench/detect_bench.py [--scale 1.0] [--data DIR] [--no-load] [--baseline REV]

1. `cibgraph synth` (unless DIR already holds a scenario) and `ingest` into
   the configured Neo4j (NEO4J_URI, ...) — the database is wiped first;
2. `run_detection` end to end, then `evaluate` (precision/recall per signal);
3. `co_posting_pairs` (60 s window, images only, at least 2 shared) against
   coordination-network-toolkit's co-tweet network computed on the same posts
   (the image key as the message text), compute step only; prints the ratio.

With `--baseline REV` (a git revision, e.g. the last release), `detect` of
that revision runs on the same graph, in a subprocess from a temporary
worktree, alternating with this revision's `--rounds` times (the graph is
the same for both: each writes only its own derived relationships, which the
next run replaces), and the ratio of the best times is printed.

Numbers are printed, never asserted: they depend on the machine.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _wipe(graph: Any) -> None:
    with graph.session() as s:
        s.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


_DETECT = (
    "import time; from cibgraph.db import Graph; from cibgraph.detect import run_detection; "
    "import cibgraph; g = Graph(); t = time.perf_counter(); run_detection(g); "
    "print(cibgraph.__file__, time.perf_counter() - t)"
)


def _timed_detect(tree: Path) -> float:
    import os
    import subprocess

    env = dict(os.environ, PYTHONPATH=str(tree))
    out = subprocess.run(
        [sys.executable, "-c", _DETECT], env=env, cwd=tree, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"detect in {tree} failed:\n{out.stderr[-2000:]}")
    where, seconds = out.stdout.strip().splitlines()[-1].rsplit(" ", 1)
    assert where.startswith(str(tree)), f"imported {where}, not from {tree}"
    return float(seconds)


def _compare(rev: str, rounds: int) -> None:
    import subprocess

    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "baseline"
        subprocess.run(
            ["git", "-C", str(here), "worktree", "add", "-q", "--detach", str(old), rev], check=True
        )
        try:
            times: dict[str, list[float]] = {"baseline": [], "this": []}
            for _ in range(rounds):
                times["baseline"].append(_timed_detect(old))
                times["this"].append(_timed_detect(here))
        finally:
            subprocess.run(["git", "-C", str(here), "worktree", "remove", "--force", str(old)])
    for k, v in times.items():
        print(f"detect ({k}): " + ", ".join(f"{x:.1f} s" for x in v))
    ratio = min(times["this"]) / min(times["baseline"])
    print(f"ratio detect this / {rev}: {ratio:.2f} (best of {rounds} each, alternating)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--no-load", action="store_true", help="use the graph as it is")
    ap.add_argument("--threads", type=int, default=2, help="toolkit threads")
    ap.add_argument("--baseline", default=None, help="git revision to time detect against")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds with --baseline")
    args = ap.parse_args()

    from cibgraph.cypher.catalogue import load_catalogue
    from cibgraph.db import Graph
    from cibgraph.detect import run_detection
    from cibgraph.detect.evaluate import evaluate, format_report
    from cibgraph.detect.synth import generate
    from cibgraph.ingest import load_dataset
    from cibgraph.model import ensure_schema

    data = args.data or Path(tempfile.gettempdir()) / f"cibgraph-synth-{args.scale}"
    graph = Graph()
    timings: dict[str, float] = {}
    if not args.no_load:
        if not (data / "truth.json").exists():
            t = time.perf_counter()
            generate(data, scale=args.scale)
            timings["synth"] = time.perf_counter() - t
        _wipe(graph)
        ensure_schema(graph)
        t = time.perf_counter()
        load_dataset(graph, data, progress=False)
        timings["ingest"] = time.perf_counter() - t
    print(f"graph: {graph.counts()}")

    if args.baseline:
        _compare(args.baseline, args.rounds)
    t = time.perf_counter()
    report = run_detection(graph, progress=True)
    timings["detect"] = time.perf_counter() - t
    print(
        f"detect: {report.images} images, {report.near_duplicates} near-duplicate pairs, "
        f"{report.candidate_pairs} co-posting pairs, {report.coordination_edges} edges, "
        f"{report.groups} groups / {report.grouped_accounts} accounts"
    )
    t = time.perf_counter()
    result = evaluate(graph, data / "truth.json")
    timings["evaluate"] = time.perf_counter() - t
    print(format_report(result))

    # ---------------------------------------------------------- co_posting_pairs vs toolkit
    q = load_catalogue()["co_posting_pairs"]
    params = q.bind({"item_kinds": ["image"], "min_shared": 2})
    t = time.perf_counter()
    ours = graph.read(q.cypher, params, timeout=3600)
    timings["co_posting_pairs_images"] = time.perf_counter() - t
    t = time.perf_counter()
    ours_all = graph.read(q.cypher, q.bind({}), timeout=3600)
    timings["co_posting_pairs_all_kinds"] = time.perf_counter() - t

    rows = graph.read(
        "MATCH (a:Account)-[:POSTED]->(p:Post)-[:HAS_MEDIA]->(i:Image) "
        "RETURN p.id + '|' + i.key AS mid, a.id AS uid, i.key AS msg, "
        "p.posted_at.epochSeconds AS ts",
        timeout=3600,
    )
    from coordination_network_toolkit.compute_networks import compute_co_tweet_network
    from coordination_network_toolkit.preprocess import preprocess_data

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "cnt.db")
        t = time.perf_counter()
        preprocess_data(
            db, ((r["mid"], r["uid"], r["uid"], "", "", r["msg"], r["ts"], []) for r in rows)
        )
        timings["toolkit_preprocess"] = time.perf_counter() - t
        t = time.perf_counter()
        compute_co_tweet_network(db, 60, min_edge_weight=2, n_threads=args.threads)
        timings["toolkit_co_tweet"] = time.perf_counter() - t
        import sqlite3

        con = sqlite3.connect(db)
        n_toolkit = con.execute("select count(*) from co_tweet_network").fetchone()[0]
        con.close()

    print("\ntimings (s):")
    for k, v in timings.items():
        print(f"  {k:28} {v:8.2f}")
    print(f"\nco_posting_pairs (images): {len(ours)} pairs; all kinds: {len(ours_all)} pairs")
    print(f"toolkit co-tweet network rows (directed, weight >= 2): {n_toolkit}")
    ratio = timings["co_posting_pairs_images"] / timings["toolkit_co_tweet"]
    print(f"ratio co_posting_pairs / toolkit compute: {ratio:.2f} (below 1 = faster)")
    graph.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
