"""`ira-tweets`: the Clemson/FiveThirtyEight IRA tweet CSVs.

Accepts a folder (searched recursively) of per-author CSVs
(`author_id, content, region, language, publish_date, ...`) or the original
FiveThirtyEight files (`author, content, ..., tweet_id, ...`). Accounts:
`twitter:<handle in lower case>`; posts: `twitter:<tweet_id>` when the file
has tweet ids, else `twitter:ira:<handle>:<sha1 of time and text>` with
`-2`, `-3`... for repeated identical rows of one author. Hashtags, mentions
and links come from the text; `retweet = 1` marks a repost. An
`authors.csv` next to the files adds each account's type and category.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest.adapters import _csv
from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import Item, Source

PLATFORM = "twitter"
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M")


def author_column(cols: list[str]) -> str | None:
    if "content" not in cols or "publish_date" not in cols:
        return None
    return "author_id" if "author_id" in cols else ("author" if "author" in cols else None)


def account_id(handle: str) -> str:
    return f"{PLATFORM}:{handle.strip().lower()}"


def parse_time(value: str, column: str) -> datetime:
    text = (value or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise RecordError(column, f"unrecognised date {value!r}")


def _authors_info(root: Path) -> dict[str, dict[str, str]]:
    """Per-author type and category from authors.csv, when present (a few thousand rows)."""
    base = root if root.is_dir() else root.parent
    f = base / "authors.csv"
    if not f.is_file():
        return {}
    info = {}
    for _, row in _csv.rows(f):
        handle = (row.get("author_id") or row.get("author") or "").strip().lower()
        if handle:
            info[handle] = {k: row[k] for k in ("account_type", "account_category") if row.get(k)}
    return info


def _accounts(path: Path, col: str, info: dict[str, dict[str, str]]) -> Iterator[Item]:
    # One record per author: counts from the author's most recently harvested row.
    latest: dict[str, tuple[str, int, _csv.Row]] = {}
    for line, row in _csv.rows(path):
        handle = (row.get(col) or "").strip()
        if not handle:
            continue
        key = handle.lower()
        harvested = row.get("harvested_date") or ""
        if key not in latest or harvested >= latest[key][0]:
            first_line = latest[key][1] if key in latest else line
            latest[key] = (harvested, first_line, row)
    for key, (_, line, row) in latest.items():
        handle = row[col].strip()
        obj: dict[str, Any] = {"id": account_id(handle), "platform": PLATFORM, "handle": handle}
        try:
            obj["followers"] = _csv.count(row, "followers")
            obj["following"] = _csv.count(row, "following")
            obj["post_count"] = _csv.count(row, "updates")
        except RecordError:
            pass  # counts are optional; a bad one must not lose the account
        obj.update(info.get(key, {}))
        yield line, _csv.raw(row), obj


def _posts(path: Path, col: str) -> Iterator[Item]:
    repeats: dict[str, int] = {}
    has_ids = "tweet_id" in _csv.header(path)

    def convert(row: _csv.Row) -> dict[str, Any] | None:
        handle = (row.get(col) or "").strip()
        if not handle:
            raise RecordError(col, "empty author")
        text = row.get("content") or ""
        posted = parse_time(row.get("publish_date", ""), "publish_date")
        if has_ids and (row.get("tweet_id") or "").strip():
            pid = f"{PLATFORM}:{row['tweet_id'].strip()}"
        else:
            digest = hashlib.sha1(f"{row.get('publish_date')}\0{text}".encode()).hexdigest()[:16]
            base = f"{PLATFORM}:ira:{handle.lower()}:{digest}"
            n = repeats.get(base, 0) + 1
            repeats[base] = n
            pid = base if n == 1 else f"{base}-{n}"
        obj: dict[str, Any] = {
            "id": pid,
            "account_id": account_id(handle),
            "posted_at": posted,
            "text": text,
            "is_repost": (row.get("retweet") or "").strip() == "1",
            "language": (row.get("language") or "").strip() or None,
        }
        for extra in ("region", "post_type", "harvested_date"):
            if (row.get(extra) or "").strip():
                obj[extra] = row[extra].strip()
        return obj

    yield from _csv.converted(path, convert)


def sources(path: Path) -> list[Source]:
    files = [
        (f, c)
        for f in _csv.find_files(path, lambda h: author_column(h) is not None)
        if (c := author_column(_csv.header(f)))
    ]
    info = _authors_info(path)
    out = [Source("accounts", f, partial(_accounts, f, c, info), trusted=True) for f, c in files]
    out += [Source("posts", f, partial(_posts, f, c), trusted=True) for f, c in files]
    return out
