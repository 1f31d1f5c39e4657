"""`twitter-users`: Twitter user profiles (`users.csv`, as in the NBC News IRA release).

Each row enriches the account `twitter:<screen_name in lower case>`, the
same id the `ira-tweets` adapter gives a tweet author, so profiles join
onto authors case-insensitively. `created_at` is Twitter's
`Wed Jan 07 04:38:02 +0000 2009` form.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest.adapters import _csv
from cibgraph.ingest.adapters.ira_tweets import PLATFORM, account_id
from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import Item, Source


def parse_created_at(value: str) -> datetime:
    try:
        return datetime.strptime(value.strip(), "%a %b %d %H:%M:%S %z %Y").astimezone(UTC)
    except ValueError as e:
        raise RecordError("created_at", f"not Twitter's date form: {value!r}") from e


def convert(row: _csv.Row) -> dict[str, Any]:
    handle = (row.get("screen_name") or "").strip()
    if not handle:
        raise RecordError("screen_name", "required field missing")
    obj: dict[str, Any] = {"id": account_id(handle), "platform": PLATFORM, "handle": handle}
    if (row.get("created_at") or "").strip():
        obj["created_at"] = parse_created_at(row["created_at"])
    for src, dst in (("name", "display_name"), ("description", "bio")):
        if (row.get(src) or "").strip():
            obj[dst] = row[src]
    for src, dst in (
        ("followers_count", "followers"),
        ("friends_count", "following"),
        ("statuses_count", "post_count"),
        ("favourites_count", "favourites"),
        ("listed_count", "listed"),
    ):
        value = _csv.count(row, src)
        if value is not None:
            obj[dst] = value
    verified = (row.get("verified") or "").strip().lower()
    if verified in ("true", "false"):
        obj["verified"] = verified == "true"
    for src, dst in (
        ("id", "user_id"),
        ("location", "location"),
        ("time_zone", "time_zone"),
        ("lang", "lang"),
    ):
        if (row.get(src) or "").strip():
            obj[dst] = row[src].strip()
    return obj


def _items(path: Path) -> Iterator[Item]:
    yield from _csv.converted(path, convert)


def sources(path: Path) -> list[Source]:
    files = _csv.find_files(path, lambda h: "screen_name" in h and "created_at" in h)
    return [Source("accounts", f, partial(_items, f), trusted=True) for f in files]
