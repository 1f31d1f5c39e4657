"""`crowdtangle`: CrowdTangle's CSV exports (historical data and saved-search downloads).

Two layouts, told apart by the header (the columns are those CrowdTangle's
downloads carry; see the codebook, https://help.crowdtangle.com/en/articles/3213537-crowdtangle-codebook):

- Facebook pages/groups: `Page Name, User Name, Facebook Id, Page Category,
  Page Admin Top Country, ..., Likes at Posting, Followers at Posting, Post
  Created, Post Created Date, Post Created Time, Type, Total Interactions,
  Likes, Comments, Shares, Love, Wow, Haha, Sad, Angry, Care, ..., URL,
  Message, Link, Final Link, Image Text, Link Text, Description, Sponsor Id,
  Sponsor Name, Sponsor Category, Overperforming Score (...)`.
  Account `facebook:page:<Facebook Id>` (handle = User Name, else the id;
  display name = Page Name), the same id the `meta-ad-library` adapter gives
  an ad's page; post `facebook:post:<Facebook Id>_<post id from URL>`;
  text = Message; Description is the link's description.
- Instagram: `Account, User Name, Followers at Posting, Post Created, Post
  Created Date, Post Created Time, Type, Total Interactions, Likes, Comments,
  Views, URL, Link, Photo, Title, Description, Image Text, Sponsor Id,
  Sponsor Name, Overperforming Score (...)`. Account
  `instagram:user:<User Name lower>`; post `instagram:p:<shortcode>` (the id
  the `instaloader` adapter gives the same post); text = Description; Photo → image by URL.

Both: `Post Created` (`2021-03-04 18:09:45 EST`, in the zone the dashboard
was set to) → UTC; the zone abbreviations in `_ZONES` are read, an offset
(`+01:00`) too, a time with no zone is UTC, any other zone is a reject.
The account's followers are those at its latest post; each post keeps
`followers_at_posting`, Type (`post_type`), Total Interactions, reactions,
views, Image Text, Link Text. Links: Link, Final Link and those in the text.
Branded content (`Sponsor Name`, `Sponsor Id`) → an ad-like record
`<post id>:branded` sponsored by the sponsor, bought by the posting account,
promoting the post.

A header that lacks a column this needs (CrowdTangle renamed and added
columns over the years) is one reject at line 1 naming the column; the old
name `Created` is read as `Post Created`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cibgraph.ingest import normalise
from cibgraph.ingest.adapters import _csv
from cibgraph.ingest.records import RecordError, parse_timestamp
from cibgraph.ingest.sources import Item, ParseError, Source

FACEBOOK_REQUIRED = ("Page Name", "Facebook Id", "Post Created", "URL")
INSTAGRAM_REQUIRED = ("Account", "User Name", "Post Created", "URL")
# Columns only CrowdTangle exports carry: a CSV with two of them is one.
MARKERS = frozenset(
    {
        "Facebook Id",
        "Likes at Posting",
        "Followers at Posting",
        "Post Created",
        "Post Created Date",
        "Total Interactions",
        "Image Text",
        "Sponsor Id",
        "Sponsor Name",
        "Page Admin Top Country",
    }
)
_ALIASES = {"Created": "Post Created"}
_ZONES = {
    "UTC": 0,
    "GMT": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
    "AKST": -9,
    "AKDT": -8,
    "HST": -10,
    "BST": 1,
    "WET": 0,
    "WEST": 1,
    "CET": 1,
    "CEST": 2,
    "EET": 2,
    "EEST": 3,
    "MSK": 3,
    "JST": 9,
    "KST": 9,
    "AEST": 10,
    "AEDT": 11,
}
_LOCAL = re.compile(r"^(\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?)\s*([A-Za-z]{2,5})?$")
_REACTIONS = {
    "Love": "love",
    "Wow": "wow",
    "Haha": "haha",
    "Sad": "sad",
    "Angry": "angry",
    "Care": "care",
    "Thankful": "thankful",
}
_TEXTS = {
    "Type": "post_type",
    "Image Text": "image_text",
    "Link Text": "link_text",
    "Page Category": "page_category",
    "Page Admin Top Country": "page_admin_top_country",
    "Title": "title",
}
_COUNTS = {
    "Total Interactions": "total_interactions",
    "Followers at Posting": "followers_at_posting",
    "Likes at Posting": "likes_at_posting",
    "Post Views": "post_views",
    "Total Views": "total_views",
    "Views": "views",
}


def is_crowdtangle(header: list[str]) -> bool:
    return len(MARKERS.intersection(header)) >= 2


def layout(header: list[str]) -> str | None:
    cols = set(header)
    if "Facebook Id" in cols or "Page Name" in cols:
        return "facebook"
    if "Account" in cols:
        return "instagram"
    return None


def missing(header: list[str]) -> list[str]:
    cols = {_ALIASES.get(c, c) for c in header}
    need = FACEBOOK_REQUIRED if layout(header) == "facebook" else INSTAGRAM_REQUIRED
    if layout(header) is None:
        return ["Facebook Id or Account"]
    return [c for c in need if c not in cols]


def parse_created(value: str, column: str = "Post Created") -> datetime:
    text = (value or "").strip()
    m = _LOCAL.match(text)
    if m:
        local = datetime.fromisoformat(m.group(1).replace(" ", "T"))
        zone = (m.group(2) or "UTC").upper()
        if zone not in _ZONES:
            raise RecordError(column, f"unknown time zone {zone!r} in {value!r}")
        return local.replace(tzinfo=timezone(timedelta(hours=_ZONES[zone]))).astimezone(UTC)
    try:
        return parse_timestamp(text, column)
    except RecordError as e:
        raise RecordError(
            column, f"expected a time like '2021-03-04 18:09:45 EST', got {value!r}"
        ) from e


def _get(row: _csv.Row, column: str) -> str:
    value = row.get(column)
    if value is None:
        for old, new in _ALIASES.items():
            if new == column:
                value = row.get(old)
    return (value or "").strip()


def post_key(url: str, platform: str) -> str | None:
    """The post's id within its platform, from its URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    segments = [s for s in parts.path.split("/") if s]
    if platform == "instagram":
        for kind in ("p", "reel", "tv"):
            if kind in segments and segments.index(kind) + 1 < len(segments):
                return segments[segments.index(kind) + 1]
        return None
    query = parse_qs(parts.query)
    for name in ("story_fbid", "fbid", "v"):
        if query.get(name) and query[name][0].isdigit():
            return query[name][0]
    digits = [s for s in segments if s.isdigit()]
    return digits[-1] if digits else None


