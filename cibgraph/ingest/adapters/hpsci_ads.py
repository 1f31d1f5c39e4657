"""`hpsci-ads`: the IRA Facebook ads released by the House Intelligence Committee (`ads.csv`).

Mapping (no sponsor column exists; the landing page is what the ad promoted):
- `Ad ID` → Ad `facebook:ad:hpsci:<Ad ID>` (`-2` for a repeated id: the
  release has two different ads numbered 1405).
- `Ad Landing Page` on facebook.com/<page> → sponsor = the page name (the
  slug without its numeric id, hyphens as spaces, e.g. `Black Matters`) and
  the buying account `facebook:page:<slug in lower case>`; facebook.com
  events → sponsor = the event URL; any other site → sponsor = its host
  (`musicfb.info`); `N/A` or empty → sponsor `unknown`.
- `Ad Spend` `88.45 RUB` → spend 88.45, currency RUB; `None` → missing.
- `Ad Creation Date`/`Ad End Date` `06/15/15 07:22:00 AM PDT` → UTC (PDT = −7 h,
  PST = −8 h); a date the PDF text garbled beyond repair is kept as text
  (`started_at_text`/`ended_at_text`).
- Spend with thousands separators (`1.025.52 RUB`) reads as 1025.52.
- `Ad Impressions`/`Ad Clicks` (`1,234`, `None`) → integers or missing.
- Hashtags from the ad text; targeting columns kept as text properties.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cibgraph.ingest import normalise
from cibgraph.ingest.adapters import _csv
from cibgraph.ingest.records import RecordError
from cibgraph.ingest.sources import Item, Source

PLATFORM = "facebook"
_ZONES = {"PDT": timezone(timedelta(hours=-7)), "PST": timezone(timedelta(hours=-8))}
# The PDFs' text layer has stray `\/` after the host on some pages.
_PAGE = re.compile(r"^https?://(?:www\.|m\.)?facebook\.com/(?:\\/)?([^/?#\\]+)", re.IGNORECASE)
# A page slug ends in the page's numeric id: `Black-Matters-1579673598947501`.
_PAGE_ID = re.compile(r"-\d{6,}$")
_NOT_PAGES = {"events", "groups", "pages", "pg", "hashtag", "watch"}
_SPEND = re.compile(r"^\s*([0-9][0-9.,;]*)\s*([A-Za-z]{3})?\s*$")
# The last separator before 1-2 trailing digits is the decimal point; the
# others group thousands (the release has `1.025.52 RUB` and `120;950.66 RUB`).
_DECIMAL = re.compile(r"^(.*?)[.,;](\d{1,2})$")
_TEXT_COLUMNS = {
    "Ad Targeting Location": "targeting_location",
    "Excluded Connections": "excluded_connections",
    "Age": "age",
    "Language": "targeting_language",
    "Placements": "placements",
    "People Who Match": "people_who_match",
    "Friends of Connections": "friends_of_connections",
}


def parse_date(value: str, column: str) -> datetime | None:
    text = (value or "").strip()
    if text in ("", "None", "N/A"):
        return None
    parts = text.rsplit(" ", 1)
    if len(parts) != 2 or parts[1].upper() not in _ZONES:
        raise RecordError(column, f"expected a date like '06/15/15 07:22:00 AM PDT', got {value!r}")
    # Repair the PDF text layer's slips: `01:29:39AM`, `06:34 10 AM`.
    stamp = re.sub(r"(\d)(AM|PM)$", r"\1 \2", parts[0].strip(), flags=re.IGNORECASE)
    stamp = re.sub(r" (\d{1,2}:\d{2}) (\d{2}) ", r" \1:\2 ", stamp)
    try:
        local = datetime.strptime(stamp, "%m/%d/%y %I:%M:%S %p")
    except ValueError as e:
        raise RecordError(column, f"bad date {value!r}: {e}") from e
    return local.replace(tzinfo=_ZONES[parts[1].upper()]).astimezone(UTC)


def parse_spend(value: str) -> tuple[float | None, str | None]:
    text = (value or "").strip()
    if text in ("", "None", "N/A"):
        return None, None
    m = _SPEND.match(text)
    if not m:
        raise RecordError("Ad Spend", f"expected an amount like '88.45 RUB', got {value!r}")
    number = m.group(1)
    d = _DECIMAL.match(number)
    whole, cents = (d.group(1), d.group(2)) if d else (number, "0")
    whole = re.sub(r"[.,;]", "", whole) or "0"
    return float(f"{whole}.{cents}"), (m.group(2) or "").upper() or None


def page_of(landing: str) -> str | None:
    """The Facebook page slug an ad landed on, or None."""
    m = _PAGE.match(landing.strip())
    if not m or m.group(1).lower() in _NOT_PAGES:
        return None
    return m.group(1)


def page_name(slug: str) -> str:
    return page_handle(slug).replace("-", " ").strip()


def page_handle(slug: str) -> str:
    return _PAGE_ID.sub("", slug)


def page_account(slug: str) -> str:
    return f"{PLATFORM}:page:{page_handle(slug).lower()}"


def sponsor_of(landing: str) -> str:
    text = (landing or "").strip()
    if not text or text.upper() in ("N/A", "NONE"):
        return "unknown"
    slug = page_of(text)
    if slug:
        return page_name(slug) or slug
    if _PAGE.match(text):
        return text  # an event or group: the URL itself names it
    host = normalise.domain_of(text)
    if host in ("instagram.com", "twitter.com"):
        first = urlsplit(text).path.strip("/").split("/")[0]
        return f"{host}/{first}" if first else host
    name = host or text
    return name if normalise.sponsor_name(name) else "unknown"


def _accounts(path: Path) -> Iterator[Item]:
    seen: set[str] = set()
    for line, row in _csv.rows(path):
        slug = page_of(row.get("Ad Landing Page") or "")
        if not slug or page_account(slug) in seen:
            continue
        seen.add(page_account(slug))
        handle = page_handle(slug)
        yield (
            line,
            _csv.raw(row),
            {
                "id": page_account(slug),
                "platform": PLATFORM,
                "handle": handle,
                "display_name": page_name(slug),
                "kind": "page",
            },
        )


def _date(row: _csv.Row, column: str, prop: str) -> dict[str, Any]:
    """The parsed time, or (for a garbled date such as `02/21117 ...`) its text as
    `<prop>_text`, so one unreadable cell does not cost the whole ad."""
    try:
        return {prop: parse_date(row.get(column, ""), column)}
    except RecordError:
        return {f"{prop}_text": row[column].strip()}


def _ads(path: Path) -> Iterator[Item]:
    repeats: dict[str, int] = {}

    def convert(row: _csv.Row) -> dict[str, Any]:
        ad_id = (row.get("Ad ID") or "").strip()
        if not ad_id:
            raise RecordError("Ad ID", "required field missing")
        n = repeats.get(ad_id, 0) + 1
        repeats[ad_id] = n
        landing = (row.get("Ad Landing Page") or "").strip()
        spend, currency = parse_spend(row.get("Ad Spend", ""))
        obj: dict[str, Any] = {
            "id": f"{PLATFORM}:ad:hpsci:{ad_id}" + ("" if n == 1 else f"-{n}"),
            "platform": PLATFORM,
            "sponsor": sponsor_of(landing),
            "spend": spend,
            "currency": currency,
            "impressions": _csv.count(row, "Ad Impressions"),
            "clicks": _csv.count(row, "Ad Clicks"),
            **_date(row, "Ad Creation Date", "started_at"),
            **_date(row, "Ad End Date", "ended_at"),
            "text": row.get("Ad Text") or None,
            "landing_page": landing if landing and landing.upper() != "N/A" else None,
            "hpsci_ad_id": ad_id,
        }
        slug = page_of(landing)
        if slug:
            obj["account_id"] = page_account(slug)
        for column, prop in _TEXT_COLUMNS.items():
            value = (row.get(column) or "").strip()
            if value and value != "N/A":
                obj[prop] = value
        return obj

    yield from _csv.converted(path, convert)


def sources(path: Path) -> list[Source]:
    files = _csv.find_files(path, lambda h: "Ad ID" in h and "Ad Landing Page" in h)
    out = [Source("accounts", f, partial(_accounts, f), trusted=True) for f in files]
    out += [Source("ads", f, partial(_ads, f), trusted=True) for f in files]
    return out
