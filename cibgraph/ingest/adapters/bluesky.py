"""`bluesky`: Bluesky's Jetstream events, one JSON object a line, as saved from the stream.

Events as Jetstream documents them (https://github.com/bluesky-social/jetstream):
`{"did", "time_us", "kind": "commit", "commit": {"rev", "operation",
"collection", "rkey", "record", "cid"}}`, `{"kind": "identity", "identity":
{"did", "handle", "seq", "time"}}` and `{"kind": "account", ...}`. Records
follow the app.bsky lexicons (https://docs.bsky.app/docs/advanced-guides/post-richtext,
https://github.com/bluesky-social/atproto/tree/main/lexicons/app/bsky).

- Every DID that commits → account `bluesky:<did>`; handle from its latest
  `identity` event (else the DID itself); `app.bsky.actor.profile` →
  displayName, description, createdAt, avatar (image by blob CID).
- `app.bsky.feed.post` create → post `bluesky:<at-uri>` (`at://<did>/app.bsky.feed.post/<rkey>`):
  record.createdAt (else `time_us`), text, langs[0], facets (`#tag` → hashtags,
  `#mention` → the mentioned handle, `#link` → links), outline `tags`,
  `reply.parent` → reply_to, `embed` images (`app.bsky.embed.images`, also
  inside `recordWithMedia`) → images by blob CID, `embed.external.uri` → link,
  a quoted record → `quote_of`.
- `app.bsky.feed.repost` → a post `bluesky:<repost at-uri>` reposting the subject.
- `app.bsky.feed.like` → interaction `like` on the subject post.
- `app.bsky.graph.follow` → follows.
A blob whose file is saved beside the JSONL as `blobs/<cid>` (any image
suffix) is hashed (sha256, pHash); otherwise the image is keyed
`bluesky-blob:<cid>`, so the same blob posted twice is one image.
Deletes, updates other than profiles, and other collections are skipped
(counted in none of the kinds; not rejects). Rejects name the line and the
JSON path (`commit.record.createdAt`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest.adapters import _json, _media
from cibgraph.ingest.records import RecordError, parse_timestamp
from cibgraph.ingest.sources import Item, ParseError, Source

PLATFORM = "bluesky"
SUFFIXES = (".jsonl", ".json", ".jsonl.gz", ".json.gz", ".jsonl.xz", ".ndjson")
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
LIKE = "app.bsky.feed.like"
FOLLOW = "app.bsky.graph.follow"
PROFILE = "app.bsky.actor.profile"
_FACET = "app.bsky.richtext.facet#"


def is_event(obj: Any) -> bool:
    return isinstance(obj, dict) and "did" in obj and "kind" in obj and "time_us" in obj


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))


def account_id(did: str) -> str:
    return f"{PLATFORM}:{did}"


def uri_id(uri: str) -> str:
    return f"{PLATFORM}:{uri}"


def _dict(obj: Any, name: str) -> dict[str, Any]:
    value = obj.get(name) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def _blob_cid(blob: Any) -> str | None:
    ref = _dict(blob, "ref")
    cid = ref.get("$link") or (blob.get("cid") if isinstance(blob, dict) else None)
    return str(cid) if cid else None


def _image(cid: str, base: Path) -> dict[str, Any]:
    found = _media.beside(base, "blobs", cid)
    return {"path": found} if found else {"_key": f"bluesky-blob:{cid}"}


def _when(event: dict[str, Any], record: dict[str, Any]) -> datetime:
    if record.get("createdAt") not in (None, ""):
        try:
            return parse_timestamp(record["createdAt"], "createdAt")
        except RecordError as e:
            raise RecordError("commit.record.createdAt", e.reason) from e
    us = event.get("time_us")
    if isinstance(us, int) and not isinstance(us, bool):
        return datetime.fromtimestamp(us / 1_000_000, UTC)
    raise RecordError("commit.record.createdAt", "no createdAt and no time_us")


class _State:
    """What the accounts pass learns that the posts pass needs: handles by DID."""

    def __init__(self) -> None:
        self.handles: dict[str, str] = {}


def _events(path: Path) -> Iterator[tuple[int, str, dict[str, Any] | ParseError]]:
    for line, raw, obj in _json.jsonl(path):
        if isinstance(obj, ParseError):
            yield line, raw, obj
        elif not isinstance(obj, dict):
            yield line, raw, ParseError("an event must be a JSON object")
        elif not isinstance(obj.get("did"), str) or not obj["did"].startswith("did:"):
            yield line, raw, ParseError("required field missing (a DID)", "did")
        else:
            yield line, raw, obj


def _commit(event: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]] | None:
    """(operation, collection, rkey, record) of a commit event."""
    if event.get("kind") != "commit":
        return None
    commit = _dict(event, "commit")
    return (
        str(commit.get("operation") or ""),
        str(commit.get("collection") or ""),
        str(commit.get("rkey") or ""),
        _dict(commit, "record"),
    )


def _accounts(path: Path, state: _State) -> Iterator[Item]:
    base = path.parent
    seen: dict[str, tuple[int, str, dict[str, Any]]] = {}
    for line, raw, event in _events(path):
        if isinstance(event, ParseError):
            continue  # reported by the posts pass
        did = event["did"]
        if event.get("kind") == "identity":
            handle = _dict(event, "identity").get("handle")
            if isinstance(handle, str) and handle:
                state.handles[did] = handle
        commit = _commit(event)
        if commit is None and did not in state.handles:
            continue
        entry = seen.setdefault(did, (line, raw, {}))
        if commit and commit[0] in ("create", "update") and commit[1] == PROFILE:
            entry[2].clear()
            entry[2].update(commit[3])
    for did, (line, raw, profile) in seen.items():
        obj: dict[str, Any] = {
            "id": account_id(did),
            "platform": PLATFORM,
            "handle": state.handles.get(did, did),
            "did": did,
        }
        if isinstance(profile.get("displayName"), str) and profile["displayName"]:
            obj["display_name"] = profile["displayName"]
        if isinstance(profile.get("description"), str) and profile["description"]:
            obj["bio"] = profile["description"]
        if profile.get("createdAt"):
            try:
                obj["created_at"] = parse_timestamp(profile["createdAt"], "createdAt")
            except RecordError as e:
                yield line, raw, ParseError(e.reason, "commit.record.createdAt")
                continue
        cid = _blob_cid(profile.get("avatar"))
        if cid:
            obj["profile_image"] = _image(cid, base)
        yield line, raw, obj


def _facets(record: dict[str, Any], state: _State) -> tuple[list[str], list[str], list[str]]:
    tags: list[str] = [t for t in record.get("tags") or [] if isinstance(t, str)]
    mentions: list[str] = []
    links: list[str] = []
    text = record.get("text")
    data = text.encode("utf-8") if isinstance(text, str) else b""
    for facet in record.get("facets") or []:
        if not isinstance(facet, dict):
            continue
        index = _dict(facet, "index")
        for feature in facet.get("features") or []:
            if not isinstance(feature, dict):
                continue
            kind = str(feature.get("$type", "")).removeprefix(_FACET)
            if kind == "tag" and isinstance(feature.get("tag"), str):
                tags.append(feature["tag"])
            elif kind == "link" and isinstance(feature.get("uri"), str):
                links.append(feature["uri"])
            elif kind == "mention" and isinstance(feature.get("did"), str):
                handle = state.handles.get(feature["did"])
                if handle is None:
                    # The text the facet covers is the "@handle" as written.
                    start, end = index.get("byteStart"), index.get("byteEnd")
                    if isinstance(start, int) and isinstance(end, int):
                        handle = data[start:end].decode("utf-8", errors="ignore").lstrip("@")
                mentions.append(handle or feature["did"])
    return tags, mentions, links


def post_record(
    event: dict[str, Any], rkey: str, record: dict[str, Any], state: _State, base: Path
) -> dict[str, Any]:
    did = event["did"]
    uri = f"at://{did}/{POST}/{rkey}"
    tags, mentions, links = _facets(record, state)
    embed = _dict(record, "embed")
    images: list[Any] = []
    quote = None
    for part in (embed, _dict(embed, "media")):
        images += [i for i in part.get("images") or [] if isinstance(i, dict)]
        external = _dict(part, "external")
        if isinstance(external.get("uri"), str):
            links.append(external["uri"])
    quoted = _dict(embed, "record")
    quoted = _dict(quoted, "record") if "record" in quoted else quoted
    if isinstance(quoted.get("uri"), str):
        quote = uri_id(quoted["uri"])
    media = []
    for i, img in enumerate(images):
        cid = _blob_cid(img.get("image"))
        if not cid:
            raise RecordError(f"commit.record.embed.images[{i}].image.ref", "blob without a CID")
        media.append(_image(cid, base))
    parent = _dict(_dict(record, "reply"), "parent")
    langs = record.get("langs")
    obj: dict[str, Any] = {
        "id": uri_id(uri),
        "account_id": account_id(did),
        "posted_at": _when(event, record),
        "text": record.get("text") if isinstance(record.get("text"), str) else None,
        "hashtags": tags,
        "mentions": mentions,
        "urls": links,
        "media": media or None,
        "reply_to": uri_id(parent["uri"]) if isinstance(parent.get("uri"), str) else None,
        "quote_of": quote,
        "language": langs[0] if isinstance(langs, list) and langs else None,
        "cid": _dict(event, "commit").get("cid"),
    }
    return {k: v for k, v in obj.items() if v is not None}


def _posts(path: Path, state: _State) -> Iterator[Item]:
    base = path.parent
    for line, raw, event in _events(path):
        if isinstance(event, ParseError):
            yield line, raw, event
            continue
        commit = _commit(event)
        if commit is None or commit[0] != "create":
            continue
        _, collection, rkey, record = commit
        try:
            if collection == POST:
                yield line, raw, post_record(event, rkey, record, state, base)
            elif collection == REPOST:
                subject = _dict(record, "subject").get("uri")
                if not isinstance(subject, str):
                    raise RecordError("commit.record.subject.uri", "required field missing")
                yield (
                    line,
                    raw,
                    {
                        "id": uri_id(f"at://{event['did']}/{REPOST}/{rkey}"),
                        "account_id": account_id(event["did"]),
                        "posted_at": _when(event, record),
                        "repost_of": uri_id(subject),
                        "hashtags": [],
                        "mentions": [],
                        "urls": [],
                    },
                )
        except RecordError as e:
            yield line, raw, ParseError(e.reason, e.field)


def _relations(path: Path, want: str) -> Iterator[Item]:
    for line, raw, event in _events(path):
        if isinstance(event, ParseError):
            continue  # reported by the posts pass
        commit = _commit(event)
        if commit is None or commit[0] != "create" or commit[1] != want:
            continue
        record = commit[3]
        try:
            at = _when(event, record)
            if want == LIKE:
                subject = _dict(record, "subject").get("uri")
                if not isinstance(subject, str):
                    raise RecordError("commit.record.subject.uri", "required field missing")
                yield (
                    line,
                    raw,
                    {
                        "account_id": account_id(event["did"]),
                        "post_id": uri_id(subject),
                        "kind": "like",
                        "at": at,
                    },
                )
            else:
                subject = record.get("subject")
                if not isinstance(subject, str) or not subject.startswith("did:"):
                    raise RecordError("commit.record.subject", "must be a DID")
                yield (
                    line,
                    raw,
                    {
                        "follower_id": account_id(event["did"]),
                        "followed_id": account_id(subject),
                        "since": at,
                    },
                )
        except RecordError as e:
            yield line, raw, ParseError(e.reason, e.field)


def sources(path: Path) -> list[Source]:
    files = _files(path)
    states = {f: _State() for f in files}
    out = [
        Source("accounts", f, partial(_accounts, f, states[f]), f.parent, trusted=True)
        for f in files
    ]
    out += [
        Source("posts", f, partial(_posts, f, states[f]), f.parent, trusted=True) for f in files
    ]
    out += [Source("interactions", f, partial(_relations, f, LIKE), trusted=True) for f in files]
    out += [Source("follows", f, partial(_relations, f, FOLLOW), trusted=True) for f in files]
    return out