class _Layout:
    def __init__(self, header: list[str]) -> None:
        self.platform = "facebook" if layout(header) == "facebook" else "instagram"

    def account_id(self, row: _csv.Row) -> str:
        if self.platform == "facebook":
            fid = _get(row, "Facebook Id")
            if not fid:
                raise RecordError("Facebook Id", "required field missing")
            return f"facebook:page:{fid}"
        handle = _get(row, "User Name")
        if not handle:
            raise RecordError("User Name", "required field missing")
        return f"instagram:user:{handle.lower()}"

    def account(self, row: _csv.Row) -> dict[str, Any]:
        rid = self.account_id(row)
        if self.platform == "facebook":
            handle = _get(row, "User Name") or _get(row, "Facebook Id")
            display = _get(row, "Page Name")
        else:
            handle, display = _get(row, "User Name"), _get(row, "Account")
        obj: dict[str, Any] = {"id": rid, "platform": self.platform, "handle": handle}
        if display:
            obj["display_name"] = display
        try:
            followers = _csv.count(row, "Followers at Posting")
            if followers is None and self.platform == "facebook":
                followers = _csv.count(row, "Likes at Posting")
            obj["followers"] = followers
        except RecordError:
            pass  # the post pass reports it; the account is still good
        for column, prop in (
            ("Page Category", "page_category"),
            ("Page Admin Top Country", "page_admin_top_country"),
            ("Page Description", "page_description"),
            ("Page Created", "page_created"),
        ):
            if _get(row, column):
                obj[prop] = _get(row, column)
        if self.platform == "facebook":
            obj["kind"] = "page"
            obj["facebook_id"] = _get(row, "Facebook Id")
        return {k: v for k, v in obj.items() if v is not None}

    def post_id(self, row: _csv.Row) -> str:
        url = _get(row, "URL")
        key = post_key(url, self.platform)
        if not key:
            raise RecordError("URL", f"no post id in the post URL {url!r}")
        if self.platform == "instagram":
            return f"instagram:p:{key}"
        return f"facebook:post:{_get(row, 'Facebook Id')}_{key}"

    def post(self, row: _csv.Row) -> dict[str, Any]:
        pid = self.post_id(row)
        text = _get(row, "Message") if self.platform == "facebook" else _get(row, "Description")
        links = normalise.extract_urls(text) + [
            _get(row, c) for c in ("Link", "Final Link") if _get(row, c).startswith("http")
        ]
        obj: dict[str, Any] = {
            "id": pid,
            "account_id": self.account_id(row),
            "posted_at": parse_created(_get(row, "Post Created")),
            "text": row.get("Message" if self.platform == "facebook" else "Description") or None,
            "urls": normalise.unique(links),
            "likes": _csv.count(row, "Likes"),
            "comments": _csv.count(row, "Comments"),
            "shares": _csv.count(row, "Shares"),
            "post_url": _get(row, "URL"),
        }
        if self.platform == "facebook" and _get(row, "Description"):
            obj["link_description"] = row["Description"]
        photo = _get(row, "Photo")
        if photo.startswith("http"):
            obj["media"] = [{"url": photo}]
        for column, prop in {**_REACTIONS, **_COUNTS}.items():
            value = _csv.count(row, column)
            if value is not None:
                obj[prop] = value
        for column, prop in _TEXTS.items():
            if column in ("Page Category", "Page Admin Top Country"):
                continue
            if _get(row, column):
                obj[prop] = row[column]
        return {k: v for k, v in obj.items() if v is not None}

    def branded(self, row: _csv.Row) -> dict[str, Any] | None:
        sponsor = _get(row, "Sponsor Name")
        if not sponsor:
            return None
        pid = self.post_id(row)
        obj: dict[str, Any] = {
            "id": f"{pid}:branded",
            "platform": self.platform,
            "sponsor": sponsor,
            "account_id": self.account_id(row),
            "promoted_post_id": pid,
            "started_at": parse_created(_get(row, "Post Created")),
            "text": row.get("Message" if self.platform == "facebook" else "Description") or None,
            "kind": "branded_content",
        }
        for column, prop in (
            ("Sponsor Id", "sponsor_id"),
            ("Sponsor Category", "sponsor_category"),
        ):
            if _get(row, column):
                obj[prop] = _get(row, column)
        return {k: v for k, v in obj.items() if v is not None}


