"""`telegram`: Telegram Desktop's JSON export of one channel or chat (`result.json`).

The export ("Export chat history", format JSON) is one object: `name`,
`type` (`public_channel`, `private_channel`, `private_supergroup`, ...),
`id`, and `messages`, each with `id`, `type` (`message` or `service`),
`date` (local time, no zone), `date_unixtime`, `from`, `from_id`
(`channel123…`, `user123…`), `text` and `text_entities` (`plain`,
`hashtag`, `mention`, `link`, `text_link` with `href`, ...),
`forwarded_from`, `reply_to_message_id`, `photo` (a path beside the JSON),
`file`/`thumbnail`. The layout is Telegram Desktop's own
(https://github.com/telegramdesktop/tdesktop/blob/dev/Telegram/SourceFiles/export/output/export_output_json.cpp).

- A channel → account `telegram:channel<id>` (handle and display name = its
  name); every sender → `telegram:<from_id>` (handle = the name shown: the
  export holds no @usernames).
- A message → post `telegram:<chat id>:<message id>`: time from
  `date_unixtime` (UTC), else `date` read as UTC (the export writes local
  time without a zone); text from `text_entities` (or `text`), hashtags,
  mentions and links (`link`, `text_link` hrefs) from the entities;
  `reply_to_message_id` → reply_to.
- `forwarded_from` → a repost of the source's message, the stub
  `telegram:forwarded:<source>:<sha1 of the text>`: the same message
  forwarded into several exported chats is one post they all repost.
  `forwarded_from` is kept on the post.
- `photo` (and a video's `thumbnail`) → an image by its path: hashed
  (sha256, pHash) when the file is in the export, else keyed
  `telegram-file:<chat id>:<path>` (or `<chat id>:<message id>:photo` when an
  export made without media says "(File not included...)").
Service messages (joins, pins, title changes) are skipped. The messages
array is read one message at a time, so a truncated export keeps every
message before the cut; rejects name the line a message starts on and its
path (`messages[12].date`). A full-account export (`chats.list`) is not read:
export the channel on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest import normalise
from cibgraph.ingest.adapters import _json, _media
from cibgraph.ingest.records import RecordError, parse_timestamp
from cibgraph.ingest.sources import Item, ParseError, Source

PLATFORM = "telegram"
CHAT_TYPES = (
    "public_channel",
    "private_channel",
    "public_supergroup",
    "private_supergroup",
    "private_group",
    "personal_chat",
    "bot_chat",
    "saved_messages",
)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("result*.json") if p.is_file())


def sender_id(from_id: Any) -> str | None:
    if isinstance(from_id, bool) or from_id in (None, ""):
        return None
    if isinstance(from_id, int):  # exports before 2021 wrote a bare number
        return f"{PLATFORM}:user{from_id}"
    return f"{PLATFORM}:{from_id}"


def text_of(message: dict[str, Any]) -> str:
    parts = message.get("text_entities")
    if not isinstance(parts, list):
        parts = message.get("text")
    if isinstance(parts, str):
        return parts
    out = []
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, str):
            out.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            out.append(part["text"])
    return "".join(out)


def _entities(message: dict[str, Any]) -> list[dict[str, Any]]:
    ents = message.get("text_entities")
    if not isinstance(ents, list):
        ents = message.get("text")
    return [e for e in ents if isinstance(e, dict)] if isinstance(ents, list) else []


def posted_at(message: dict[str, Any], where: str) -> datetime:
    unix = message.get("date_unixtime")
    if unix not in (None, ""):
        try:
            return datetime.fromtimestamp(int(str(unix)), UTC)
        except (ValueError, OverflowError, OSError) as e:
            raise RecordError(f"{where}.date_unixtime", f"not unix seconds: {unix!r}") from e
    if message.get("date") in (None, ""):
        raise RecordError(f"{where}.date", "required field missing")
    try:
        return parse_timestamp(message["date"], "date")
    except RecordError as e:
        raise RecordError(f"{where}.date", e.reason) from e


class _Export:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.doc = _json.Document(path)
        self.start = self.doc.find_array("messages")
        self.head = self.doc.head(self.start) if self.start is not None else {}
        self.chat_id = str(self.head.get("id", ""))
        self.problem: ParseError | None = None
        if self.start is None:
            self.problem = ParseError("not a Telegram export: no 'messages' list", "messages")
        elif '"chats"' in self.doc.text[: self.start]:
            self.problem = ParseError(
                "a full-account export (chats.list): export the channel or chat on its own",
                "chats",
            )
        elif not self.chat_id:
            self.problem = ParseError("the export has no chat 'id' before its messages", "id")

    @property
    def is_channel(self) -> bool:
        return "channel" in str(self.head.get("type", ""))

    def channel_account(self) -> str:
        return f"{PLATFORM}:channel{self.chat_id}"

    def messages(self) -> Iterator[tuple[int, str, str, Any]]:
        """(line, raw, JSON path, message or ParseError)."""
        if self.problem:
            yield 1, self.doc.text[:200], "", self.problem
            return
        assert self.start is not None
        for line, raw, obj in self.doc.array(self.start, "messages"):
            if isinstance(obj, ParseError):
                yield line, raw, obj.field, obj
            else:
                yield line, raw, f"messages[{obj[0]}]", obj[1]

    def author(self, message: dict[str, Any], where: str) -> str:
        acc = sender_id(message.get("from_id"))
        if acc is None and self.is_channel:
            acc = self.channel_account()
        if acc is None:
            raise RecordError(f"{where}.from_id", "required field missing")
        return acc

    def image(self, rel: Any, mid: Any, field: str) -> dict[str, Any] | None:
        if not isinstance(rel, str) or not rel:
            return None
        if rel.startswith("("):  # "(File not included. ...)": exported without media
            return {"_key": f"telegram-file:{self.chat_id}:{mid}:{field}"}
        found = _media.relative_file(self.path.parent, rel)
        if found:
            return {"path": found}
        return {"_key": f"telegram-file:{self.chat_id}:{rel}"}

    def post(self, message: dict[str, Any], where: str) -> dict[str, Any] | None:
        if message.get("type", "message") != "message":
            return None  # service messages
        mid = message.get("id")
        if mid in (None, "") or isinstance(mid, bool):
            raise RecordError(f"{where}.id", "required field missing")
        text = text_of(message)
        tags, mentions, links = [], [], []
        for e in _entities(message):
            kind, value = e.get("type"), e.get("text")
            if kind == "hashtag" and isinstance(value, str):
                tags.append(value)
            elif kind == "mention" and isinstance(value, str):
                mentions.append(value)
            elif kind == "link" and isinstance(value, str):
                links.append(value if "://" in value else f"https://{value}")
            elif kind == "text_link" and isinstance(e.get("href"), str):
                links.append(e["href"])
        media = [
            img
            for img in (
                self.image(message.get("photo"), mid, "photo"),
                self.image(message.get("thumbnail"), mid, "thumbnail"),
            )
            if img
        ]
        obj: dict[str, Any] = {
            "id": f"{PLATFORM}:{self.chat_id}:{mid}",
            "account_id": self.author(message, where),
            "posted_at": posted_at(message, where),
            "text": text or None,
            "hashtags": tags,
            "mentions": mentions,
            "urls": links,
            "media": media or None,
            "chat": self.head.get("name") if isinstance(self.head.get("name"), str) else None,
            "media_type": message.get("media_type")
            if isinstance(message.get("media_type"), str)
            else None,
        }
        if message.get("reply_to_message_id") not in (None, ""):
            obj["reply_to"] = f"{PLATFORM}:{self.chat_id}:{message['reply_to_message_id']}"
        source = message.get("forwarded_from")
        if isinstance(source, str) and source:
            key = normalise.sponsor_name(source) or source
            digest = hashlib.sha1((normalise.text_key(text) or text).encode()).hexdigest()[:16]
            obj["repost_of"] = f"{PLATFORM}:forwarded:{key}:{digest}"
            obj["forwarded_from"] = source
        return {k: v for k, v in obj.items() if v is not None}


def _accounts(path: Path) -> Iterator[Item]:
    export = _Export(path)
    if export.problem:
        return  # reported by the posts pass
    if export.is_channel:
        name = str(export.head.get("name") or export.chat_id)
        yield (
            1,
            export.doc.text[:200],
            {
                "id": export.channel_account(),
                "platform": PLATFORM,
                "handle": name,
                "display_name": name,
                "kind": str(export.head.get("type")),
                "chat_id": export.chat_id,
            },
        )
    seen = {export.channel_account()} if export.is_channel else set()
    for line, raw, _where, message in export.messages():
        if not isinstance(message, dict) or message.get("type", "message") != "message":
            continue
        acc = sender_id(message.get("from_id"))
        if acc is None or acc in seen:
            continue
        seen.add(acc)
        sender = message.get("from")
        shown = sender if isinstance(sender, str) else None
        obj: dict[str, Any] = {
            "id": acc,
            "platform": PLATFORM,
            "handle": shown or acc.split(":", 1)[1],
        }
        if shown:
            obj["display_name"] = shown
        yield line, raw, obj


def _posts(path: Path) -> Iterator[Item]:
    export = _Export(path)
    for line, raw, where, message in export.messages():
        if isinstance(message, ParseError):
            yield line, raw, message
            continue
        if not isinstance(message, dict):
            yield line, raw, ParseError("a message must be a JSON object", where)
            continue
        try:
            obj = export.post(message, where)
        except RecordError as e:
            yield line, raw, ParseError(e.reason, e.field)
            continue
        if obj is not None:
            yield line, raw, obj


def sources(path: Path) -> list[Source]:
    files = _files(path)
    out = [Source("accounts", f, partial(_accounts, f), f.parent, trusted=True) for f in files]
    out += [Source("posts", f, partial(_posts, f), f.parent, trusted=True) for f in files]
    return out
