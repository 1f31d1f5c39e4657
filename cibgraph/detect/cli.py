"""`cibgraph detect`, `cibgraph synth OUT`, `cibgraph evaluate TRUTH_JSON`."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import typer

from cibgraph.db import Graph
from cibgraph.detect.coordination import SCALES
from cibgraph.detect.text_similarity import THRESHOLD


def register(app: typer.Typer) -> None:
    app.command("detect")(detect)
    app.command("synth")(synth)
    app.command("evaluate")(evaluate_cmd)


def _graph() -> Graph:
    # Settings and connection failures go to the CLI's one error path (cibgraph/cli.py).
    g = Graph()
    g.verify()
    return g


def detect(
    window_seconds: int | None = typer.Option(
        None,
        min=1,
        max=86400,
        help="Restrict detection to this one time scale, in seconds "
        "(default: every scale of --scales).",
    ),
    scales: str = typer.Option(
        ",".join(map(str, SCALES)),
        help="Time scales weighed in one run, in seconds, comma-separated.",
    ),
    max_phash_distance: int = typer.Option(6, help="Near-duplicate images: most differing bits."),
    text_threshold: float = typer.Option(
        THRESHOLD, min=0.1, max=1.0, help="Near-identical captions: least word-pair Jaccard."
    ),
    quiet_tolerance_days: int = typer.Option(
        3, min=0, max=60, help="Members whose last posts are this close went quiet together."
    ),
    min_shared: int = typer.Option(2, help="Least distinct items a pair co-posted."),
    min_edge_weight: float = typer.Option(1.0, help="Least weight of a coordination edge."),
    min_group_size: int = typer.Option(3, help="Smallest group written."),
    min_group_score: float = typer.Option(1.0, help="Least group score written."),
    seed: int = typer.Option(42, help="Leiden seed (fixed: same graph, same groups)."),
    engine: str = typer.Option(
        "python",
        help="Where co-action pairs are found: python (in process) or spark "
        "(needs the spark extra).",
    ),
    spark_master: str | None = typer.Option(
        None, help="Spark master for --engine spark (default: CIBGRAPH_SPARK_MASTER or local[*])."
    ),
    memory_budget_mb: int | None = typer.Option(
        None,
        min=1,
        help="Stop with a clear message past this resident size (default: "
        "CIBGRAPH_DETECT_MEMORY_MB, else 90% of the memory available at the start).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Write near duplicates, the coordination graph and groups (idempotent)."""
    from cibgraph.detect import run_detection

    if engine not in ("python", "spark"):
        typer.secho(
            f"Error: --engine takes python or spark (got {engine!r})", fg=typer.colors.RED, err=True
        )
        raise typer.Exit(2)
    if engine == "spark":
        from cibgraph.detect.spark_engine import SparkUnavailable, require_spark

        try:
            require_spark()
        except SparkUnavailable as e:
            typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from e

    try:
        scale_values = tuple(int(x) for x in scales.split(",") if x.strip())
        if not scale_values or not all(1 <= s <= 86400 for s in scale_values):
            raise ValueError
    except ValueError:
        typer.secho(
            "Error: --scales takes whole seconds from 1 to 86400, comma-separated "
            f"(got {scales!r})",
            fg=typer.colors.RED,
            err=True,
        )
        raise typer.Exit(2) from None
    from cibgraph.detect.budget import MemoryBudgetExceeded
    from cibgraph.errors import ServerMemoryExceeded
    from cibgraph.settings import get_settings

    budget = memory_budget_mb or get_settings().detect_memory_mb
    with _graph() as g:
        try:
            report = run_detection(
                g,
                window_seconds=window_seconds,
                scales=scale_values,
                text_threshold=text_threshold,
                quiet_tolerance_days=quiet_tolerance_days,
                max_phash_distance=max_phash_distance,
                min_shared=min_shared,
                min_edge_weight=min_edge_weight,
                min_group_size=min_group_size,
                min_group_score=min_group_score,
                seed=seed,
                progress=not as_json,
                engine=engine,
                spark_master=spark_master,
                memory_budget_mb=budget,
            )
        except (MemoryBudgetExceeded, ServerMemoryExceeded) as e:
            typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from e
    if as_json:
        typer.echo(json.dumps(asdict(report), indent=2))
        return
    typer.echo(
        f"{report.images} images, {report.near_duplicates} near-duplicate pairs; "
        f"{report.actions} actions, {report.candidate_pairs} co-posting pairs, "
        f"{report.coordination_edges} coordination edges; "
        f"{report.groups} groups with {report.grouped_accounts} accounts."
    )
    typer.echo("See them with: cibgraph query coordinated_groups")


def synth(
    out: Path = typer.Argument(..., help="Folder to write the dataset and truth.json into."),
    scale: float = typer.Option(1.0, help="1.0 = the study's size (about 52,000 accounts)."),
    seed: int = typer.Option(7, help="Random seed (same seed, same dataset)."),
) -> None:
    """Generate a synthetic scenario with ground truth, in the canonical format."""
    from cibgraph.detect.synth import generate

    truth = generate(out, scale=scale, seed=seed)
    counts = ", ".join(f"{v} {k}" for k, v in truth["counts"].items())
    typer.echo(f"Wrote {out}: {counts}; truth in {out / 'truth.json'}")


def evaluate_cmd(
    truth_json: Path = typer.Argument(..., help="truth.json written by `cibgraph synth`."),
    as_json: bool = typer.Option(False, "--json", help="Print the full result as JSON."),
) -> None:
    """Precision and recall per signal against a scenario's ground truth."""
    from cibgraph.detect.evaluate import evaluate, format_report

    if not truth_json.is_file():
        typer.secho(f"Error: {truth_json}: no such file", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    with _graph() as g:
        result = evaluate(g, truth_json)
    typer.echo(json.dumps(result, indent=2) if as_json else format_report(result))
