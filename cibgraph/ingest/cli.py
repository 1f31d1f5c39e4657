"""`cibgraph ingest PATH [--format FORMAT] [--tolerate-rejects] [--rejects FILE]`."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cibgraph.ingest import FORMATS, IngestReport, UnknownFormat, detect_format, load_dataset
from cibgraph.ingest.loader import DEFAULT_WRITERS


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)


def ingest(
    path: Path = typer.Argument(..., help="Dataset folder or file."),
    fmt: str | None = typer.Option(
        None,
        "--format",
        "-f",
        help=f"Input format: {' | '.join(FORMATS)}. Default: recognised from the content.",
    ),
    tolerate_rejects: bool = typer.Option(
        False, "--tolerate-rejects", help="Exit 0 even when some records were rejected."
    ),
    rejects: Path | None = typer.Option(
        None,
        "--rejects",
        help="Where to write rejected lines (.jsonl or .csv). "
        "Default: ./ingest-rejects.jsonl when anything is rejected.",
    ),
    batch_size: int = typer.Option(2000, "--batch-size", min=1, help="Rows per transaction."),
    writers: int = typer.Option(
        DEFAULT_WRITERS,
        "--writers",
        min=1,
        help="Transactions at a time (1: one after another; see docs/ingest.md#speed).",
    ),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    bulk: bool = typer.Option(
        False,
        "--bulk",
        help="Replace the local server's database with this dataset, built by neo4j-admin "
        "import (stops and restarts the server; see docs/ingest.md#bulk-loading).",
    ),
    bulk_memory: str = typer.Option(
        "2g", "--bulk-memory", help="Off-heap memory for neo4j-admin import (with --bulk)."
    ),
) -> None:
    """Load a dataset into the graph (idempotent: loading it again changes nothing)."""
    from cibgraph.db import Graph

    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(message)s")
    console = Console(stderr=True)
    rejects_path = rejects or Path("ingest-rejects.jsonl")
    if bulk:
        report = _bulk(
            path, fmt, tolerate_rejects, rejects_path, batch_size, bulk_memory, no_progress
        )
        _show(report, rejects_path, console)
        return
    try:
        guess = detect_format(path) if fmt is None else None
        chosen = guess.format if guess is not None else str(fmt)
        with Graph() as graph:
            graph.verify()  # settings and the server first: one clear line if they fail
            if guess is not None:
                console.print(
                    f"format: {chosen} (recognised from {guess.file}: {guess.reason})",
                    highlight=False,
                    markup=False,
                )
            report = load_dataset(
                graph,
                path,
                chosen,
                tolerate_rejects=tolerate_rejects,
                rejects_path=rejects_path,
                progress=not no_progress,
                batch_size=batch_size,
                writers=writers,
            )
    except (UnknownFormat, FileNotFoundError, ValueError) as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    _show(report, rejects_path, console)


def _bulk(
    path: Path,
    fmt: str | None,
    tolerate_rejects: bool,
    rejects_path: Path,
    batch_size: int,
    bulk_memory: str,
    no_progress: bool,
) -> IngestReport:
    from cibgraph.ingest import bulk
    from cibgraph.ingest.bulk_csv import BulkUnsupported
    from cibgraph.neo4j_local.server import ServerError
    from cibgraph.settings import SettingsError, get_settings

    try:
        return bulk.bulk_load(
            get_settings(),
            path,
            fmt if fmt is not None else detect_format(path).format,
            tolerate_rejects=tolerate_rejects,
            rejects_path=rejects_path,
            progress=not no_progress,
            batch_size=batch_size,
            import_memory=bulk_memory,
            echo=lambda m: typer.echo(m, err=True),
        )
    except bulk.BulkRefused as e:
        typer.secho(f"Refused: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    except (BulkUnsupported, UnknownFormat, FileNotFoundError, ValueError, SettingsError) as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    except (bulk.BulkError, ServerError) as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from e


def _show(report: IngestReport, rejects_path: Path, console: Console) -> None:
    print_summary(report, Console())
    if report.rejected:
        shown = report.rejects[:10]
        for r in shown:
            console.print(
                f"[red]rejected[/] {r.file}:{r.line} [bold]{r.field or '-'}[/]: {r.reason}",
                highlight=False,
                markup=True,
            )
        if report.rejected > len(shown):
            console.print(f"... and {report.rejected - len(shown)} more")
        console.print(f"All rejects with their lines: {rejects_path}")
    if not report.ok:
        raise typer.Exit(1)


def print_summary(report: IngestReport, console: Console) -> None:
    table = Table(title=escape(f"ingest {report.format}: {report.path}"))
    table.add_column("records")
    table.add_column("loaded", justify="right")
    for kind, n in report.loaded.items():
        table.add_row(kind, f"{n:,}")
    table.add_row("[bold]total[/]", f"[bold]{report.total_loaded:,}[/]")
    table.add_row("rejected", f"{report.rejected:,}")
    if report.warnings:
        table.add_row("warnings", f"{report.warnings:,}")
    console.print(table)
    console.print(
        f"{report.seconds:.1f} s, {report.records_per_second:,.0f} records/s, run {report.run_id}"
    )
