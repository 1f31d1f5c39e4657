"""`cibgraph demo`: a complete investigation from nothing.

Stages: Neo4j (started when local), schema, data (a synthesised study-like
scenario, or the real data with `--real-data`), ingest, detection,
evaluation against ground truth, the report with group views, GraphML and
JSON exports, an API key, and the API in the foreground.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from hashlib import sha1
from pathlib import Path
from typing import Annotated, Any

import typer
from markupsafe import Markup
from rich.console import Console

from cibgraph.db import Graph, to_jsonable
from cibgraph.settings import Settings, get_settings

# (subfolder of the real-data folder, ingest format); loaded in this order.
REAL_SOURCES: tuple[tuple[str, str], ...] = (
    ("nbc-ira-twitter-users", "twitter-users"),
    ("ira-tweets-by-author", "ira-tweets"),
    ("hpsci-ira-facebook-ads", "hpsci-ads"),
)
REPORT_GROUPS = 50  # groups with a full section and a view in the report
REPORT_ACCOUNTS = 500  # member pages written for the report's groups
SIGNAL_ROWS = 15  # rows per other signal shown in the report
EXPORT_ROWS = 1000  # rows per signal in signals.json
SKIP_SIGNALS = {"coordinated_groups", "group_evidence"}  # shown with the groups already


class StageFailed(RuntimeError):
    pass


@dataclass
class Stage:
    name: str
    status: str = "pending"
    seconds: float = 0.0
    detail: str = ""


@dataclass
class Demo:
    console: Console
    stages: list[Stage] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str, *, required: bool = True) -> Iterator[Stage]:
        st = Stage(name)
        self.stages.append(st)
        n = len(self.stages)
        self.console.rule(f"[bold]{n}. {name}")
        t0 = time.monotonic()
        try:
            yield st
        except Exception as e:
            st.seconds = round(time.monotonic() - t0, 1)
            st.status = "failed"
            st.detail = f"{type(e).__name__}: {e}"
            self.console.print(f"[red]✗ {name} failed after {st.seconds}s: {st.detail}")
            if required:
                raise StageFailed(name) from e
            return
        st.seconds = round(time.monotonic() - t0, 1)
        if st.status == "pending":
            st.status = "done"
        colour = "green" if st.status == "done" else "yellow"
        mark = "✓" if st.status == "done" else "–"
        self.console.print(f"[{colour}]{mark} {name}: {st.status} ({st.seconds}s) {st.detail}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def port_free(host: str, port: int) -> bool:
    import socket

    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def find_real_data() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for candidate in (Path.cwd() / ".." / "shared" / "data", here / ".." / "shared" / "data"):
        if candidate.is_dir():
            return candidate.resolve()
    return None


def ensure_api_keys(settings: Settings, env_file: Path) -> tuple[Settings, str, str]:
    """Return settings with API keys, a reader key to show, and where keys live.

    With no keys configured, make a reader, an analyst (for verdicts) and an admin
    key, each named after its role, and append them
    to `.env`, where `cibgraph serve` finds them next time.
    """
    from cibgraph.api.security import parse_keys

    keys = parse_keys(settings.api_keys)
    if keys:
        reader = next((k for k, r in keys.items() if r == "reader"), next(iter(keys)))
        return settings, reader, "CIBGRAPH_API_KEYS (your settings)"
    reader, analyst, admin = (secrets.token_urlsafe(24) for _ in range(3))
    value = f"{reader}:reader:reader,{analyst}:analyst:analyst,{admin}:admin:admin"
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.exists() else []
    lines = [ln for ln in lines if not ln.strip().startswith("CIBGRAPH_API_KEYS=")]
    lines.append(f"CIBGRAPH_API_KEYS={value}")
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)
    return settings.model_copy(update={"api_keys": value}), reader, str(env_file.resolve())


def slug(group_id: str) -> str:
    """A safe, collision-free file name for a group id."""
    base = re.sub(r"[^A-Za-z0-9_-]+", "-", group_id).strip("-")[:40] or "group"
    return f"{base}-{sha1(group_id.encode()).hexdigest()[:8]}"


def build_report(
    graph: Graph,
    out: Path,
    *,
    source: str,
    evaluation: Any,
    evaluation_note: str,
    stages: list[Stage],
    ingest: list[Any],
) -> Path:
    """Write report/index.html, report/groups/*.html, report/accounts/*.html and
    export/*; return the index."""
    import networkx as nx

    from cibgraph import reads
    from cibgraph.cypher.catalogue import load_catalogue
    from cibgraph.tactics import tactic_of
    from cibgraph.verdicts import verdicts_by_subject
    from cibgraph.viz.charts import sparkline_svg
    from cibgraph.viz.pages import (
        Links,
        account_page_data,
        fmt_time,
        group_page_data,
        render_page,
    )
    from cibgraph.viz.report import coordination_graphml, readable, render_report, table

    report_dir, export_dir = out / "report", out / "export"
    for sub in ("groups", "accounts"):
        (report_dir / sub).mkdir(parents=True, exist_ok=True)
    export_dir.mkdir(parents=True, exist_ok=True)
    catalogue = load_catalogue()

    ids = reads.group_ids(graph)
    details = {gid: reads.group_detail(graph, gid) for gid in ids}
    groups_json = list(details.values())
    shown = ids[:REPORT_GROUPS]
    group_files = {gid: f"groups/{slug(gid)}.html" for gid in shown}
    members = sorted({m["id"] for gid in shown for m in details[gid]["members"]})
    account_files = {aid: f"accounts/{slug(aid)}.html" for aid in members[:REPORT_ACCOUNTS]}
    # Pages link to each other by relative paths, so the report works from any folder.
    links = Links(
        group=lambda g: f"../{group_files[g]}" if g in group_files else None,
        account=lambda a: f"../{account_files[a]}" if a in account_files else None,
    )
    groups_ctx = []
    for rank, gid in enumerate(shown, 1):
        data = group_page_data(graph, gid, links=links)
        (report_dir / group_files[gid]).write_text(
            render_page(data, index_href="../index.html"), encoding="utf-8"
        )
        act = data["activity"]
        shared_times = [p["at"] for it in data["items"] for p in it.posts]
        groups_ctx.append(
            {
                "rank": rank,
                "id": gid,
                "score": data["score"],
                "size": data["size"],
                "signals": data["signals"],
                "tactics": data["tactics"],
                "explanation": data["explanation"],
                "verdict": (data["verdict"] or {}).get("verdict"),
                "changed": data["changed_since_verdict"],
                "members": [m["label"] for m in data["members"]],
                "n_items": len(data["items"]),
                "first_shared": fmt_time(min(shared_times)) if shared_times else "",
                "last_shared": fmt_time(max(shared_times)) if shared_times else "",
                "sparkline": Markup(sparkline_svg(act["days"], act["posts"])),
                "view": group_files[gid],
            }
        )
    for aid, file in account_files.items():
        data = account_page_data(graph, aid, links=links)
        (report_dir / file).write_text(
            render_page(data, index_href="../index.html"), encoding="utf-8"
        )

    signals_ctx: list[dict[str, Any]] = []
    signals_json: dict[str, Any] = {}
    for q in catalogue.values():
        if q.name in SKIP_SIGNALS or any(p.required for p in q.params):
            continue
        try:
            res = reads.run_stored(graph, q.name, {}, limit=EXPORT_ROWS)
        except Exception as e:  # one failing query must not sink the report
            signals_ctx.append(
                {
                    "name": q.name,
                    "tactic": tactic_of(q.name),
                    "description": q.description,
                    "columns": [],
                    "rows": [],
                    "total": 0,
                    "truncated": False,
                    "error": type(e).__name__,
                }
            )
            continue
        signals_json[q.name] = {
            "params": to_jsonable(res.params),
            "total": res.total,
            "rows": res.rows,
        }
        cols, rows = table(res.rows[:SIGNAL_ROWS], list(q.columns) or None, fmt=readable)
        signals_ctx.append(
            {
                "name": q.name,
                "tactic": tactic_of(q.name),
                "description": q.description,
                "columns": cols,
                "rows": rows,
                "total": res.total,
                "truncated": res.truncated,
                "error": "",
            }
        )

    accounts = reads.coordinated_accounts(graph)
    coordination = reads.coordination_links(graph)
    nx.write_graphml(
        coordination_graphml(accounts, coordination),
        export_dir / "coordination.graphml",
    )
    dump = {
        "groups.json": groups_json,
        "signals.json": signals_json,
        "evaluation.json": evaluation,
        "ingest.json": [to_jsonable(r) for r in ingest],
        "stages.json": [asdict(s) for s in stages],
    }
    for name, value in dump.items():
        (export_dir / name).write_text(
            json.dumps(to_jsonable(value), indent=2, ensure_ascii=False, default=str),
            encoding="utf-8",
        )

    counts = graph.counts()
    group_verdicts = verdicts_by_subject(graph, "group")
    tally = {v: 0 for v in ("confirmed", "benign", "needs_review")}
    for v in group_verdicts.values():
        tally[v["verdict"]] = tally.get(v["verdict"], 0) + 1
    totals = reads.totals(graph)
    index = report_dir / "index.html"
    index.write_text(
        render_report(
            {
                "title": "cibgraph investigation",
                "generated_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "source": source,
                "summary": [
                    ("accounts", f"{totals['accounts']:,}"),
                    ("posts", f"{totals['posts']:,}"),
                    ("groups found", len(ids)),
                    ("accounts in groups", sum(len(d["members"]) for d in details.values())),
                    ("accounts in groups or coordinated", len(accounts)),
                    ("coordination links", len(coordination)),
                    (
                        "group verdicts",
                        ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in tally.items()),
                    ),
                    ("graph", f"{counts['nodes']:,} nodes, {counts['relationships']:,} links"),
                ],
                "links": [
                    ("coordination.graphml (Gephi)", "../export/coordination.graphml"),
                    ("groups.json", "../export/groups.json"),
                    ("signals.json", "../export/signals.json"),
                    ("evaluation.json", "../export/evaluation.json"),
                ],
                "groups": groups_ctx,
                "signals": signals_ctx,
                "evaluation": evaluation,
                "evaluation_note": evaluation_note,
                "stages": stages,
            }
        ),
        encoding="utf-8",
    )
    return index


def demo(
    real_data: Annotated[
        bool,
        typer.Option(
            "--real-data", help="Load the real data in ../shared/data instead of a synthetic one."
        ),
    ] = False,
    scale: Annotated[float, typer.Option(help="Synthetic scenario size; 1.0 = study scale.")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed for the synthetic scenario.")] = 7,
    out: Annotated[Path, typer.Option("--out", help="Folder for data, report, exports.")] = Path(
        "out"
    ),
    data_dir: Annotated[
        Path | None, typer.Option("--data-dir", help="Real-data folder (default: ../shared/data).")
    ] = None,
    reset: Annotated[
        bool, typer.Option("--reset", help="Delete everything in the database first.")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the API in the foreground at the end.")
    ] = True,
) -> None:
    """Run a complete investigation: Neo4j, data, detection, evaluation, report, API."""
    console = Console()
    d = Demo(console)
    settings = get_settings()
    out = out.resolve()
    try:
        opts = DemoOptions(real_data, scale, seed, data_dir, reset)
        settings, index, reader_key, where = _investigate(d, settings, out, opts)
    except StageFailed as e:
        console.print(f"[red]The demo stopped at stage {e}.")
        raise typer.Exit(1) from e
    _summary(console, settings, index, out, reader_key, where)
    if serve:
        import uvicorn

        if not port_free(settings.api_host, settings.api_port):
            console.print(
                f"[red]Port {settings.api_port} is in use, so the API was not started. "
                "Set CIBGRAPH_API_PORT (or stop the other server) and run `cibgraph serve`."
            )
            raise typer.Exit(1)

        from cibgraph.api.app import create_app

        console.print("[bold]Serving the API; press Ctrl+C to stop.")
        uvicorn.run(
            create_app(settings), host=settings.api_host, port=settings.api_port, log_level="info"
        )


@dataclass(frozen=True)
class DemoOptions:
    """What the demo investigates, as given on the command line."""

    real_data: bool
    scale: float
    seed: int
    data_dir: Path | None
    reset: bool


def _investigate(
    d: Demo, settings: Settings, out: Path, opts: DemoOptions
) -> tuple[Settings, Path, str, str]:
    real_data, scale, seed, data_dir = opts.real_data, opts.scale, opts.seed, opts.data_dir
    ingest_reports: list[Any] = []
    evaluation: Any = None
    evaluation_note = "No ground truth for this data."
    settings, graph = _run_core(d, settings, out, opts, ingest_reports)
    with graph:
        truth = out / "dataset" / "truth.json"
        from cibgraph.detect.evaluate import evaluate

        with d.stage("Evaluate against ground truth", required=False) as st:
            if real_data or not truth.exists():
                st.status, st.detail = "skipped", "no ground truth for this data"
            else:
                evaluation = to_jsonable(evaluate(graph, truth))
                evaluation_note = ""
                st.detail = f"{len(evaluation)} entries"
        if evaluation is None and not real_data and truth.exists():
            evaluation_note = "Evaluation failed; see the stages table."
        with d.stage("Report and exports") as st:
            index = build_report(
                graph,
                out,
                source=("real data from " + str(data_dir or find_real_data()))
                if real_data
                else f"synthetic scenario (scale {scale}, seed {seed})",
                evaluation=evaluation,
                evaluation_note=evaluation_note,
                stages=d.stages,
                ingest=ingest_reports,
            )
            st.detail = str(index)
    with d.stage("API key") as st:
        settings, reader_key, where = ensure_api_keys(settings, Path(".env"))
        st.detail = f"keys in {where}"
    return settings, index, reader_key, where


def _run_core(
    d: Demo, settings: Settings, out: Path, opts: DemoOptions, ingest_reports: list[Any]
) -> tuple[Settings, Graph]:
    with d.stage("Neo4j") as st:
        if settings.uses_local_server:
            from cibgraph.neo4j_local import server

            server.start(settings, echo=lambda *a: d.console.print(*a))
            st.detail = f"local server at {settings.neo4j_uri}"
        else:
            st.detail = f"using {settings.neo4j_uri}"
        graph = Graph(settings)
        graph.verify()
    with d.stage("Schema") as st:
        from cibgraph.model import ensure_schema

        if opts.reset:
            from cibgraph.ingest.verify import wipe_graph

            wipe_graph(graph)
            st.detail = "database emptied (--reset); "
        ensure_schema(graph)
        st.detail += "constraints and indexes in place"
    from cibgraph.ingest import load_dataset

    if opts.real_data:
        root = opts.data_dir or find_real_data()
        with d.stage("Locate real data") as st:
            if root is None or not Path(root).is_dir():
                raise FileNotFoundError("no real-data folder (../shared/data); use --data-dir")
            st.detail = str(root)
        for sub, fmt in REAL_SOURCES:
            path = Path(root) / sub
            with d.stage(f"Ingest {sub} ({fmt})", required=False) as st:
                if not path.exists():
                    st.status, st.detail = "skipped", f"{path} is absent"
                    continue
                rep = load_dataset(
                    graph,
                    path,
                    fmt,
                    tolerate_rejects=True,
                    rejects_path=out / "rejects" / f"{sub}.csv",
                )
                ingest_reports.append(rep)
                st.detail = f"loaded {rep.loaded}, rejected {rep.rejected}"
    else:
        dataset = out / "dataset"
        with d.stage("Synthesise a study-like scenario") as st:
            from cibgraph.detect.synth import generate

            generate(dataset, scale=opts.scale, seed=opts.seed)
            st.detail = f"{dataset} (scale {opts.scale}, seed {opts.seed})"
        with d.stage("Ingest") as st:
            rep = load_dataset(
                graph,
                dataset,
                "canonical",
                tolerate_rejects=True,
                rejects_path=out / "rejects" / "dataset.csv",
            )
            ingest_reports.append(rep)
            st.detail = f"loaded {rep.loaded}, rejected {rep.rejected}"
    with d.stage("Detect", required=False) as st:
        from cibgraph.detect import run_detection

        st.detail = _short(to_jsonable(run_detection(graph, progress=True)))
    return settings, graph


def _short(report: Any) -> str:
    text = json.dumps(report, default=str)
    return text if len(text) < 300 else text[:297] + "..."


def _summary(
    console: Console, settings: Settings, index: Path, out: Path, key: str, where: str
) -> None:
    base = f"http://{settings.api_host}:{settings.api_port}"
    console.rule("[bold]Investigation ready")
    console.print(f"Report:        {index.as_uri()}")
    console.print(f"Exports:       {out / 'export'}")
    console.print(f"Neo4j Browser: {settings.browser_url}")
    console.print(f"API:           {base}/  (docs {base}/docs)")
    console.print(
        f"Browser guide: in Neo4j Browser run  :play {base.replace('127.0.0.1', 'localhost')}/guide"
    )
    console.print(
        f"API key:       {key}  (reader; the analyst key, for verdicts, and the admin key "
        f"are in {where})"
    )
    console.print(f"Try:           curl -H 'X-API-Key: {key}' {base}/groups")


__all__ = ["build_report", "demo", "ensure_api_keys", "register", "slug"]
