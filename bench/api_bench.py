"""Load benchmark for the REST API on loopback.

About 50 concurrent clients (httpx, asyncio) drive `GET /groups`, then one
stored-query endpoint and the same stored query through the driver directly
(`run_stored`, 50 threads) take turns for `--rounds` rounds of the same length,
so a noisy neighbour slows both sides alike. The API runs with the worker
count `cibgraph serve` uses.
Prints throughput, p50/p95 latency and errors for each, and the API/driver
ratios. Nothing here passes or fails on a wall-clock threshold.

    export NEO4J_URI=bolt://127.0.0.1:7687 NEO4J_PASSWORD=...
    python bench/api_bench.py --seconds 10 --clients 50 [--populate 200]

`--populate N` first adds N small groups (ids starting `bench-`) when the
database has no Group nodes, so the bench has something to read.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil

from cibgraph.cypher.catalogue import load_catalogue
from cibgraph.cypher.runner import run_stored
from cibgraph.db import Graph
from cibgraph.settings import get_settings

POPULATE = """
UNWIND range(0, $groups - 1) AS gi
MERGE (g:Group {id: 'bench-g' + gi})
SET g.size = 5, g.score = toFloat(gi % 100) / 100.0, g.signals = ['same_text'],
    g.explanation = 'benchmark group', g.evidence_json = '{}'
WITH g, gi
UNWIND range(0, 4) AS ai
MERGE (a:Account {id: 'bench:' + gi + ':' + ai})
SET a.handle = 'bench_' + gi + '_' + ai, a.platform = 'bench'
MERGE (a)-[:MEMBER_OF]->(g)
WITH a, gi, ai WHERE ai > 0
MATCH (b:Account {id: 'bench:' + gi + ':0'})
MERGE (b)-[c:COORDINATED_WITH]->(a)
SET c.weight = ai, c.shared = ai, c.signals = ['same_text']
"""


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    client_cpu: float = 0.0  # CPU seconds the benchmark process itself used
    server_cpu: float | None = None  # CPU seconds the API server's processes used

    @property
    def cpu_ms_per_request(self) -> float | None:
        """CPU the side serving the query spent per answer: the API server's processes,
        or for the driver the benchmark process (it is the driver's client)."""
        cpu = self.server_cpu if self.server_cpu is not None else self.client_cpu
        return cpu / len(self.latencies) * 1000 if self.latencies else None

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(text[:200])

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        if len(self.latencies) == 1:
            return self.latencies[0] * 1000
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1] * 1000

    def line(self) -> str:
        return (
            f"{self.name:<42} {len(self.latencies):>7} ok {self.errors:>4} err "
            f"{self.throughput:>8.1f} req/s  p50 {self.pct(50):>7.1f} ms  "
            f"p95 {self.pct(95):>7.1f} ms  bench CPU {self.client_cpu / self.seconds:>4.0%}"
            f"  serving CPU/request {self.cpu_ms_per_request or float('nan'):>6.2f} ms"
        )


async def drive(url: str, key: str, clients: int, seconds: float, name: str) -> Result:
    res = Result(name)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers={"X-API-Key": key}, limits=limits, timeout=60) as client:
        stop = time.monotonic() + seconds

        async def one() -> None:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                try:
                    r = await client.get(url)
                except httpx.HTTPError as e:
                    res.error(f"{type(e).__name__}: {e}")
                    continue
                if r.status_code == 200:
                    res.latencies.append(time.perf_counter() - t0)
                else:
                    res.error(f"HTTP {r.status_code}: {r.text}")

        t0, c0 = time.monotonic(), time.process_time()
        await asyncio.gather(*(one() for _ in range(clients)))
        res.seconds, res.client_cpu = time.monotonic() - t0, time.process_time() - c0
    return res


def direct(graph: Graph, query: str, clients: int, seconds: float) -> Result:
    res = Result(f"driver direct: {query}")
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def one() -> None:
        while time.monotonic() < stop:
            t0 = time.perf_counter()
            try:
                run_stored(graph, query, {}, limit=100)
            except Exception as e:
                with lock:
                    res.error(f"{type(e).__name__}: {e}")
                continue
            with lock:
                res.latencies.append(time.perf_counter() - t0)

    t0, c0 = time.monotonic(), time.process_time()
    with ThreadPoolExecutor(clients) as pool:
        for f in [pool.submit(one) for _ in range(clients)]:
            f.result()
    res.seconds, res.client_cpu = time.monotonic() - t0, time.process_time() - c0
    return res


