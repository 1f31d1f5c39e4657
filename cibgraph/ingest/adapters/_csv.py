"""Streaming CSV rows with the line each record starts on."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import Item, ParseError, open_text

# Ad texts span many lines; the default 128 KiB cell limit is too small for some exports.
csv.field_size_limit(min(sys.maxsize, 64 * 1024 * 1024))

Row = dict[str, str]


def header(path: Path) -> list[str]:
    with open_text(path) as fh:
        try:
            return next(csv.reader(fh))
        except (StopIteration, csv.Error, UnicodeDecodeError):
            return []


def rows(path: Path) -> Iterator[tuple[int, Row]]:
    """(line the record starts on, row) for every data row."""
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        start = 2
        for row in reader:
            yield start, row
            start = reader.line_num + 1


def raw(row: Row) -> str:
    return json.dumps(row, ensure_ascii=False)


def converted(path: Path, convert: Callable[[Row], dict[str, Any] | None]) -> Iterator[Item]:
    """Rows → canonical dicts; a conversion error becomes a reject of that line."""
    for line, row in rows(path):
        try:
            obj = convert(row)
        except RecordError as e:
            yield line, raw(row), ParseError(e.reason, e.field)
            continue
        if obj is not None:
            yield line, raw(row), obj


def count(row: Row, column: str) -> int | None:
    """'1,234' → 1234; '', 'None', 'N/A' → None."""
    value = (row.get(column) or "").strip().replace(",", "")
    if value in ("", "None", "N/A", "NA", "null"):
        return None
    try:
        n = int(float(value))
    except ValueError as e:
        raise RecordError(column, f"not a number: {row.get(column)!r}") from e
    if n < 0:
        raise RecordError(column, f"must be ≥ 0, got {n}")
    return n


def find_files(path: Path, want: Callable[[list[str]], bool]) -> list[Path]:
    """CSV files under `path` (recursively) whose header satisfies `want`, sorted."""
    candidates = [path] if path.is_file() else sorted(path.rglob("*.csv"))
    return [p for p in candidates if want(header(p))]


def checked_rows(path: Path, header_row: list[str]) -> Iterator[tuple[int, Row | ParseError]]:
    """Data rows (line each starts on) that never stop the file: a row with bytes
    that are not UTF-8, a broken quote or the wrong number of cells becomes a
    ParseError naming the column where it can, and reading goes on."""
    from cibgraph.ingest.sources import open_binary

    bad: dict[int, str] = {}

    def lines() -> Iterator[str]:
        with open_binary(path) as fh:
            for n, data in enumerate(fh, 1):
                try:
                    yield data.decode("utf-8")
                except UnicodeDecodeError as e:
                    bad[n] = f"not UTF-8: byte 0x{data[e.start]:02x} at line {n}"
                    yield data.decode("utf-8", errors="replace")

    reader = csv.reader(lines())
    try:
        next(reader)
    except (StopIteration, csv.Error):
        return
    start = reader.line_num + 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield start, ParseError(f"bad CSV row: {e}")
            start = reader.line_num + 1
            continue
        end = reader.line_num
        line, start = start, end + 1
        if not values or values == [""]:
            continue
        why = next((bad[n] for n in range(line, end + 1) if n in bad), None)
        if why:
            column = next(
                (c for c, v in zip(header_row, values, strict=False) if "\ufffd" in v), ""
            )
            yield line, ParseError(why, column)
            continue
        if len(values) != len(header_row):
            yield line, ParseError(f"expected {len(header_row)} cells, found {len(values)}")
            continue
        yield line, dict(zip(header_row, values, strict=True))
