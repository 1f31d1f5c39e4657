"""Reading JSON exports so that one bad part never costs the good ones.

Two shapes: JSON Lines (one object a line: Jetstream, twarc2, Ad Library
JSONL) and one document holding a long array (an Ad Library response's
`data`, a Telegram export's `messages`). The array is walked element by
element (`json.JSONDecoder.raw_decode`), so each element is reported with
the line it starts on and its JSON path, and a truncated file still gives
every element before the cut. Bytes that are not UTF-8 reject only the line
(or element) they are in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cibgraph.ingest.sources import Item, ParseError, open_binary

RAW_CHARS = 2000
_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"\s*")


def _decode_line(data: bytes) -> tuple[str, str | None]:
    """(text, None) or (text with U+FFFD, why it is not UTF-8)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        why = f"not UTF-8: byte 0x{data[e.start]:02x} at column {e.start + 1}"
        return data.decode("utf-8", errors="replace"), why


def unclosed(text: str, start: int = 0) -> bool:
    """True when a value starting at `start` never closes: the text was cut short."""
    depth, in_string, escaped = 0, False, False
    for ch in text[start:]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth <= 0:
                return False
    return True


def _why(e: json.JSONDecodeError, text: str, start: int) -> str:
    return "the text ends inside it (truncated?)" if unclosed(text, start) else e.msg


def jsonl(path: Path) -> Iterator[Item]:
    """(line, raw, object or ParseError) for every non-blank line."""
    with open_binary(path) as fh:
        for n, data in enumerate(fh, 1):
            text, bad = _decode_line(data)
            if not text.strip():
                continue
            raw = text[:RAW_CHARS]
            if bad:
                yield n, raw, ParseError(bad)
                continue
            text = text.rstrip("\r\n")
            try:
                yield n, raw, json.loads(text)
            except json.JSONDecodeError as e:
                yield n, raw, ParseError(f"invalid JSON: {_why(e, text, 0)} at column {e.colno}")


class Document:
    """A whole JSON file as text, with the lines that were not UTF-8."""

    def __init__(self, path: Path) -> None:
        self.bad_lines: dict[int, str] = {}
        parts = []
        with open_binary(path) as fh:
            for n, data in enumerate(fh, 1):
                text, bad = _decode_line(data)
                if bad:
                    self.bad_lines[n] = bad
                parts.append(text)
        self.text = "".join(parts)
        self._line_at = 0
        self._line_no = 1

    def line_of(self, pos: int) -> int:
        """Line number of offset `pos` (offsets must come in increasing order)."""
        if pos < self._line_at:
            self._line_at, self._line_no = 0, 1
        self._line_no += self.text.count("\n", self._line_at, pos)
        self._line_at = pos
        return self._line_no

    def whole(self) -> Any:
        """The decoded document, or a ParseError naming the line."""
        try:
            return json.loads(self.text)
        except json.JSONDecodeError as e:
            return ParseError(f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}")

    def array(self, start: int, path: str) -> Iterator[Item]:
        """Elements of the array whose `[` is at offset `start`, one at a time.

        An element that cannot be decoded ends the walk with a reject naming its
        line and path (a truncated file ends there); the elements before it are kept.
        """
        text = self.text
        pos = _SPACE.match(text, start + 1).end()  # type: ignore[union-attr]
        i = 0
        if pos < len(text) and text[pos] == "]":
            return
        while True:
            line = self.line_of(pos)
            try:
                obj, end = _DECODER.raw_decode(text, pos)
            except json.JSONDecodeError as e:
                raw = text[pos : pos + RAW_CHARS]
                cut = _why(e, text, pos)
                yield line, raw, ParseError(f"invalid JSON in {path}[{i}]: {cut}", f"{path}[{i}]")
                return
            last = self.line_of(end)
            raw = text[pos:end][:RAW_CHARS]
            bad = next(
                (self.bad_lines[n] for n in range(line, last + 1) if n in self.bad_lines), None
            )
            if bad:
                yield line, raw, ParseError(bad, f"{path}[{i}]")
            else:
                yield line, raw, (i, obj)
            pos = _SPACE.match(text, end).end()  # type: ignore[union-attr]
            if pos >= len(text):
                yield (
                    self.line_of(pos),
                    "",
                    ParseError(f"{path}: file ends inside the array (truncated?)", path),
                )
                return
            if text[pos] == "]":
                return
            if text[pos] != ",":
                yield (
                    self.line_of(pos),
                    text[pos : pos + 80],
                    ParseError(f"invalid JSON after {path}[{i}]: expected ',' or ']'", path),
                )
                return
            pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
            i += 1

    def find_array(self, key: str) -> int | None:
        """Offset of the `[` of the first top-level-looking `"key": [`, or None."""
        m = re.search(r'(?<!\\)"' + re.escape(key) + r'"\s*:\s*\[', self.text)
        return m.end() - 1 if m else None

    def head(self, start: int) -> dict[str, Any]:
        """The object before the array at `start`, closed off (its scalar fields)."""
        try:
            obj = json.loads(self.text[:start] + "[]}")
        except json.JSONDecodeError:
            return {}
        return obj if isinstance(obj, dict) else {}
