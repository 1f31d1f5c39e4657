"""`instaloader`: the JSON metadata instaloader saves next to downloaded media.

Each `.json` (pretty-printed) or `.json.xz` (LZMA) file holds one structure:
`{"node": {...}, "instaloader": {"version": ..., "node_type": "Post" | "Profile" | ...}}`.
A folder is searched recursively.

- Profile → account `instagram:<user id>`: `username` → handle,
  `full_name` → display_name, `biography` → bio, `edge_followed_by.count` →
  followers, `edge_follow.count` → following,
  `edge_owner_to_timeline_media.count` → post_count, `is_verified` →
  verified, `profile_pic_url` → profile image (by URL).
- Post → post `instagram:p:<shortcode>` by `instagram:<owner.id>` (the owner
  becomes an account even without a Profile file): `taken_at_timestamp`
  (unix seconds) → posted_at, `edge_media_to_caption.edges[0].node.text` →
  text (hashtags and mentions from it), `edge_media_preview_like.count` (or
  `edge_liked_by.count`) → likes, `edge_media_to_comment.count` → comments,
  `display_url` and each sidecar child's `display_url` → media images (by URL;
  add the downloaded files' paths to hash them), `__typename` → media_type,
  `location.name` → location.
Other node types (StoryItem, Hashtag, comment lists) are reported as not loadable.
"""

from __future__ import annotations

import json
import lzma
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import Item, ParseError, Source

PLATFORM = "instagram"
_RAW_CHARS = 2000


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(
        p for p in path.rglob("*") if p.is_file() and p.name.endswith((".json", ".json.xz"))
    )


def _load(path: Path) -> tuple[str, Any]:
    """(raw text for reports, decoded structure or ParseError)."""
    try:
        if path.name.endswith(".xz"):
            with lzma.open(path, "rt", encoding="utf-8") as fh:
                text = fh.read()
        else:
            text = path.read_text(encoding="utf-8")
    except (OSError, lzma.LZMAError, UnicodeDecodeError) as e:
        return "", ParseError(f"cannot read file: {e}")
    try:
        return text[:_RAW_CHARS], json.loads(text)
    except json.JSONDecodeError as e:
        return text[:_RAW_CHARS], ParseError(f"invalid JSON: {e.msg} at line {e.lineno}")


def _node(data: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(data, dict) or not isinstance(data.get("node"), dict):
        raise RecordError("node", "not an instaloader structure (no 'node' object)")
    meta = data.get("instaloader") or {}
    node_type = meta.get("node_type") if isinstance(meta, dict) else None
    if not node_type:
        raise RecordError("instaloader.node_type", "required field missing")
    return str(node_type), data["node"]


def _count(node: dict[str, Any], *edges: str) -> int | None:
    for edge in edges:
        value = node.get(edge)
        if isinstance(value, dict) and isinstance(value.get("count"), int):
            return int(value["count"])
    return None


def account_id(user_id: Any) -> str:
    return f"{PLATFORM}:{user_id}"


def profile_record(node: dict[str, Any]) -> dict[str, Any]:
    if node.get("id") in (None, "") or not node.get("username"):
        raise RecordError("node.id", "a profile needs id and username")
    obj: dict[str, Any] = {
        "id": account_id(node["id"]),
        "platform": PLATFORM,
        "handle": node["username"],
        "display_name": node.get("full_name") or None,
        "bio": node.get("biography") or None,
        "followers": _count(node, "edge_followed_by"),
        "following": _count(node, "edge_follow"),
        "post_count": _count(node, "edge_owner_to_timeline_media"),
        "verified": node.get("is_verified") if isinstance(node.get("is_verified"), bool) else None,
    }
    if node.get("profile_pic_url"):
        obj["profile_image"] = {"url": node["profile_pic_url"]}
    if node.get("external_url"):
        obj["external_url"] = node["external_url"]
    if isinstance(node.get("is_private"), bool):
        obj["is_private"] = node["is_private"]
    return obj


def owner_record(node: dict[str, Any]) -> dict[str, Any]:
    owner = node.get("owner")
    if not isinstance(owner, dict) or owner.get("id") in (None, ""):
        raise RecordError("node.owner.id", "required field missing")
    if not owner.get("username"):
        raise RecordError("node.owner.username", "required field missing")
    # The owner's full profile is sometimes embedded; take what is there.
    return {k: v for k, v in profile_record(owner).items() if v is not None}


def post_record(node: dict[str, Any]) -> dict[str, Any]:
    shortcode = node.get("shortcode")
    if not shortcode:
        raise RecordError("node.shortcode", "required field missing")
    ts = node.get("taken_at_timestamp")
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        raise RecordError("node.taken_at_timestamp", "required unix-seconds field missing")
    owner = node.get("owner") or {}
    if not isinstance(owner, dict) or owner.get("id") in (None, ""):
        raise RecordError("node.owner.id", "required field missing")
    edges = (node.get("edge_media_to_caption") or {}).get("edges") or []
    text = None
    if edges and isinstance(edges[0], dict):
        text = (edges[0].get("node") or {}).get("text")
    media = []
    if node.get("display_url"):
        media.append({"url": node["display_url"]})
    children = (node.get("edge_sidecar_to_children") or {}).get("edges") or []
    for child in children:
        url = (child.get("node") or {}).get("display_url") if isinstance(child, dict) else None
        if url and {"url": url} not in media:
            media.append({"url": url})
    obj: dict[str, Any] = {
        "id": f"{PLATFORM}:p:{shortcode}",
        "account_id": account_id(owner.get("id")),
        "posted_at": datetime.fromtimestamp(ts, UTC),
        "text": text,
        "likes": _count(node, "edge_media_preview_like", "edge_liked_by"),
        "comments": _count(node, "edge_media_to_comment", "edge_media_to_parent_comment"),
        "media": media or None,
        "media_type": node.get("__typename") or None,
    }
    location = node.get("location")
    if isinstance(location, dict) and location.get("name"):
        obj["location"] = location["name"]
    return {k: v for k, v in obj.items() if v is not None}


def _items(path: Path, want: str) -> Iterator[Item]:
    """One item per file: `want` is 'profiles', 'owners' or 'posts'."""
    raw, data = _load(path)
    if isinstance(data, ParseError):
        if want == "posts":  # report a broken file once
            yield 1, raw, data
        return
    try:
        node_type, node = _node(data)
    except RecordError as e:
        if want == "posts":
            yield 1, raw, ParseError(e.reason, e.field)
        return
    try:
        if want == "profiles" and node_type == "Profile":
            yield 1, raw, profile_record(node)
        elif want == "owners" and node_type == "Post":
            yield 1, raw, owner_record(node)
        elif want == "posts" and node_type == "Post":
            yield 1, raw, post_record(node)
        elif want == "posts" and node_type != "Profile":
            yield 1, raw, ParseError(f"node type {node_type!r} is not loaded", "node_type")
    except RecordError as e:
        if want != "owners":  # the post pass reports the same problem
            yield 1, raw, ParseError(e.reason, e.field)


def sources(path: Path) -> list[Source]:
    files = _files(path)
    out = [Source("accounts", f, partial(_items, f, "profiles"), trusted=True) for f in files]
    out += [Source("accounts", f, partial(_items, f, "owners"), trusted=True) for f in files]
    out += [Source("posts", f, partial(_items, f, "posts"), trusted=True) for f in files]
    return out