def _rows(path: Path) -> Iterator[tuple[int, _csv.Row | ParseError, _Layout | None]]:
    header = _csv.header(path)
    gaps = missing(header)
    if gaps:
        yield (
            1,
            ParseError(
                f"column {gaps[0]!r} is not in the header: not a CrowdTangle layout this reads "
                f"(header: {', '.join(header[:12])}{'...' if len(header) > 12 else ''})",
                gaps[0],
            ),
            None,
        )
        return
    lay = _Layout(header)
    for line, row in _csv.checked_rows(path, header):
        yield line, row, lay


def _accounts(path: Path) -> Iterator[Item]:
    latest: dict[str, tuple[str, int, _csv.Row]] = {}
    lay: _Layout | None = None
    for line, row, lay_ in _rows(path):
        if isinstance(row, ParseError) or lay_ is None:
            continue  # the post pass reports it
        lay = lay_
        try:
            rid = lay.account_id(row)
        except RecordError:
            continue
        created = _get(row, "Post Created")
        if rid not in latest or created >= latest[rid][0]:
            first = latest[rid][1] if rid in latest else line
            latest[rid] = (created, first, row)
    if lay is None:
        return
    for _, line, row in latest.values():
        yield line, _csv.raw(row), lay.account(row)


def _converted(path: Path, what: str) -> Iterator[Item]:
    for line, row, lay in _rows(path):
        if isinstance(row, ParseError):
            if what == "posts":
                yield line, "", row
            continue
        assert lay is not None
        try:
            obj = lay.post(row) if what == "posts" else lay.branded(row)
        except RecordError as e:
            if what == "posts":
                yield line, _csv.raw(row), ParseError(e.reason, e.field)
            continue
        if obj is not None:
            yield line, _csv.raw(row), obj


def _files(path: Path) -> list[Path]:
    return _csv.find_files(path, is_crowdtangle)


def sources(path: Path) -> list[Source]:
    files = _files(path)
    out = [Source("accounts", f, partial(_accounts, f), trusted=True) for f in files]
    out += [Source("posts", f, partial(_converted, f, "posts"), trusted=True) for f in files]
    out += [Source("ads", f, partial(_converted, f, "ads"), trusted=True) for f in files]
    return out
