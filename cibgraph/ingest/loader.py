"""The one write path: sources (canonical files or adapters) → validation → batched MERGE."""

from __future__ import annotations

import csv
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from cibgraph.db import Graph, Reader
from cibgraph.ingest import reader, runs, writer
from cibgraph.ingest.reader import ReaderMode, Reject
from cibgraph.ingest.sources import Source
from cibgraph.model import ensure_schema

log = logging.getLogger(__name__)

# Rows per transaction, chosen with bench/ingest_bench.py (see docs/ingest.md).
DEFAULT_BATCH_SIZE = 2000
# Transactions at a time (see writer.LaneWriter). Measured on 2 cores: faster
# when the reader leaves a core to spare, no faster when parsing fills it
# (docs/ingest.md#speed).
DEFAULT_WRITERS = 2
# The report keeps this many rejects in memory; the rejects file has them all.
MAX_REJECTS_IN_REPORT = 10_000
MAX_WARNING_SAMPLES = 20


@dataclass
class IngestReport:
    run_id: str
    format: str
    path: str
    loaded: dict[str, int] = field(default_factory=dict)
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: int = 0
    warning_samples: list[str] = field(default_factory=list)
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    seconds: float = 0.0
    rejects_path: str | None = None
    tolerate_rejects: bool = False

    @property
    def total_loaded(self) -> int:
        return sum(self.loaded.values())

    @property
    def records_per_second(self) -> float:
        return (self.total_loaded + self.rejected) / self.seconds if self.seconds else 0.0

    @property
    def ok(self) -> bool:
        return self.rejected == 0 or self.tolerate_rejects


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed or 0.0
        return Text(f"{int(task.completed):,} records  {speed:,.0f}/s", style="progress.data.speed")


class _RejectsFile:
    """Writes every reject (JSON Lines, or CSV when the name ends in .csv), opened lazily."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        self._csv: Any = None

    def write(self, r: Reject) -> None:
        if self.path is None:
            return
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8", newline="")
            if self.path.suffix.lower() == ".csv":
                self._csv = csv.writer(self._fh)
                self._csv.writerow(["file", "line", "field", "reason", "raw"])
        if self._csv is not None:
            self._csv.writerow([r.file, r.line, r.field, r.reason, r.raw])
        else:
            self._fh.write(
                json.dumps(
                    {
                        "file": r.file,
                        "line": r.line,
                        "field": r.field,
                        "reason": r.reason,
                        "raw": r.raw,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


class Tally:
    """A run's per-file counts and rejects (the transactional and the bulk load keep them
    alike, so both give the same report and rejects file)."""

    def __init__(self, report: IngestReport, rejects_path: Path | None) -> None:
        self.report = report
        self.rejects_out = _RejectsFile(rejects_path)
        self.per_file: dict[Path, dict[str, int]] = {}

    def file_counts(self, f: str) -> dict[str, int]:
        # Lanes may deliver a file's rows before the chunk that opened it.
        return self.per_file.setdefault(Path(f), {"records": 0, "rejected": 0})

    def reject(self, r: Reject) -> None:
        self.report.rejected += 1
        self.file_counts(r.file)["rejected"] += 1
        if len(self.report.rejects) < MAX_REJECTS_IN_REPORT:
            self.report.rejects.append(r)
        self.rejects_out.write(r)


def new_report(
    srcs: Any, fmt: str, path: Path, tolerate_rejects: bool, rejects_path: Path | None
) -> tuple[IngestReport, dict[Path, tuple[str, int]]]:
    """The report of a run and the files' digests; the run id comes from the format, the
    path and the digests (so the transactional and the bulk load of the same data are the
    same run)."""
    digests = runs.file_digests(sorted({s.file for s in srcs}))
    report = IngestReport(
        run_id=runs.run_id(fmt, path, digests),
        format=fmt,
        path=str(path),
        tolerate_rejects=tolerate_rejects,
        rejects_path=str(rejects_path) if rejects_path else None,
    )
    return report, digests


def load_sources(
    graph: Graph,
    srcs: list[Source],
    *,
    fmt: str,
    path: Path,
    tolerate_rejects: bool = False,
    rejects_path: Path | None = None,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    reader_mode: ReaderMode = "auto",
    writers: int = DEFAULT_WRITERS,
) -> IngestReport:
    if writers < 1:
        raise ValueError(f"writers must be at least 1, not {writers}")
    t0 = time.perf_counter()
    ensure_schema(graph)
    report, digests = new_report(srcs, fmt, path, tolerate_rejects, rejects_path)
    rid = report.run_id
    runs.start_run(graph, rid, fmt, path)
    tally = Tally(report, rejects_path)
    rejects_out, per_file = tally.rejects_out, tally.per_file
    file_counts, reject = tally.file_counts, tally.reject
    # Authors looked up in the graph (posts of accounts loaded by an earlier run).
    in_graph: dict[str, bool] = {}

    progress_bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=None),
        _RateColumn(),
        TimeElapsedColumn(),
        disable=not progress,
        transient=False,
    )
    # The reader starts before the progress bar's refresh thread: a forked
    # child should not inherit running threads.
    incoming = reader.chunks(srcs, batch_size, reader_mode, lanes=writers)
    try:
        with progress_bar, writer.LaneWriter(graph, writers) as out:
            task = progress_bar.add_task("ingest", total=None)
            for chunk in incoming:
                for f in chunk.opened:
                    file_counts(f)
                progress_bar.update(task, description=chunk.label)
                for r in chunk.rejects:
                    reject(r)
                for w in chunk.warnings:
                    report.warnings += 1
                    if len(report.warning_samples) < MAX_WARNING_SAMPLES:
                        report.warning_samples.append(w)
                    log.warning("%s", w)
                rows = _drop_unknown_authors(graph, chunk, in_graph, reject)
                out.submit(chunk.kind, rows, chunk.shared, chunk.lane)
                if rows:
                    report.loaded[chunk.kind] = report.loaded.get(chunk.kind, 0) + len(rows)
                for f, n in chunk.files.items():
                    file_counts(f)["records"] += n
                progress_bar.update(task, advance=chunk.items)
    finally:
        incoming.close()
        rejects_out.close()
    report.files = {str(f): c for f, c in per_file.items()}
    runs.finish_run(graph, rid, report.loaded, report.rejected, per_file, digests)
    report.seconds = time.perf_counter() - t0
    return report


def _drop_unknown_authors(
    graph: Reader, chunk: reader.Chunk, in_graph: dict[str, bool], reject: Callable[[Reject], None]
) -> list[dict[str, Any]]:
    """The chunk's rows without (and rejecting) posts whose author is nowhere.

    The reader has already passed every post whose author is in this dataset;
    the others are looked up in the graph, where only a real account counts.
    """
    if not chunk.unknown_authors:
        return chunk.rows
    ask = sorted({u.account_id for u in chunk.unknown_authors} - in_graph.keys())
    if ask:
        found = {row["id"] for row in graph.read(writer.EXISTING_ACCOUNTS, {"ids": ask})}
        in_graph.update((a, a in found) for a in ask)
    drop = set()
    for u in chunk.unknown_authors:
        if not in_graph[u.account_id]:
            drop.add(u.index)
            chunk.files[u.file] -= 1
            reason = f"unknown account {u.account_id!r}: not in this dataset nor in the graph"
            reject(Reject(u.file, u.line, "account_id", reason, u.raw))
    if not drop:
        return chunk.rows
    return [row for i, row in enumerate(chunk.rows) if i not in drop]
