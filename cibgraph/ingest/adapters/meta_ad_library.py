"""`meta-ad-library`: ads as the Meta Ad Library API (`/ads_archive`) returns them.

Input: response files (`{"data": [ad, ...], "paging": {...}}`, one response a
file, as saved page by page) or JSON Lines (one ad a line, or one response a
line); `.gz`/`.xz` too. Fields, as the ArchivedAd reference documents them
(https://developers.facebook.com/docs/graph-api/reference/archived-ad/):

- `id` (the Library ID; `ad_archive_id` as some tools name it) → Ad
  `facebook:ad:<id>`.
- `page_id`, `page_name` → the account `facebook:page:<page_id>` (BOUGHT the ad).
- sponsor = `bylines` (the "Paid for by" disclaimer), else `funding_entity`
  (older responses), else the page name (`sponsor_from: "page"`: an ad
  outside the political categories carries no disclaimer).
- `spend` / `impressions` `{lower_bound, upper_bound}` → `spend` and
  `impressions` are the lower bounds (what is known to have been reached),
  both bounds kept as `spend_lower`/`spend_upper`,
  `impressions_lower`/`impressions_upper` (an open range, `>1M`, has no upper).
- `currency`; `ad_delivery_start_time`/`ad_delivery_stop_time` → started/ended
  (a bare date is midnight UTC; `+0000` offsets as older responses write them
  are read); `ad_creation_time` kept.
- `ad_creative_bodies` (or `ad_creative_body`) → text (hashtags from it);
  the first link in the text, else the first of `ad_creative_link_captions`
  (a display domain, read as `https://<domain>/`), → landing page.
- `publisher_platforms` → `publisher_platforms` ("facebook,instagram");
  `ad_snapshot_url`, `languages` kept.
Rejects name the file, the line the ad starts on and its JSON path (`data[3].spend.lower_bound`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

from cibgraph.ingest import normalise
from cibgraph.ingest.adapters import _json
from cibgraph.ingest.records import RecordError, parse_timestamp
from cibgraph.ingest.sources import Item, ParseError, Source

PLATFORM = "facebook"
SUFFIXES = (".json", ".jsonl", ".json.gz", ".jsonl.gz", ".json.xz", ".jsonl.xz", ".ndjson")
_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")
# Fields only an Ad Library ad has (for recognising one).
MARKERS = ("ad_delivery_start_time", "ad_snapshot_url", "ad_creative_bodies", "bylines")


def is_ad(obj: Any) -> bool:
    return isinstance(obj, dict) and "page_id" in obj and any(k in obj for k in MARKERS)


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))


def _is_jsonl(path: Path) -> bool:
    return ".jsonl" in path.name.lower() or path.name.lower().endswith(".ndjson")


def ads(path: Path) -> Iterator[tuple[int, str, str, Any]]:
    """(line, raw, JSON path, ad or ParseError) for every ad in the file."""
    if _is_jsonl(path):
        for line, raw, obj in _json.jsonl(path):
            if isinstance(obj, ParseError):
                yield line, raw, "", obj
            elif isinstance(obj, dict) and isinstance(obj.get("data"), list):
                for i, ad in enumerate(obj["data"]):
                    yield line, raw, f"data[{i}]", ad
            else:
                yield line, raw, "", obj
        return
    doc = _json.Document(path)
    start = doc.find_array("data")
    if start is None:
        whole = doc.whole()
        if isinstance(whole, ParseError):
            yield 1, doc.text[: _json.RAW_CHARS], "", whole
        elif is_ad(whole):
            yield 1, doc.text[: _json.RAW_CHARS], "", whole
        else:
            yield (
                1,
                doc.text[:200],
                "data",
                ParseError("not an Ad Library response (no 'data' list)", "data"),
            )
        return
    for line, raw, obj in doc.array(start, "data"):
        if isinstance(obj, ParseError):
            yield line, raw, "data", obj
        else:
            yield line, raw, f"data[{obj[0]}]", obj[1]


def _where(jpath: str, field: str) -> str:
    return f"{jpath}.{field}" if jpath else field


def parse_time(value: Any, field: str) -> Any:
    if isinstance(value, str):
        value = _OFFSET.sub(r"\1:\2", value.strip())
    return parse_timestamp(value, field)


def _bound(obj: dict[str, Any], name: str, side: str, jpath: str) -> int | None:
    rng = obj.get(name)
    if rng is None:
        return None
    if not isinstance(rng, dict):
        raise RecordError(_where(jpath, name), "must be an object with lower_bound/upper_bound")
    value = rng.get(side)
    if value in (None, ""):
        return None
    try:
        n = int(str(value).replace(",", ""))
    except ValueError as e:
        raise RecordError(_where(jpath, f"{name}.{side}"), f"not a whole number: {value!r}") from e
    if n < 0:
        raise RecordError(_where(jpath, f"{name}.{side}"), f"must be ≥ 0, got {n}")
    return n


def _strings(obj: dict[str, Any], *names: str) -> list[str]:
    for name in names:
        value = obj.get(name)
        if isinstance(value, list):
            return [v for v in value if isinstance(v, str) and v.strip()]
        if isinstance(value, str) and value.strip():
            return [value]
    return []


def page_account(page_id: Any) -> str:
    return f"{PLATFORM}:page:{page_id}"


def _ad_id(ad: dict[str, Any], jpath: str) -> str:
    value = ad.get("id", ad.get("ad_archive_id"))
    if value in (None, "") or isinstance(value, bool | dict | list):
        raise RecordError(_where(jpath, "id"), "required field missing (the Library ID)")
    return str(value)


def account_record(ad: dict[str, Any], jpath: str) -> dict[str, Any] | None:
    if ad.get("page_id") in (None, ""):
        return None
    name = ad.get("page_name") if isinstance(ad.get("page_name"), str) else None
    obj: dict[str, Any] = {
        "id": page_account(ad["page_id"]),
        "platform": PLATFORM,
        "handle": name or str(ad["page_id"]),
        "kind": "page",
        "page_id": str(ad["page_id"]),
    }
    if name:
        obj["display_name"] = name
    return obj


def ad_record(ad: Any, jpath: str) -> dict[str, Any]:
    if not isinstance(ad, dict):
        raise RecordError(jpath, "an ad must be a JSON object")
    ad_id = _ad_id(ad, jpath)
    page_name = ad.get("page_name") if isinstance(ad.get("page_name"), str) else None
    sponsor, sponsor_from = None, None
    for field in ("bylines", "funding_entity"):
        value = ad.get(field)
        if isinstance(value, str) and normalise.sponsor_name(value):
            sponsor, sponsor_from = value, field
            break
    if sponsor is None:
        if not page_name:
            raise RecordError(_where(jpath, "bylines"), "no bylines, funding_entity or page_name")
        sponsor, sponsor_from = page_name, "page"
    bodies = _strings(ad, "ad_creative_bodies", "ad_creative_body")
    text = "\n\n".join(bodies) or None
    captions = _strings(ad, "ad_creative_link_captions", "ad_creative_link_caption")
    links = normalise.extract_urls(text)
    landing = links[0] if links else None
    if landing is None and captions:
        host = captions[0].strip().lower()
        landing = host if "://" in host else f"https://{host}/"
    times: dict[str, Any] = {}
    for field, prop in (
        ("ad_delivery_start_time", "started_at"),
        ("ad_delivery_stop_time", "ended_at"),
        ("ad_creation_time", "created_at"),
    ):
        if ad.get(field) not in (None, ""):
            try:
                times[prop] = parse_time(ad[field], field)
            except RecordError as e:
                raise RecordError(_where(jpath, field), e.reason) from e
    currency = ad.get("currency") if isinstance(ad.get("currency"), str) else None
    obj: dict[str, Any] = {
        "id": f"{PLATFORM}:ad:{ad_id}",
        "platform": PLATFORM,
        "sponsor": sponsor,
        "sponsor_from": sponsor_from,
        "spend": _bound(ad, "spend", "lower_bound", jpath),
        "spend_lower": _bound(ad, "spend", "lower_bound", jpath),
        "spend_upper": _bound(ad, "spend", "upper_bound", jpath),
        "impressions": _bound(ad, "impressions", "lower_bound", jpath),
        "impressions_lower": _bound(ad, "impressions", "lower_bound", jpath),
        "impressions_upper": _bound(ad, "impressions", "upper_bound", jpath),
        "currency": currency or None,
        "started_at": times.get("started_at"),
        "ended_at": times.get("ended_at"),
        "ad_created_at": times["created_at"].isoformat() if "created_at" in times else None,
        "text": text,
        "landing_page": landing,
        "library_id": ad_id,
        "link_captions": " | ".join(captions) or None,
        "publisher_platforms": ",".join(p.lower() for p in _strings(ad, "publisher_platforms"))
        or None,
        "languages": ",".join(_strings(ad, "languages")) or None,
        "ad_snapshot_url": ad.get("ad_snapshot_url")
        if isinstance(ad.get("ad_snapshot_url"), str)
        else None,
    }
    if ad.get("page_id") not in (None, ""):
        obj["account_id"] = page_account(ad["page_id"])
    return {k: v for k, v in obj.items() if v is not None}


def _accounts(path: Path) -> Iterator[Item]:
    seen: set[str] = set()
    for line, raw, jpath, ad in ads(path):
        if isinstance(ad, ParseError) or not isinstance(ad, dict):
            continue  # reported by the ads pass
        acc = account_record(ad, jpath)
        if acc and acc["id"] not in seen:
            seen.add(acc["id"])
            yield line, raw, acc


def _ads(path: Path) -> Iterator[Item]:
    for line, raw, jpath, ad in ads(path):
        if isinstance(ad, ParseError):
            yield line, raw, ad
            continue
        try:
            yield line, raw, ad_record(ad, jpath)
        except RecordError as e:
            yield line, raw, ParseError(e.reason, e.field)


def sources(path: Path) -> list[Source]:
    files = _files(path)
    out = [Source("accounts", f, partial(_accounts, f), trusted=True) for f in files]
    out += [Source("ads", f, partial(_ads, f), trusted=True) for f in files]
    return out
