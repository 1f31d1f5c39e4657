"""Helpers shared by the adapter tests (tests/test_ingest_<format>.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from cibgraph.ingest import IngestReport, load_dataset
from cibgraph.ingest.verify import fingerprint

FIXTURES = Path(__file__).parent / "fixtures" / "adapters"


def load(graph: Any, path: Path, fmt: str) -> IngestReport:
    return load_dataset(graph, path, fmt, progress=False, tolerate_rejects=True)


def load_twice(graph: Any, path: Path, fmt: str) -> IngestReport:
    """Load, then load again and check the second load changed nothing at all."""
    report = load(graph, path, fmt)
    before = fingerprint(graph)
    again = load(graph, path, fmt)
    assert fingerprint(graph) == before, "a second load changed the graph"
    assert again.loaded == report.loaded and again.rejected == report.rejected
    return report


def rejects(report: IngestReport) -> set[tuple[str, int, str]]:
    return {(Path(r.file).name, r.line, r.field) for r in report.rejects}


def one(graph: Any, cypher: str, **params: Any) -> Any:
    rows = graph.read(cypher, params)
    return next(iter(rows[0].values())) if rows else None


def copy(src: Path, dst_dir: Path, name: str | None = None) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / (name or src.name)
    shutil.copy(src, dst)
    return dst


def cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
