"""The one write path: sources (canonical files or adapters) → validation → batched MERGE."""

from __future__ import annotations

import csv
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

from cibgraph.ingest import records as rec
from cibgraph.ingest import runs, writer
from cibgraph.ingest.sources import ParseError, Source
from cibgraph.model import ensure_schema

log = logging.getLogger(__name__)

# Rows per transaction, chosen with bench/ingest_bench.py (see docs/ingest.md).
DEFAULT_BATCH_SIZE = 2000
# The report keeps this many rejects in memory; the rejects file has them all.
MAX_REJECTS_IN_REPORT = 10_000
MAX_WARNING_SAMPLES = 20


@dataclass
class Reject:
    file: str
    line: int
    field: str
    reason: str
    raw: str = ""

    def __iter__(self) -> Iterator[Any]:
        # Unpacks as (file, line, field, reason).
        return iter((self.file, self.line, self.field, self.reason))


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


def load_sources(
    graph: Any,
    srcs: list[Source],
    *,
    fmt: str,
    path: Path,
    tolerate_rejects: bool = False,
    rejects_path: Path | None = None,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> IngestReport:
    t0 = time.perf_counter()
    ensure_schema(graph)
    files = sorted({s.file for s in srcs})
    digests = runs.file_digests(files)
    rid = runs.run_id(fmt, path, digests)
    report = IngestReport(
        run_id=rid,
        format=fmt,
        path=str(path),
        tolerate_rejects=tolerate_rejects,
        rejects_path=str(rejects_path) if rejects_path else None,
    )
    runs.start_run(graph, rid, fmt, path)
    rejects_out = _RejectsFile(rejects_path)
    # Hashes of the account ids this load wrote or found in the graph: a post's
    # author must be among them. 8 bytes of state per account, not per post.
    known_accounts: set[int] = set()
    per_file: dict[Path, dict[str, int]] = {}

    progress_bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(bar_width=None),
        _RateColumn(),
        TimeElapsedColumn(),
        disable=not progress,
        transient=False,
    )

    lock = threading.Lock()

    def reject(src: Source, line: int, fld: str, reason: str, raw: str) -> None:
        r = Reject(str(src.file), line, fld, reason, raw)
        with lock:
            report.rejected += 1
            per_file[src.file]["rejected"] += 1
            if len(report.rejects) < MAX_REJECTS_IN_REPORT:
                report.rejects.append(r)
            rejects_out.write(r)

    # One batch may span several files of the same kind (per-author CSVs hold
    # a few hundred rows each); it is flushed when full or when the kind changes.
    batch: list[tuple[Source, int, str, rec.Record]] = []
    # Parsing and validating the next batch overlaps with writing this one: one
    # writer thread takes batches in order (so accounts are in before posts),
    # and the bounded queue keeps memory flat.
    pending: queue.Queue[list[tuple[Source, int, str, rec.Record]] | None] = queue.Queue(2)
    errors: list[BaseException] = []

    def write(items: list[tuple[Source, int, str, rec.Record]]) -> None:
        kind = items[0][0].kind
        good = _check_authors(graph, items, known_accounts, reject)
        writer.write_rows(graph, kind, [r.row for _, _, _, r in good])
        if kind == "accounts":
            known_accounts.update(hash(r.key) for _, _, _, r in good)
        with lock:
            report.loaded[kind] = report.loaded.get(kind, 0) + len(good)
            for src, _, _, _ in good:
                per_file[src.file]["records"] += 1
        progress_bar.update(task, advance=len(items))

    def write_loop() -> None:
        while (items := pending.get()) is not None:
            if errors:
                continue  # drain after a failure; the main thread re-raises it
            try:
                write(items)
            except BaseException as e:  # noqa: BLE001 - handed to the main thread
                errors.append(e)

    def flush() -> None:
        if errors:
            raise errors[0]
        if batch:
            pending.put(list(batch))
            batch.clear()

    thread = threading.Thread(target=write_loop, name="ingest-writer", daemon=True)

    try:
        with progress_bar:
            task = progress_bar.add_task("ingest", total=None)
            thread.start()
            for src in srcs:
                if batch and batch[0][0].kind != src.kind:
                    flush()
                per_file.setdefault(src.file, {"records": 0, "rejected": 0})
                progress_bar.update(task, description=f"{src.kind}: {src.file.name}")
                seen: set[int] = set()
                for line, raw, obj in src.items():
                    if isinstance(obj, ParseError):
                        reject(src, line, obj.field, obj.reason, raw)
                        continue
                    try:
                        record = rec.validate(src.kind, obj, src.base_dir, trusted=src.trusted)
                    except rec.RecordError as e:
                        reject(src, line, e.field, e.reason, raw)
                        continue
                    if src.unique_ids and record.key is not None:
                        h = hash(record.key)
                        if h in seen:
                            reason = f"duplicate id {record.key!r} in this file"
                            reject(src, line, "id", reason, raw)
                            continue
                        seen.add(h)
                    for w in record.warnings:
                        report.warnings += 1
                        if len(report.warning_samples) < MAX_WARNING_SAMPLES:
                            report.warning_samples.append(f"{src.file}:{line}: {w}")
                        log.warning("%s:%d: %s", src.file, line, w)
                    batch.append((src, line, raw, record))
                    if len(batch) >= batch_size:
                        flush()
            flush()
            pending.put(None)
            thread.join()
            if errors:
                raise errors[0]
    finally:
        if thread.is_alive():
            pending.put(None)
            thread.join()
        rejects_out.close()
    report.files = {str(f): c for f, c in per_file.items()}
    runs.finish_run(graph, rid, report.loaded, report.rejected, per_file, digests)
    report.seconds = time.perf_counter() - t0
    return report


def _check_authors(
    graph: Any,
    batch: list[tuple[Source, int, str, rec.Record]],
    known: set[int],
    reject: Callable[[Source, int, str, str, str], None],
) -> list[tuple[Source, int, str, rec.Record]]:
    """Drop (as rejects) posts whose author is neither in this dataset nor in the graph."""
    if batch[0][0].kind != "posts":
        return batch
    unknown = sorted(
        {r.account_ref for *_, r in batch if r.account_ref and hash(r.account_ref) not in known}
    )
    if unknown:
        found = graph.read(writer.EXISTING_ACCOUNTS, {"ids": unknown})
        known.update(hash(row["id"]) for row in found)
    good = []
    for src, line, raw, r in batch:
        if r.account_ref is not None and hash(r.account_ref) not in known:
            reason = f"unknown account {r.account_ref!r}: not in this dataset nor in the graph"
            reject(src, line, "account_id", reason, raw)
        else:
            good.append((src, line, raw, r))
    return good
