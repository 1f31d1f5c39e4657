"""Normal forms used as graph keys: hashtags, handles, sponsor names, texts, URLs.

Pure functions; every loader goes through these so that the same thing
written by two adapters lands on the same node.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit

_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,50})")
_URL = re.compile(r"https?://[^\s<>\"'\u201c\u201d]+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?)]}'\u2026"
_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")

# Texts shorter than this (after normalisation) say too little for "same text".
TEXT_KEY_MIN_CHARS = 16


def hashtag(tag: str) -> str:
    """NFKC, lower case, leading `#` removed (dataset-format.md)."""
    return unicodedata.normalize("NFKC", tag).strip().lstrip("#").lower()


def handle(name: str) -> str:
    """An @name for matching: NFKC, lower case, no leading `@`."""
    return unicodedata.normalize("NFKC", name).strip().lstrip("@").lower()


def sponsor_name(name: str) -> str:
    """NFKC, case-folded, punctuation removed, runs of whitespace collapsed."""
    text = unicodedata.normalize("NFKC", name).casefold()
    text = "".join(" " if unicodedata.category(ch).startswith(("P", "S")) else ch for ch in text)
    return _SPACES.sub(" ", text).strip()


def extract_hashtags(text: str | None) -> list[str]:
    if not text:
        return []
    return unique(h for h in (hashtag(m) for m in _HASHTAG.findall(text)) if h)


def extract_mentions(text: str | None) -> list[str]:
    if not text:
        return []
    return unique(handle(m) for m in _MENTION.findall(text))


def extract_urls(text: str | None) -> list[str]:
    if not text:
        return []
    return unique(u.rstrip(_URL_TRAILING) for u in _URL.findall(text))


def domain_of(url: str) -> str | None:
    """Host name in lower case without a leading `www.`; None when there is none."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.lower()
    return host[4:] if host.startswith("www.") else host


def text_key(text: str | None) -> str | None:
    """sha1 of the text with links removed, NFKC, case-folded, punctuation and
    spacing collapsed; None for texts too short to mean "the same message"."""
    if not text:
        return None
    norm = _URL.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    norm = _SPACES.sub(" ", _NON_WORD.sub(" ", norm)).strip()
    if len(norm) < TEXT_KEY_MIN_CHARS:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def unique(items: object) -> list[str]:
    """Distinct items in first-seen order (deterministic relationship sets)."""
    seen: dict[str, None] = {}
    for item in items:  # type: ignore[attr-defined]
        if item:
            seen.setdefault(item, None)
    return list(seen)
