"""Loading datasets into the graph: the canonical format and adapters for real exports.

`load_dataset(graph, path, fmt)` is the entry point; every format turns its
input into canonical records and goes through the same validation and the
same batched writer (`cibgraph.ingest.loader`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cibgraph.db import Graph
from cibgraph.ingest.loader import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_WRITERS,
    IngestReport,
    Reject,
    load_sources,
)
from cibgraph.ingest.reader import ReaderMode

FORMATS: tuple[str, ...] = (
    "canonical",
    "ira-tweets",
    "twitter-users",
    "hpsci-ads",
    "coortweet",
    "instaloader",
    "meta-ad-library",
    "fec-committees",
    "crowdtangle",
    "x-api-v2",
    "bluesky",
    "telegram",
)


class UnknownFormat(ValueError):
    pass


def sources_for(path: Path, fmt: str) -> list[Any]:
    """The format's sources (files × record kinds) in dependency order."""
    if fmt == "canonical":
        from cibgraph.ingest import canonical

        return canonical.sources(path)
    if fmt not in FORMATS:
        raise UnknownFormat(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    import importlib

    module = importlib.import_module(f"cibgraph.ingest.adapters.{fmt.replace('-', '_')}")
    return module.sources(path)


def detect_format(path: Path) -> Any:
    """The format `path` is in, from its content (a `sniff.Guess`); raises
    `sniff.FormatError` listing the candidates when it cannot tell."""
    from cibgraph.ingest import sniff

    return sniff.choose(Path(path))


def load_dataset(
    graph: Graph,
    path: Path,
    fmt: str = "canonical",
    *,
    tolerate_rejects: bool = False,
    rejects_path: Path | None = None,
    progress: bool = True,
    batch_size: int = DEFAULT_BATCH_SIZE,
    reader_mode: ReaderMode = "auto",
    writers: int = DEFAULT_WRITERS,
) -> IngestReport:
    """Load `path` (a folder or a file) in format `fmt` into `graph`.

    Bad records are reported (file, line, field, reason) and, when
    `rejects_path` is given, written there; good records are always loaded.
    `tolerate_rejects` only decides `report.ok` (the CLI's exit status).
    `reader_mode` says where parsing runs: a child process (`process`, the
    default on Linux) or a thread (elsewhere). `writers` is how many
    transactions run at a time (see `writer.LaneWriter`).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if fmt in FORMATS:
        from cibgraph.ingest import sniff

        sniff.check(path, fmt)  # a file recognisably in another format fails before any write
    srcs = sources_for(path, fmt)
    if not srcs:
        raise ValueError(f"{path}: no {fmt} input files found")
    return load_sources(
        graph,
        srcs,
        fmt=fmt,
        path=path,
        tolerate_rejects=tolerate_rejects,
        rejects_path=rejects_path,
        progress=progress,
        batch_size=batch_size,
        reader_mode=reader_mode,
        writers=writers,
    )


__all__ = [
    "FORMATS",
    "IngestReport",
    "Reject",
    "UnknownFormat",
    "detect_format",
    "load_dataset",
    "sources_for",
]
