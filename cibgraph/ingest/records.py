"""Validation of canonical records (docs: ../shared/spec/dataset-format.md).

Pure functions: a record (a dict decoded from one JSON line, or built by an
adapter) goes in, a row for the writer comes out, or a `RecordError` naming
the field and the reason. No database access here.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cibgraph.ingest import normalise
from cibgraph.ingest.images import ImageError, parse_image

# Dependency order: a folder is always loaded in this order, whatever its file order.
KINDS: tuple[str, ...] = (
    "sponsors",
    "accounts",
    "reference_images",
    "posts",
    "ads",
    "interactions",
    "follows",
)

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})?)?$"
)

# Properties the model itself defines per label: an unknown input field with
# one of these names would overwrite a derived value, so it is not kept.
MODEL_PROPS: dict[str, frozenset[str]] = {
    "accounts": frozenset(
        "id platform handle handle_norm display_name created_at bio followers following "
        "post_count verified first_post_at last_post_at stub".split()
    ),
    "posts": frozenset(
        "id platform posted_at text text_key likes comments shares interactions is_repost "
        "language stub".split()
    ),
    "ads": frozenset(
        "id platform spend currency impressions clicks started_at ended_at text "
        "landing_page".split()
    ),
    "sponsors": frozenset("name name_norm registered registry registration_id".split()),
    "reference_images": frozenset("id source note".split()),
    "interactions": frozenset("key at text".split()),
    "follows": frozenset("since".split()),
}


class RecordError(ValueError):
    """One bad field of one record."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


class Record:
    """A validated record: `row` is what the writer sends as one UNWIND element."""

    __slots__ = ("kind", "key", "row", "account_ref", "warnings")

    def __init__(
        self,
        kind: str,
        key: str | None,
        row: dict[str, Any],
        account_ref: str | None = None,
        warnings: list[str] | None = None,
    ) -> None:
        self.kind = kind
        self.key = key  # must be unique within its file (None: no identifier)
        self.row = row
        self.account_ref = account_ref  # must exist in the dataset or graph
        self.warnings = warnings or []


# --- field readers -----------------------------------------------------------


