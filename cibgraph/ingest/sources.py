"""What a loader reads: a stream of (line, raw text, decoded object) per file and kind."""

from __future__ import annotations

import gzip
import io
import lzma
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


class ParseError(Exception):
    """A line that could not be decoded at all (bad JSON, bad CSV row)."""

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


# (line number, the raw line as read, the decoded object or a ParseError)
Item = tuple[int, str, Any]


@dataclass
class Source:
    """One pass over one file producing records of one kind."""

    kind: str
    file: Path
    items: Callable[[], Iterator[Item]]
    base_dir: Path | None = None
    # False for long tables where one record's facts span several rows.
    unique_ids: bool = True
    # Adapters may use the private fields records.py allows for them.
    trusted: bool = False
    label: str = field(default="")


def open_binary(path: Path) -> IO[bytes]:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    return path.open("rb")


def open_text(path: Path) -> IO[str]:
    """Open plain, .gz or .xz files as UTF-8 text, streaming."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    if name.endswith(".xz"):
        return io.TextIOWrapper(lzma.open(path, "rb"), encoding="utf-8", newline="")
    return path.open("r", encoding="utf-8", newline="")
