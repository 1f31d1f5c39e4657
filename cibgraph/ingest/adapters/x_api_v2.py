"""`x-api-v2`: what `twarc2` writes from the X (Twitter) API v2, raw or flattened.

Two line shapes, mixed freely (https://github.com/DocNow/twarc; for
flatten, https://github.com/DocNow/twarc/releases/tag/v2.1.0):
- a raw response page: `{"data": [tweet, ...], "includes": {"users": [...],
  "tweets": [...], "media": [...]}, "meta": {...}, "__twarc": {...}}`;
- a `twarc2 flatten` line: one tweet with its expansions inlined (`author`,
  `attachments.media`, `referenced_tweets[].…` as full tweets, `__twarc`).
Fields as the v2 data dictionary documents them
(https://developer.x.com/en/docs/twitter-api/data-dictionary/object-model.html,
https://developer.x.com/en/docs/twitter-api/data-dictionary/example-payloads):

- Users (`includes.users`, a flattened tweet's `author` and its referenced
  tweets' authors) → `twitter:<username lower>`, the id the `ira-tweets`
  and `twitter-users` adapters give, so archives of one account join;
  name, description, created_at, `public_metrics` (followers_count,
  following_count, tweet_count, listed_count), verified, profile_image_url,
  location; the numeric id as `user_id`.
- Tweets (`data` and `includes.tweets`, or the flattened tweet and its
  referenced tweets) → `twitter:<id>`; created_at, text, lang,
  `entities.hashtags[].tag`, `entities.mentions[].username`,
  `entities.urls[].expanded_url` (else `url`), `public_metrics` (like_count →
  likes, reply_count → comments, retweet_count → shares, quote_count kept),
  `referenced_tweets`: `retweeted` → repost_of, `replied_to` → reply_to,
  `quoted` → `quote_of` (kept as a property), conversation_id.
- `attachments.media_keys` → images: the media's `url` (photos) or
  `preview_image_url` (videos); a media file saved beside the JSONL as
  `media/<media_key>.<ext>` is hashed (sha256, pHash); a key with neither is
  an image keyed `twitter-media:<media_key>`.
A tweet or user seen twice in a file (pages repeat referenced tweets) is loaded once.
Rejects name the line and the JSON path (`data[2].created_at`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest.adapters import _json, _media
from cibgraph.ingest.records import RecordError, parse_timestamp
from cibgraph.ingest.sources import Item, ParseError, Source

PLATFORM = "twitter"
SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".jsonl.xz", ".ndjson")


def is_page(obj: Any) -> bool:
    return isinstance(obj, dict) and "data" in obj and ("includes" in obj or "meta" in obj)


def is_flat_tweet(obj: Any) -> bool:
    return (
        isinstance(obj, dict)
        and "id" in obj
        and "text" in obj
        and ("author_id" in obj or "author" in obj)
    )


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))


def account_id(username: str) -> str:
    return f"{PLATFORM}:{username.strip().lower()}"


def _obj(obj: Any, name: str) -> dict[str, Any]:
    value = obj.get(name) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def _list(obj: Any, name: str) -> list[Any]:
    value = obj.get(name) if isinstance(obj, dict) else None
    return value if isinstance(value, list) else []


def user_record(user: dict[str, Any], where: str) -> dict[str, Any]:
    username = user.get("username")
    if not isinstance(username, str) or not username.strip():
        raise RecordError(f"{where}.username", "required field missing")
    metrics = _obj(user, "public_metrics")
    obj: dict[str, Any] = {
        "id": account_id(username),
        "platform": PLATFORM,
        "handle": username,
        "display_name": user.get("name") or None,
        "bio": user.get("description") or None,
        "followers": metrics.get("followers_count"),
        "following": metrics.get("following_count"),
        "post_count": metrics.get("tweet_count"),
        "listed": metrics.get("listed_count"),
        "verified": user.get("verified") if isinstance(user.get("verified"), bool) else None,
        "user_id": str(user["id"]) if user.get("id") not in (None, "") else None,
        "location": user.get("location") or None,
    }
    if user.get("created_at"):
        obj["created_at"] = _time(user["created_at"], f"{where}.created_at")
    if isinstance(user.get("profile_image_url"), str) and user["profile_image_url"]:
        obj["profile_image"] = {"url": user["profile_image_url"]}
    return {k: v for k, v in obj.items() if v is not None}


def _time(value: Any, where: str) -> Any:
    try:
        return parse_timestamp(value, where)
    except RecordError as e:
        raise RecordError(where, e.reason) from e


class _Page:
    """One line's tweets with what they refer to: users and media by id."""

    def __init__(self, obj: dict[str, Any]) -> None:
        self.tweets: list[tuple[str, dict[str, Any]]] = []
        self.users: dict[str, tuple[str, dict[str, Any]]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        if is_page(obj):
            data = obj["data"]
            for i, t in enumerate(data if isinstance(data, list) else [data]):
                self.tweets.append((f"data[{i}]" if isinstance(data, list) else "data", t))
            includes = _obj(obj, "includes")
            for i, t in enumerate(_list(includes, "tweets")):
                self.tweets.append((f"includes.tweets[{i}]", t))
            for i, u in enumerate(_list(includes, "users")):
                if isinstance(u, dict) and u.get("id") not in (None, ""):
                    self.users[str(u["id"])] = (f"includes.users[{i}]", u)
            for m in _list(includes, "media"):
                if isinstance(m, dict) and m.get("media_key"):
                    self.media[str(m["media_key"])] = m
        else:
            self._flat(obj, "")

    def _flat(self, tweet: dict[str, Any], where: str) -> None:
        self.tweets.append((where or "$", tweet))
        author = tweet.get("author")
        if isinstance(author, dict) and author.get("id") not in (None, ""):
            self.users.setdefault(str(author["id"]), (f"{where}author".lstrip("."), author))
        attachments = tweet.get("attachments")
        for m in _list(attachments, "media"):
            if isinstance(m, dict) and m.get("media_key"):
                self.media[str(m["media_key"])] = m
        for i, ref in enumerate(_list(tweet, "referenced_tweets")):
            if isinstance(ref, dict) and ("text" in ref or "author" in ref):
                self._flat(ref, f"{where}referenced_tweets[{i}].")

    def author_of(self, tweet: dict[str, Any], where: str) -> str:
        uid = tweet.get("author_id")
        if uid in (None, "") and isinstance(tweet.get("author"), dict):
            uid = tweet["author"].get("id")
        if uid in (None, ""):
            raise RecordError(f"{where}.author_id", "required field missing")
        found = self.users.get(str(uid))
        if not found or not isinstance(found[1].get("username"), str):
            raise RecordError(f"{where}.author_id", f"user {uid} is not in includes.users")
        return account_id(found[1]["username"])


def tweet_record(page: _Page, tweet: Any, where: str, base: Path) -> dict[str, Any]:
    where = where.rstrip(".") or "$"
    if not isinstance(tweet, dict):
        raise RecordError(where, "a tweet must be a JSON object")
    tid = tweet.get("id")
    if tid in (None, "") or isinstance(tid, bool | dict | list):
        raise RecordError(f"{where}.id", "required field missing")
    if tweet.get("created_at") in (None, ""):
        raise RecordError(f"{where}.created_at", "required field missing")
    entities = _obj(tweet, "entities")
    metrics = _obj(tweet, "public_metrics")
    obj: dict[str, Any] = {
        "id": f"{PLATFORM}:{tid}",
        "account_id": page.author_of(tweet, where),
        "posted_at": _time(tweet["created_at"], f"{where}.created_at"),
        "text": tweet.get("text") if isinstance(tweet.get("text"), str) else None,
        "hashtags": [
            h["tag"] for h in _list(entities, "hashtags") if isinstance(h, dict) and h.get("tag")
        ],
        "mentions": [
            m["username"]
            for m in _list(entities, "mentions")
            if isinstance(m, dict) and m.get("username")
        ],
        "urls": [
            u.get("unwound_url") or u.get("expanded_url") or u.get("url")
            for u in _list(entities, "urls")
            if isinstance(u, dict)
            and not u.get("media_key")
            and (u.get("unwound_url") or u.get("expanded_url") or u.get("url"))
        ],
        "likes": metrics.get("like_count"),
        "comments": metrics.get("reply_count"),
        "shares": metrics.get("retweet_count"),
        "quote_count": metrics.get("quote_count"),
        "language": tweet.get("lang") or None,
        "conversation_id": str(tweet["conversation_id"]) if tweet.get("conversation_id") else None,
        "tweet_source": tweet.get("source") if isinstance(tweet.get("source"), str) else None,
    }
    for ref in _list(tweet, "referenced_tweets"):
        if not isinstance(ref, dict) or ref.get("id") in (None, ""):
            continue
        target = f"{PLATFORM}:{ref['id']}"
        kind = ref.get("type")
        if kind == "retweeted":
            obj["repost_of"] = target
        elif kind == "replied_to":
            obj["reply_to"] = target
        elif kind == "quoted":
            obj["quote_of"] = target
    media: list[dict[str, Any]] = []
    for key in _list(_obj(tweet, "attachments"), "media_keys"):
        m = page.media.get(str(key), {})
        found = _media.beside(base, "media", str(key))
        if found:
            media.append({"path": found})
        elif m.get("url") or m.get("preview_image_url"):
            media.append({"url": m.get("url") or m.get("preview_image_url")})
        else:
            media.append({"_key": f"twitter-media:{key}"})
    if media:
        obj["media"] = media
    return {k: v for k, v in obj.items() if v is not None}


def _pages(path: Path) -> Iterator[tuple[int, str, _Page | ParseError]]:
    for line, raw, obj in _json.jsonl(path):
        if isinstance(obj, ParseError):
            yield line, raw, obj
        elif is_page(obj) or is_flat_tweet(obj):
            yield line, raw, _Page(obj)
        elif isinstance(obj, dict) and ("errors" in obj or "meta" in obj) and "data" not in obj:
            continue  # a page with no results (only errors or meta): nothing to load
        else:
            yield line, raw, ParseError("neither a v2 response page nor a flattened tweet")


def _accounts(path: Path) -> Iterator[Item]:
    seen: set[str] = set()
    for line, raw, page in _pages(path):
        if isinstance(page, ParseError):
            continue  # the posts pass reports it
        for where, user in page.users.values():
            try:
                rec = user_record(user, where)
            except RecordError as e:
                yield line, raw, ParseError(e.reason, e.field)
                continue
            if rec["id"] not in seen:
                seen.add(rec["id"])
                yield line, raw, rec


def _posts(path: Path) -> Iterator[Item]:
    seen: set[str] = set()
    base = path.parent
    for line, raw, page in _pages(path):
        if isinstance(page, ParseError):
            yield line, raw, page
            continue
        for where, tweet in page.tweets:
            try:
                rec = tweet_record(page, tweet, where, base)
            except RecordError as e:
                yield line, raw, ParseError(e.reason, e.field)
                continue
            if rec["id"] not in seen:
                seen.add(rec["id"])
                yield line, raw, rec


def sources(path: Path) -> list[Source]:
    files = _files(path)
    out = [Source("accounts", f, partial(_accounts, f), f.parent, trusted=True) for f in files]
    out += [Source("posts", f, partial(_posts, f), f.parent, trusted=True) for f in files]
    return out
