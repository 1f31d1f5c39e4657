"""`coortweet`: the long tables shipped with the CooRTweet R package (as CSV).

- `german_elections.csv` (`account_id, post_id, url_id, hashtag_id,
  domain_id, phash_id, timestamp`): one row per (post, object). Each row is
  loaded as a partial post `coortweet:<account_id>:<post_id>` (rows of one
  post merge onto one node; post ids are only unique per account), with
  its object: hashtag `coortweet:<hashtag_id>`, URL `coortweet-url:<url_id>`
  on domain `coortweet-domain:<domain_id>` (a domain without a URL becomes
  the URL `coortweet-domain:<id>/`), image `coortweet-phash:<phash_id>`.
  CooRTweet's phash ids number distinct perceptual hashes; they are not
  hashes, so these images only match each other by exact id, never by
  Hamming distance.
- `russian_coord_tweets.csv` (`object_id, account_id, content_id,
  timestamp_share`): a retweet per row, post
  `coortweet:rt:<account_id>:<content_id>:<object_id>:<timestamp>` reposting
  `coortweet:<object_id>` (a stub post).
Accounts are `coortweet:<account_id>`; `fb_`/`tw_` prefixes give the
platform (the retweet table is Twitter). Unix-second timestamps become UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest.adapters import _csv
from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import Item, Source

GERMAN = ("account_id", "post_id", "phash_id", "timestamp")
RETWEETS = ("object_id", "account_id", "content_id", "timestamp_share")


def unix_time(value: str, column: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(float(value)), UTC)
    except (TypeError, ValueError, OverflowError) as e:
        raise RecordError(column, f"not unix seconds: {value!r}") from e


def platform_of(account: str, default: str) -> str:
    if account.startswith("fb_"):
        return "facebook"
    if account.startswith("tw_"):
        return "twitter"
    return default


def _accounts(path: Path, default_platform: str) -> Iterator[Item]:
    seen: set[str] = set()
    for line, row in _csv.rows(path):
        acc = (row.get("account_id") or "").strip()
        if not acc or acc in seen:
            continue
        seen.add(acc)
        yield (
            line,
            _csv.raw(row),
            {
                "id": f"coortweet:{acc}",
                "platform": platform_of(acc, default_platform),
                "handle": acc,
            },
        )


def _german(row: _csv.Row) -> dict[str, Any]:
    acc = (row.get("account_id") or "").strip()
    post = (row.get("post_id") or "").strip()
    if not acc:
        raise RecordError("account_id", "required field missing")
    if not post:
        raise RecordError("post_id", "required field missing")
    obj: dict[str, Any] = {
        "id": f"coortweet:{acc}:{post}",
        "account_id": f"coortweet:{acc}",
        "posted_at": unix_time(row.get("timestamp", ""), "timestamp"),
        "hashtags": [],
        "mentions": [],
        "urls": [],
    }
    if (row.get("hashtag_id") or "").strip():
        obj["hashtags"] = [f"coortweet:{row['hashtag_id'].strip()}"]
    if (row.get("url_id") or "").strip():
        obj["urls"] = [f"coortweet-url:{row['url_id'].strip()}"]
    if (row.get("domain_id") or "").strip():
        obj["_url_domain"] = f"coortweet-domain:{row['domain_id'].strip()}"
    if (row.get("phash_id") or "").strip():
        obj["media"] = [{"_key": f"coortweet-phash:{row['phash_id'].strip()}"}]
    return obj


def _retweet(row: _csv.Row) -> dict[str, Any]:
    acc = (row.get("account_id") or "").strip()
    obj_id = (row.get("object_id") or "").strip()
    content = (row.get("content_id") or "").strip()
    ts = (row.get("timestamp_share") or "").strip()
    for name, value in (("account_id", acc), ("object_id", obj_id), ("content_id", content)):
        if not value:
            raise RecordError(name, "required field missing")
    return {
        "id": f"coortweet:rt:{acc}:{content}:{obj_id}:{ts}",
        "account_id": f"coortweet:{acc}",
        "posted_at": unix_time(ts, "timestamp_share"),
        "repost_of": f"coortweet:{obj_id}",
        "hashtags": [],
        "mentions": [],
        "urls": [],
        "content_id": content,
    }


def sources(path: Path) -> list[Source]:
    german = _csv.find_files(path, lambda h: all(c in h for c in GERMAN))
    retweets = _csv.find_files(path, lambda h: all(c in h for c in RETWEETS))
    out = [Source("accounts", f, partial(_accounts, f, "unknown"), trusted=True) for f in german]
    out += [Source("accounts", f, partial(_accounts, f, "twitter"), trusted=True) for f in retweets]
    # One post spans several rows of the German table: ids repeat there by design.
    out += [
        Source("posts", f, partial(_csv.converted, f, _german), unique_ids=False, trusted=True)
        for f in german
    ]
    out += [
        Source("posts", f, partial(_csv.converted, f, _retweet), trusted=True) for f in retweets
    ]
    return out