def parse_timestamp(value: Any, field: str) -> datetime:
    """RFC 3339 → aware UTC datetime. No offset means UTC; a bare date is midnight UTC.

    Integers are rejected (seconds or milliseconds?); adapters that know pass datetimes.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool) or isinstance(value, int | float):
        raise RecordError(field, "integer timestamps are ambiguous (seconds or ms?); use RFC 3339")
    if not isinstance(value, str):
        raise RecordError(field, f"timestamp must be an RFC 3339 string, got {_tname(value)}")
    text = value.strip()
    if not _RFC3339.match(text):
        raise RecordError(field, f"not an RFC 3339 timestamp: {value!r}")
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime(d.year, d.month, d.day, tzinfo=UTC)
        # fromisoformat takes at most 6 fractional digits.
        text = re.sub(r"(\.\d{6})\d+", r"\1", text)
        dt = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as e:
        raise RecordError(field, f"invalid timestamp {value!r}: {e}") from e
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _tname(value: Any) -> str:
    return {
        type(None): "null",
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "list",
        dict: "object",
    }.get(type(value), type(value).__name__)


def _str(obj: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise RecordError(name, "required field missing")
        return None
    if not isinstance(value, str):
        raise RecordError(name, f"must be a string, got {_tname(value)}")
    if required and not value.strip():
        raise RecordError(name, "must be a non-empty string")
    return value


def _count(obj: dict[str, Any], name: str) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(name, f"must be an integer ≥ 0, got {_tname(value)}")
    if value < 0:
        raise RecordError(name, f"must be ≥ 0, got {value}")
    return value


def _number(obj: dict[str, Any], name: str) -> float | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RecordError(name, f"must be a number ≥ 0, got {_tname(value)}")
    if value < 0:
        raise RecordError(name, f"must be ≥ 0, got {value}")
    return float(value)


def _bool(obj: dict[str, Any], name: str) -> bool | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise RecordError(name, f"must be a boolean, got {_tname(value)}")
    return value


def _time(obj: dict[str, Any], name: str, *, required: bool = False) -> datetime | None:
    value = obj.get(name)
    if value is None:
        if required:
            raise RecordError(name, "required field missing")
        return None
    return parse_timestamp(value, name)


def _str_list(obj: dict[str, Any], name: str) -> list[str] | None:
    value = obj.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordError(name, f"must be a list of strings, got {_tname(value)}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise RecordError(f"{name}[{i}]", f"must be a string, got {_tname(item)}")
    return value


def _image(value: Any, field: str, base_dir: Path | None, trusted: bool) -> dict[str, Any]:
    try:
        return parse_image(value, base_dir, trusted=trusted)
    except ImageError as e:
        raise RecordError(f"{field}.{e.field}" if e.field else field, e.reason) from e


def _extras(
    obj: dict[str, Any], kind: str, known: frozenset[str], props: dict[str, Any]
) -> list[str]:
    """Keep unknown scalar fields as properties; warn about the rest."""
    warnings: list[str] = []
    for name, value in obj.items():
        if name in known or value is None:
            continue
        if name.startswith("_") or name in MODEL_PROPS[kind]:
            warnings.append(f"field {name!r} ignored: reserved by the graph model")
        elif isinstance(value, str | bool | int | float):
            props[name] = value
        else:
            warnings.append(f"field {name!r} ignored: {_tname(value)} is not a scalar")
    return warnings


def _links(urls: list[str]) -> list[dict[str, Any]]:
    out = []
    for url in normalise.unique(urls):
        domain = normalise.domain_of(url)
        out.append({"url": url, "domains": [domain] if domain else []})
    return out


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


# --- per kind -----------------------------------------------------------------

ACCOUNT_FIELDS = frozenset(
    "id platform handle display_name created_at bio followers following post_count verified "
    "profile_image".split()
)


def account(obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False) -> Record:
    rid = _str(obj, "id", required=True)
    handle = _str(obj, "handle", required=True)
    assert rid is not None and handle is not None
    props = {
        "platform": _str(obj, "platform", required=True),
        "handle": handle,
        "handle_norm": normalise.handle(handle),
        "display_name": _str(obj, "display_name"),
        "created_at": _time(obj, "created_at"),
        "bio": _str(obj, "bio"),
        "followers": _count(obj, "followers"),
        "following": _count(obj, "following"),
        "post_count": _count(obj, "post_count"),
        "verified": _bool(obj, "verified"),
    }
    images = []
    if obj.get("profile_image") is not None:
        images.append(_image(obj["profile_image"], "profile_image", base_dir, trusted))
    props = _clean(props)
    warnings = _extras(obj, "accounts", ACCOUNT_FIELDS, props)
    return Record("accounts", rid, {"id": rid, "props": props, "images": images}, None, warnings)


POST_FIELDS = frozenset(
    "id account_id posted_at text hashtags mentions urls media likes comments shares "
    "repost_of reply_to".split()
)
# Typed fields adapters may add (not in the canonical spec).
_POST_ADAPTER_FIELDS = frozenset({"language", "is_repost", "_url_domain"})


def post(obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False) -> Record:
    rid = _str(obj, "id", required=True)
    account_id = _str(obj, "account_id", required=True)
    posted_at = _time(obj, "posted_at", required=True)
    text = _str(obj, "text")
    hashtags = _str_list(obj, "hashtags")
    hashtags = (
        normalise.unique(normalise.hashtag(h) for h in hashtags)
        if hashtags is not None
        else normalise.extract_hashtags(text)
    )
    mentions = _str_list(obj, "mentions")
    mentions = (
        normalise.unique(normalise.handle(m) for m in mentions)
        if mentions is not None
        else normalise.extract_mentions(text)
    )
    urls_in = _str_list(obj, "urls")
    # Like hashtags and mentions, links are taken from the text when not listed.
    urls = _links(urls_in if urls_in is not None else normalise.extract_urls(text))
    media_in = obj.get("media")
    media = []
    if media_in is not None:
        if not isinstance(media_in, list):
            raise RecordError("media", f"must be a list of image objects, got {_tname(media_in)}")
        media = [_image(m, f"media[{i}]", base_dir, trusted) for i, m in enumerate(media_in)]
    likes, comments, shares = _count(obj, "likes"), _count(obj, "comments"), _count(obj, "shares")
    present = [c for c in (likes, comments, shares) if c is not None]
    repost_of, reply_to = _str(obj, "repost_of"), _str(obj, "reply_to")
    is_repost = bool(repost_of)
    language = None
    known = POST_FIELDS
    if trusted:
        known = POST_FIELDS | _POST_ADAPTER_FIELDS
        is_repost = is_repost or bool(obj.get("is_repost"))
        language = obj.get("language") or None
        if obj.get("_url_domain"):
            for link in urls:
                link["domains"] = [obj["_url_domain"]]
            if not urls:
                # A domain known without its URL: recorded as a URL of the domain itself.
                urls = [{"url": f"{obj['_url_domain']}/", "domains": [obj["_url_domain"]]}]
    props = _clean(
        {
            "posted_at": posted_at,
            "text": text,
            "text_key": normalise.text_key(text),
            "likes": likes,
            "comments": comments,
            "shares": shares,
            "interactions": sum(present) if present else None,
            "is_repost": is_repost,
            "language": language,
        }
    )
    warnings = _extras(obj, "posts", known, props)
    row = {
        "id": rid,
        "account_id": account_id,
        "props": props,
        "hashtags": hashtags,
        "mentions": mentions,
        "urls": urls,
        "media": media,
        "repost_of": [repost_of] if repost_of else [],
        "reply_to": [reply_to] if reply_to else [],
    }
    return Record("posts", rid, row, account_id, warnings)


AD_FIELDS = frozenset(
    "id platform account_id sponsor spend currency impressions clicks started_at ended_at text "
    "landing_page promoted_post_id".split()
)


def ad(obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False) -> Record:
    rid = _str(obj, "id", required=True)
    sponsor = _str(obj, "sponsor", required=True)
    assert sponsor is not None
    sponsor_norm = normalise.sponsor_name(sponsor)
    if not sponsor_norm:
        raise RecordError("sponsor", "sponsor name is empty after normalisation")
    currency = _str(obj, "currency")
    text = _str(obj, "text")
    landing = _str(obj, "landing_page")
    props = _clean(
        {
            "platform": _str(obj, "platform", required=True),
            "spend": _number(obj, "spend"),
            "currency": currency.upper() if currency else None,
            "impressions": _count(obj, "impressions"),
            "clicks": _count(obj, "clicks"),
            "started_at": _time(obj, "started_at"),
            "ended_at": _time(obj, "ended_at"),
            "text": text,
            "landing_page": landing,
        }
    )
    account_id = _str(obj, "account_id")
    promoted = _str(obj, "promoted_post_id")
    warnings = _extras(obj, "ads", AD_FIELDS, props)
    row = {
        "id": rid,
        "props": props,
        "sponsor": sponsor.strip(),
        "sponsor_norm": sponsor_norm,
        "account_ids": [account_id] if account_id else [],
        "promoted": [promoted] if promoted else [],
        "urls": _links([landing]) if landing and normalise.domain_of(landing) else [],
        "hashtags": normalise.extract_hashtags(text),
    }
    return Record("ads", rid, row, None, warnings)


SPONSOR_FIELDS = frozenset({"name", "registry", "registration_id"})


def sponsor(obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False) -> Record:
    name = _str(obj, "name", required=True)
    assert name is not None
    norm = normalise.sponsor_name(name)
    if not norm:
        raise RecordError("name", "name is empty after normalisation")
    props = _clean(
        {"registry": _str(obj, "registry"), "registration_id": _str(obj, "registration_id")}
    )
    warnings = _extras(obj, "sponsors", SPONSOR_FIELDS, props)
    row = {"name": name.strip(), "name_norm": norm, "props": props}
    return Record("sponsors", None, row, None, warnings)


REFERENCE_FIELDS = frozenset({"id", "image", "source", "note"})


def reference_image(
    obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False
) -> Record:
    rid = _str(obj, "id", required=True)
    if obj.get("image") is None:
        raise RecordError("image", "required field missing")
    image = _image(obj["image"], "image", base_dir, trusted)
    props = _clean({"source": _str(obj, "source", required=True), "note": _str(obj, "note")})
    warnings = _extras(obj, "reference_images", REFERENCE_FIELDS, props)
    return Record(
        "reference_images", rid, {"id": rid, "props": props, "image": image}, None, warnings
    )


INTERACTION_FIELDS = frozenset({"account_id", "post_id", "kind", "at", "text"})
_KINDS = ("like", "comment", "share")


def interaction(obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False) -> Record:
    account_id = _str(obj, "account_id", required=True)
    post_id = _str(obj, "post_id", required=True)
    kind = _str(obj, "kind", required=True)
    if kind not in _KINDS:
        raise RecordError("kind", f"must be one of {', '.join(_KINDS)}, got {kind!r}")
    at = _time(obj, "at")
    text = _str(obj, "text")
    key = hashlib.sha1(
        json.dumps(
            [account_id, post_id, kind, at.isoformat() if at else None, text], ensure_ascii=False
        ).encode("utf-8")
    ).hexdigest()
    props = _clean({"at": at, "text": text})
    warnings = _extras(obj, "interactions", INTERACTION_FIELDS, props)
    row = {"account_id": account_id, "post_id": post_id, "kind": kind, "key": key, "props": props}
    # Interactions have no identifier; the same one twice is the same relationship.
    return Record("interactions", None, row, None, warnings)


FOLLOW_FIELDS = frozenset({"follower_id", "followed_id", "since"})


def follow(obj: dict[str, Any], base_dir: Path | None = None, trusted: bool = False) -> Record:
    follower = _str(obj, "follower_id", required=True)
    followed = _str(obj, "followed_id", required=True)
    props = _clean({"since": _time(obj, "since")})
    warnings = _extras(obj, "follows", FOLLOW_FIELDS, props)
    row = {"follower_id": follower, "followed_id": followed, "props": props}
    return Record("follows", None, row, None, warnings)


VALIDATORS = {
    "accounts": account,
    "posts": post,
    "ads": ad,
    "sponsors": sponsor,
    "reference_images": reference_image,
    "interactions": interaction,
    "follows": follow,
}


def validate(kind: str, obj: Any, base_dir: Path | None = None, *, trusted: bool = False) -> Record:
    if not isinstance(obj, dict):
        raise RecordError("", f"a record must be a JSON object, got {_tname(obj)}")
    return VALIDATORS[kind](obj, base_dir, trusted)
