"""How cost grows with size: bulk ingest, transactional ingest and `cibgraph detect`.

For each size (posts) it generates a canonical dataset (`cibgraph.ingest.generate`,
streamed to disk; one account per `--posts-per-account` posts), then against the
local managed server in the environment (WIPED and replaced):

1. `cibgraph ingest DATA` (transactional) on an emptied database, up to
   `--transactional-max` posts;
2. `cibgraph ingest DATA --bulk` (replaces the database);
3. `cibgraph detect` on the bulk-loaded graph.

Each step runs as its own process: the time is wall-clock, the peak RSS is the
largest resident set of that process and of anything it waited for (the import
tool's JVM for the bulk load), from `wait4`. The server's own memory is not in
it (the same server serves every step). At the end, a table and the slope of
each cost against size on log-log axes (1.0: linear).

Usage:
    python bench/scale_bench.py --sizes 100000,1000000 [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

from cibgraph.db import Graph
from cibgraph.ingest.generate import generate_dataset
from cibgraph.ingest.verify import wipe_graph
from cibgraph.settings import get_settings

CLI = [sys.executable, "-m", "cibgraph.cli"]


def run(cmd: list[str], log: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MiB, exit code) of one command, its output to `log`."""
    t = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, proc.returncode


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(cost) against log(size)."""
    pts = [(math.log(n), math.log(c)) for n, c in points if c > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000,10000000", help="posts per dataset")
    ap.add_argument("--posts-per-account", type=int, default=100)
    ap.add_argument("--transactional-max", type=int, default=1_000_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/cibgraph-scale"))
    ap.add_argument("--no-detect", action="store_true")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    settings = get_settings()
    # Sizes measured by an earlier run stay in the table unless measured again.
    saved = args.work / "results.json"
    earlier = json.loads(saved.read_text()) if saved.exists() else []
    results: list[dict[str, float | int | None]] = [r for r in earlier if r["posts"] not in sizes]
    for n in sizes:
        data = args.work / f"posts-{n}"
        if not (data / "posts.jsonl").exists():
            t = time.perf_counter()
            accounts = max(100, n // args.posts_per_account)
            generate_dataset(data, accounts=accounts, posts=n, seed=13)
            print(f"{n:,} posts: generated in {time.perf_counter() - t:.0f} s", flush=True)
        row: dict[str, float | int | None] = {"posts": n}
        if n <= args.transactional_max:
            with Graph(settings) as g:
                wipe_graph(g)
            secs, rss, code = run(
                [*CLI, "ingest", str(data), "--no-progress"], args.work / f"ingest-{n}.log"
            )
            row.update(ingest_s=secs, ingest_rss=rss)
            print(f"{n:,} posts: ingest {secs:.1f} s, {rss:,.0f} MiB (exit {code})", flush=True)
        secs, rss, code = run(
            [*CLI, "ingest", str(data), "--bulk", "--no-progress"], args.work / f"bulk-{n}.log"
        )
        row.update(bulk_s=secs, bulk_rss=rss)
        print(f"{n:,} posts: ingest --bulk {secs:.1f} s, {rss:,.0f} MiB (exit {code})", flush=True)
        if not args.no_detect:
            secs, rss, code = run([*CLI, "detect", "--json"], args.work / f"detect-{n}.log")
            row.update(detect_s=secs, detect_rss=rss)
            print(f"{n:,} posts: detect {secs:.1f} s, {rss:,.0f} MiB (exit {code})", flush=True)
        results.append(row)
        results.sort(key=lambda r: int(r["posts"] or 0))
        saved.write_text(json.dumps(results, indent=1))

    cols = [
        ("ingest_s", "ingest s"),
        ("ingest_rss", "ingest MiB"),
        ("bulk_s", "bulk s"),
        ("bulk_rss", "bulk MiB"),
        ("detect_s", "detect s"),
        ("detect_rss", "detect MiB"),
    ]
    print()
    print("| posts | " + " | ".join(name for _, name in cols) + " |")
    print("|---:|" + "---:|" * len(cols))
    for r in results:
        cells = [f"{r[k]:,.1f}" if r.get(k) is not None else "–" for k, _ in cols]
        print(f"| {r['posts']:,} | " + " | ".join(cells) + " |")
    slopes = []
    for k, _ in cols:
        s = slope([(int(r["posts"] or 0), float(r[k] or 0)) for r in results if r.get(k)])
        slopes.append("–" if s is None else f"{s:.2f}")
    print("| slope (log-log) | " + " | ".join(slopes) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
