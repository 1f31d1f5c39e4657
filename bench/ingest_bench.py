"""Ingest throughput, four ways on the same server and the same generated data:

1. cibgraph's ingest (`load_dataset`: streaming, validation, batched UNWIND … MERGE);
2. a naive loader: the same MERGE statements, one record per transaction
   (run on the first `--naive-posts` posts and their authors, and reported per
   record; its rate does not depend on the total size);
3. Neo4j's `LOAD CSV … CALL { … } IN TRANSACTIONS` with equivalent Cypher, from
   CSVs written into the server's import folder. Preparing those CSVs
   (normalised hashtags, mentions, text keys) is done beforehand and not timed.
4. `cibgraph ingest --bulk` (`bulk_load`): the same reading and validation,
   import files, `neo4j-admin database import full`, the server stopped and
   started again, constraints and indexes built; all of it timed.

Usage (against the local managed server in the environment, which is WIPED and,
for the bulk loader, replaced):
    python bench/ingest_bench.py --accounts 20000 --posts 200000
    python bench/ingest_bench.py --data ../shared/data/ira-tweets-by-author --format ira-tweets
With `--format` other than canonical only cibgraph's two loaders run (LOAD CSV
and the naive loader need the generated data). Each batched loader runs
`--rounds` times (alternating, best time counts) so the JVM warming up on a
fresh server does not fall on one of them. Prints records/s for each and the
ratios; exits 0 either way (no thresholds).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cibgraph.db import Graph
from cibgraph.ingest import bulk, load_dataset, writer
from cibgraph.ingest import records as rec
from cibgraph.ingest.generate import generate_dataset
from cibgraph.ingest.loader import DEFAULT_WRITERS
from cibgraph.ingest.verify import wipe_graph
from cibgraph.model import ensure_schema
from cibgraph.settings import get_settings

LOAD_ACCOUNTS = """
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MERGE (a:Account {id: row.id})
  SET a.platform = row.platform, a.handle = row.handle, a.handle_norm = row.handle_norm,
      a.display_name = row.display_name, a.created_at = datetime(row.created_at),
      a.followers = toInteger(row.followers), a.following = toInteger(row.following)
  REMOVE a.stub
  FOREACH (ph IN CASE WHEN coalesce(row.phash, '') = '' THEN [] ELSE [row.phash] END |
    MERGE (i:Image {key: 'phash:' + ph}) SET i.phash = ph, i.phash_int = toInteger(row.phash_int)
    MERGE (a)-[:HAS_PROFILE_IMAGE]->(i))
} IN TRANSACTIONS OF $batch ROWS
"""

LOAD_POSTS = """
LOAD CSV WITH HEADERS FROM $url AS row
CALL (row) {
  MATCH (a:Account {id: row.account_id})
  MERGE (src:Post {id: row.id})
  SET src.posted_at = datetime(row.posted_at), src.text = row.text, src.text_key = row.text_key,
      src.likes = toInteger(row.likes), src.shares = toInteger(row.shares),
      src.interactions = toInteger(row.interactions),
      src.is_repost = coalesce(row.repost_of, '') <> ''
  REMOVE src.stub
  SET src.platform = coalesce(a.platform, src.platform)
  MERGE (a)-[:POSTED]->(src)
  WITH a, src, row, datetime(row.posted_at) AS t
  SET a.first_post_at = CASE WHEN a.first_post_at IS NULL OR t < a.first_post_at
                        THEN t ELSE a.first_post_at END,
      a.last_post_at = CASE WHEN a.last_post_at IS NULL OR t > a.last_post_at
                       THEN t ELSE a.last_post_at END
  FOREACH (tag IN CASE WHEN coalesce(row.hashtags, '') = '' THEN []
                  ELSE split(row.hashtags, '|') END |
    MERGE (h:Hashtag {name: tag}) MERGE (src)-[:TAGGED]->(h))
  FOREACH (u IN CASE WHEN coalesce(row.url, '') = '' THEN [] ELSE [row.url] END |
    MERGE (x:Url {url: u}) MERGE (src)-[:LINKS_TO]->(x)
    MERGE (dn:Domain {name: row.domain}) SET x.domain = row.domain MERGE (x)-[:ON_DOMAIN]->(dn))
  FOREACH (ph IN CASE WHEN coalesce(row.phash, '') = '' THEN [] ELSE [row.phash] END |
    MERGE (i:Image {key: 'phash:' + ph}) SET i.phash = ph, i.phash_int = toInteger(row.phash_int)
    MERGE (src)-[:HAS_MEDIA]->(i))
  FOREACH (r IN CASE WHEN coalesce(row.repost_of, '') = '' THEN [] ELSE [row.repost_of] END |
    MERGE (t2:Post {id: r}) ON CREATE SET t2.stub = true MERGE (src)-[:REPOST_OF]->(t2))
  WITH src, a, row
  UNWIND CASE WHEN coalesce(row.mentions, '') = '' THEN [] ELSE split(row.mentions, '|') END AS h
  CALL (a, h) { OPTIONAL MATCH (m:Account {handle_norm: h})
    WHERE m.platform = a.platform AND m.stub IS NULL RETURN m ORDER BY m.id LIMIT 1 }
  CALL (src, a, h, m) { WITH * WHERE m IS NOT NULL MERGE (src)-[:MENTIONS]->(m) }
  CALL (src, a, h, m) { WITH * WHERE m IS NULL
    MERGE (s:Account {id: coalesce(a.platform, 'unknown') + ':@' + h})
    ON CREATE SET s.stub = true, s.handle = h, s.handle_norm = h, s.platform = a.platform
    MERGE (src)-[:MENTIONS]->(s) }
} IN TRANSACTIONS OF $batch ROWS
"""


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def write_csvs(data: Path, import_dir: Path) -> None:
    """The same records as CSV, already normalised (LOAD CSV cannot run Python)."""
    import_dir.mkdir(parents=True, exist_ok=True)
    with (import_dir / "bench_accounts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "id",
                "platform",
                "handle",
                "handle_norm",
                "display_name",
                "created_at",
                "followers",
                "following",
                "phash",
                "phash_int",
            ]
        )
        for obj in _jsonl(data / "accounts.jsonl"):
            r = rec.validate("accounts", obj).row
            img = r["images"][0]["props"] if r["images"] else {}
            p = r["props"]
            w.writerow(
                [
                    r["id"],
                    p["platform"],
                    p["handle"],
                    p["handle_norm"],
                    p.get("display_name", ""),
                    p["created_at"].isoformat(),
                    p.get("followers", ""),
                    p.get("following", ""),
                    img.get("phash", ""),
                    img.get("phash_int", ""),
                ]
            )
    with (import_dir / "bench_posts.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "id",
                "account_id",
                "posted_at",
                "text",
                "text_key",
                "likes",
                "shares",
                "interactions",
                "hashtags",
                "mentions",
                "url",
                "domain",
                "phash",
                "phash_int",
                "repost_of",
            ]
        )
        for obj in _jsonl(data / "posts.jsonl"):
            r = rec.validate("posts", obj).row
            p = r["props"]
            url = r["urls"][0] if r["urls"] else {"url": "", "domains": [""]}
            img = r["media"][0]["props"] if r["media"] else {}
            w.writerow(
                [
                    r["id"],
                    r["account_id"],
                    p["posted_at"].isoformat(),
                    p.get("text", ""),
                    p.get("text_key", ""),
                    p.get("likes", ""),
                    p.get("shares", ""),
                    p.get("interactions", ""),
                    "|".join(r["hashtags"]),
                    "|".join(r["mentions"]),
                    url["url"],
                    (url["domains"] or [""])[0],
                    img.get("phash", ""),
                    img.get("phash_int", ""),
                    (r["repost_of"] or [""])[0],
                ]
            )


def run_load_csv(graph: Graph, batch: int) -> float:
    t = time.perf_counter()
    with graph.session() as s:
        s.run(LOAD_ACCOUNTS, {"url": "file:///bench_accounts.csv", "batch": batch}).consume()
        s.run(LOAD_POSTS, {"url": "file:///bench_posts.csv", "batch": batch}).consume()
    return time.perf_counter() - t


def run_naive(graph: Graph, data: Path, n_posts: int) -> tuple[int, float]:
    """One transaction per record, same statements; the first n posts and their authors."""
    posts = [rec.validate("posts", o) for o in _jsonl(data / "posts.jsonl")[:n_posts]]
    needed = {p.account_ref for p in posts}
    accounts = [
        rec.validate("accounts", o) for o in _jsonl(data / "accounts.jsonl") if o["id"] in needed
    ]
    t = time.perf_counter()
    for kind, items in (("accounts", accounts), ("posts", posts)):
        for r in items:
            writer.write_rows(graph, kind, [r.row])
    return len(accounts) + len(posts), time.perf_counter() - t


def counts(graph: Graph) -> dict[str, int]:
    return graph.counts()


def _show(loader: str, records: int, seconds: float, graph_counts: dict[str, int]) -> None:
    print(
        f"{loader + ':':<17}{records:,} records in {seconds:.1f} s = "
        f"{records / seconds:,.0f} rec/s {graph_counts}",
        flush=True,
    )


def run_bulk(settings: Any, data: Path, fmt: str, batch: int) -> tuple[float, int]:
    t = time.perf_counter()

    def phase(message: str) -> None:
        # Where the bulk load's time goes (the import tool's own progress lines left out).
        if not message.startswith("  "):
            print(f"    {time.perf_counter() - t:6.1f} s  {message}", flush=True)

    report = bulk.bulk_load(settings, data, fmt, progress=False, batch_size=batch, echo=phase)
    return time.perf_counter() - t, report.total_loaded + report.rejected


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--accounts", type=int, default=20_000)
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument(
        "--batch", type=int, default=2000, help="rows per transaction (both batched loaders)"
    )
    ap.add_argument("--naive-posts", type=int, default=3000)
    ap.add_argument(
        "--rounds", type=int, default=3, help="runs of each batched loader; the best counts"
    )
    ap.add_argument("--data", type=Path, default=None, help="reuse/keep the generated data here")
    ap.add_argument(
        "--format", dest="fmt", default="canonical", help="format of --data (see cibgraph ingest)"
    )
    ap.add_argument(
        "--loaders",
        default=None,
        help="comma-separated, of ours,csv,bulk (default: all three for canonical, else ours,bulk)",
    )
    ap.add_argument(
        "--reader",
        choices=("auto", "process", "thread"),
        default="auto",
        help="where cibgraph's ingest parses (see docs/ingest.md)",
    )
    ap.add_argument(
        "--writers",
        type=int,
        default=DEFAULT_WRITERS,
        help="transactions at a time in cibgraph's ingest (see docs/ingest.md)",
    )
    args = ap.parse_args()

    settings = get_settings()
    import_dir = settings.server_home / "import"
    generated = args.fmt == "canonical" and (args.data is None or not args.data.exists())
    data = args.data or Path(tempfile.mkdtemp(prefix="cibgraph-bench-"))
    if args.fmt == "canonical" and not (data / "posts.jsonl").exists():
        print(f"generating {args.accounts:,} accounts / {args.posts:,} posts in {data} ...")
        generate_dataset(data, accounts=args.accounts, posts=args.posts, seed=11)
        generated = True
    canonical_bench = args.fmt == "canonical" and (data / "accounts.jsonl").exists()
    loaders = (args.loaders or ("ours,csv,bulk" if canonical_bench else "ours,bulk")).split(",")
    if "csv" in loaders:
        write_csvs(data, import_dir)
    total = args.accounts + args.posts if generated else 0

    times: dict[str, list[float]] = {name: [] for name in loaders}
    graph_counts: dict[str, dict[str, int]] = {}
    for rnd in range(1, args.rounds + 1):
        # Rotate which loader goes first: a server that has just had a graph
        # wiped (or been restarted by the bulk load) works a little differently
        # from one that has rested, and the JVM warms up on the first load.
        order = loaders[rnd - 1 :] + loaders[: rnd - 1] if loaders else []
        for which in order:
            # A new driver each time: the bulk load replaces the database under it.
            with Graph(settings) as graph:
                print(f"round {rnd}: wiping the database ...", flush=True)
                wipe_graph(graph)
                ensure_schema(graph)
                if which == "ours":
                    t = time.perf_counter()
                    report = load_dataset(
                        graph,
                        data,
                        args.fmt,
                        progress=False,
                        batch_size=args.batch,
                        reader_mode=args.reader,
                        writers=args.writers,
                        tolerate_rejects=True,
                    )
                    times[which].append(time.perf_counter() - t)
                    total = report.total_loaded + report.rejected
                elif which == "csv":
                    times[which].append(run_load_csv(graph, args.batch))
            if which == "bulk":
                seconds, total = run_bulk(settings, data, args.fmt, args.batch)
                times[which].append(seconds)
            with Graph(settings) as graph:
                graph_counts[which] = counts(graph)
            _show(
                {"ours": "cibgraph ingest", "csv": "LOAD CSV", "bulk": "ingest --bulk"}[which],
                total,
                times[which][-1],
                graph_counts[which],
            )

    naive_rate = 0.0
    if canonical_bench and args.naive_posts:
        with Graph(settings) as graph:
            wipe_graph(graph)
            ensure_schema(graph)
            n, naive_s = run_naive(graph, data, args.naive_posts)
            naive_rate = n / naive_s
            print(
                f"naive (1 tx/record): {n:,} records in {naive_s:.1f} s = {naive_rate:,.0f} "
                f"rec/s (extrapolated to {total:,}: {total / naive_rate:.0f} s)",
                flush=True,
            )
            wipe_graph(graph)

    rates = {name: total / min(ts) for name, ts in times.items() if ts}
    print()
    print(
        f"{total:,} records ({args.fmt}: {data}); best of {args.rounds} rounds for the "
        f"batched loaders; reader: {args.reader}; writers: {args.writers}"
    )
    print(f"{'loader':<22}{'best s':>8}{'records/s':>12}")
    names = {"ours": "cibgraph ingest", "csv": "LOAD CSV", "bulk": "ingest --bulk"}
    for name, rate in rates.items():
        print(f"{names[name]:<22}{min(times[name]):>8.1f}{rate:>12,.0f}")
    if naive_rate:
        print(f"{'naive 1 tx/record':<22}{'':>8}{naive_rate:>12,.0f}")
    print()
    if "ours" in rates and "csv" in rates:
        print(f"cibgraph / LOAD CSV = {rates['ours'] / rates['csv']:.2f}x (target >= 1.0)")
    if "ours" in rates and naive_rate:
        print(f"cibgraph / naive    = {rates['ours'] / naive_rate:.1f}x (target >= 20)")
    if "ours" in rates and "bulk" in rates:
        print(f"--bulk / cibgraph   = {rates['bulk'] / rates['ours']:.2f}x (target >= 10)")
    if "ours" in graph_counts and "csv" in graph_counts:
        # Same graph either way, except the ingest's own provenance: one IngestRun,
        # a SourceFile per input file and a LOADED relationship to each.
        files = 2
        ours_counts, csv_counts = graph_counts["ours"], graph_counts["csv"]
        same = (ours_counts["nodes"] - 1 - files, ours_counts["relationships"] - files) == (
            csv_counts["nodes"],
            csv_counts["relationships"],
        )
        print(f"graphs equivalent (ignoring ingest provenance): {same}")
    if "ours" in graph_counts and "bulk" in graph_counts:
        print(f"--bulk graph counts equal: {graph_counts['ours'] == graph_counts['bulk']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
