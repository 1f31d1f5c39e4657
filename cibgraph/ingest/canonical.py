"""The canonical dataset folder (../shared/spec/dataset-format.md): JSON Lines per kind."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from cibgraph.ingest.records import KINDS
from cibgraph.ingest.sources import Item, ParseError, Source, open_binary

log = logging.getLogger(__name__)

SUFFIXES = (".jsonl", ".jsonl.gz")


def kind_of(path: Path) -> str | None:
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            return stem if stem in KINDS else None
    return None


def read_jsonl(path: Path) -> Iterator[Item]:
    # Binary lines, decoded one by one: a bad byte rejects its line, not the file.
    with open_binary(path) as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError as e:
                text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
                yield number, text, ParseError(f"invalid UTF-8 at byte {e.start}")
                continue
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield number, line, ParseError(f"invalid JSON: {e.msg} at column {e.colno}")
                continue
            yield number, line, obj


def sources(path: Path) -> list[Source]:
    """The dataset's files in dependency order (accounts before posts ...)."""
    if path.is_file():
        files = [path]
        base = path.parent
    else:
        files = sorted(p for p in path.iterdir() if p.is_file())
        base = path
    found: dict[str, list[Path]] = {}
    for f in files:
        kind = kind_of(f)
        if kind is None:
            if f.name.endswith(SUFFIXES) or path.is_file():
                log.warning("%s: not a canonical dataset file name; ignored", f)
            continue
        found.setdefault(kind, []).append(f)
    out: list[Source] = []
    for kind in KINDS:
        for f in found.get(kind, []):
            out.append(Source(kind, f, partial(read_jsonl, f), base_dir=base))
    return out