def merge(total: Result, part: Result) -> None:
    total.latencies += part.latencies
    total.errors += part.errors
    total.error_samples = (total.error_samples + part.error_samples)[:3]
    total.seconds += part.seconds
    total.client_cpu += part.client_cpu
    if part.server_cpu is not None:
        total.server_cpu = (total.server_cpu or 0.0) + part.server_cpu


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_api(key: str, port: int, workers: int = 1) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CIBGRAPH_API_KEYS=f"{key}:reader")
    if workers > 1:  # as `cibgraph serve` does: the heavy-query caps span the workers
        env.setdefault("CIBGRAPH_API_SLOT_DIR", tempfile.mkdtemp(prefix="cibgraph-api-slots-"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "cibgraph.api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the API exited while starting")
        time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the API did not become healthy within 60 s")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=10.0, help="per phase")
    ap.add_argument(
        "--query", default="coordinated_groups", help="stored query with no required parameters"
    )
    ap.add_argument(
        "--populate",
        type=int,
        default=0,
        metavar="N",
        help="add N benchmark groups when the database has none",
    )
    ap.add_argument(
        "--workers",
        type=int,
        default=None,
        help="uvicorn worker processes (default: what `cibgraph serve` uses, CIBGRAPH_API_WORKERS)",
    )
    ap.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="alternate the API and the driver this many times, so drift on a noisy machine "
        "hits both sides alike",
    )
    ap.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = ap.parse_args(argv)

    catalogue = load_catalogue()
    if args.query not in catalogue or any(p.required for p in catalogue[args.query].params):
        raise SystemExit(f"{args.query!r} is not a stored query without required parameters")
    settings = get_settings()
    workers = args.workers or settings.api_workers
    graph = Graph(settings)
    n_groups = graph.read("MATCH (g:Group) RETURN count(g) AS n")[0]["n"]
    if n_groups == 0 and args.populate:
        graph.write(POPULATE, {"groups": args.populate})
        n_groups = args.populate
    print(
        f"Groups in the database: {n_groups}; {args.clients} clients, "
        f"{args.seconds:.0f} s per phase, {args.rounds} alternating rounds, "
        f"{workers} API worker(s), loopback"
    )

    key = secrets.token_urlsafe(24)
    port = free_port()
    api = start_api(key, port, workers)
    base = f"http://127.0.0.1:{port}"
    server = psutil.Process(api.pid)

    def server_cpu() -> float:
        procs = [server, *server.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in procs if p.is_running())

    def measured(url: str, name: str) -> Result:
        before = server_cpu()
        res = asyncio.run(drive(url, key, args.clients, args.seconds, name))
        res.server_cpu = server_cpu() - before
        return res

    query_url = f"{base}/queries/{args.query}?limit=100"
    api_q = Result(f"API GET /queries/{args.query}")
    drv = Result(f"driver direct: {args.query}")
    try:
        groups = measured(f"{base}/groups", "API GET /groups")
        for _ in range(args.rounds):
            merge(api_q, measured(query_url, api_q.name))
            merge(drv, direct(graph, args.query, args.clients, args.seconds))
    finally:
        api.terminate()
        api.wait(30)
    results = [groups, api_q, drv]
    graph.close()

    for r in results:
        print(r.line())
        for s in r.error_samples:
            print(f"    error: {s}")
    ratios = {
        "throughput_api_over_driver": api_q.throughput / drv.throughput if drv.throughput else None,
        "p50_api_over_driver": api_q.pct(50) / drv.pct(50) if drv.latencies else None,
        "p95_api_over_driver": api_q.pct(95) / drv.pct(95) if drv.latencies else None,
        # On a shared machine throughput follows each side's share of the CPU; this does not.
        "cpu_per_request_api_over_driver": (
            api_q.cpu_ms_per_request / drv.cpu_ms_per_request
            if api_q.cpu_ms_per_request and drv.cpu_ms_per_request
            else None
        ),
    }
    print(
        "Same stored query, API vs driver: "
        + ", ".join(f"{k} = {v:.2f}" for k, v in ratios.items() if v is not None)
    )
    total_errors = sum(r.errors for r in results)
    print(f"Errors: {total_errors} (target 0)")
    out = {
        "clients": args.clients,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "workers": workers,
        "groups": n_groups,
        "results": [
            {
                "name": r.name,
                "ok": len(r.latencies),
                "errors": r.errors,
                "throughput": r.throughput,
                "p50_ms": r.pct(50),
                "p95_ms": r.pct(95),
                "serving_cpu_ms_per_request": r.cpu_ms_per_request,
            }
            for r in results
        ],
        "ratios": ratios,
    }
    if args.json:
        print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
