"""The analyst's pages: a group page and an account page, as one offline HTML file each.

A group's shared items come only from its stored evidence (`Group.evidence_json`
-> `items`, each with `item`, `accounts`, `spread_seconds`, `posts` and, when
detection wrote them, `kind` and `preview`); the graph is read only to describe
those items (a caption, an image file) and the members. Charts are inline SVG
(`charts.py`); the network is vis-network, inlined; every text from the data
is escaped by the template or set as DOM text by the page's script.
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from cibgraph import reads
from cibgraph.db import Graph, to_jsonable
from cibgraph.viz import charts
from cibgraph.viz.render import PALETTE, _json_for_script, _vis_assets

KIND_PREFIXES = {"img": "image", "text": "text", "url": "url", "comment": "comment"}
THUMB_PX = 96
MAX_THUMB_BYTES = 20_000_000  # never decode a huge file for a thumbnail
LABEL_CAP = 40  # accounts labelled on the graph; the rest on hover and in the side panel


# ---------------------------------------------------------------- formatting


def epoch_of(value: Any) -> float | None:
    """Epoch seconds from an int, a Neo4j/ISO datetime or a date."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "to_native"):
        value = value.to_native()
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    return None


def fmt_time(value: Any) -> str:
    """`2018-08-14 09:00:12 UTC`; empty when unknown."""
    t = epoch_of(value)
    if t is None:
        return "" if value is None else str(value)
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def fmt_day(value: Any) -> str:
    t = epoch_of(value)
    return "" if t is None else datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%d")


def fmt_lag(seconds: float | None) -> str:
    """`+14 s`, `+3 min 5 s`, `+2 h 10 min`, `+4 d 3 h`."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s < 60:
        return f"+{s} s"
    if s < 3600:
        return f"+{s // 60} min" + (f" {s % 60} s" if s % 60 else "")
    if s < 86400:
        return f"+{s // 3600} h" + (f" {s % 3600 // 60} min" if s % 3600 // 60 else "")
    return f"+{s // 86400} d" + (f" {s % 86400 // 3600} h" if s % 86400 // 3600 else "")


def short_hash(text: str, n: int = 12) -> str:
    return text if len(text) <= n + 3 else text[:n] + "…"


# ---------------------------------------------------------------- links


@dataclass(frozen=True)
class Links:
    """Where a page links to for a group or an account: the API's views or report files."""

    group: Callable[[str], str | None]
    account: Callable[[str], str | None]


def api_links(prefix: str = "/views") -> Links:
    return Links(
        group=lambda gid: f"{prefix}/groups/{quote(gid, safe='')}",
        account=lambda aid: f"{prefix}/accounts/{quote(aid, safe='')}",
    )


# ---------------------------------------------------------------- evidence


@dataclass
class Item:
    key: str
    kind: str
    preview: str
    thumbnail: str | None  # a data: URI
    url: str | None
    spread: float
    posts: list[dict[str, Any]]  # {account_id, post_id, at (epoch), lag}
    short: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def parse_items(evidence: Any, members: set[str]) -> list[dict[str, Any]]:
    """The evidence's items, each reduced to posts by members with a known time."""
    raw = evidence.get("items") if isinstance(evidence, dict) else None
    out = []
    for it in raw if isinstance(raw, list) else []:
        if not isinstance(it, dict) or not isinstance(it.get("posts"), list):
            continue
        posts = []
        for p in it["posts"]:
            if not isinstance(p, dict) or str(p.get("account_id")) not in members:
                continue
            t = epoch_of(p.get("at"))
            if t is not None:
                posts.append(
                    {"account_id": str(p["account_id"]), "post_id": str(p.get("post_id")), "at": t}
                )
        if posts:
            out.append({**it, "item": str(it.get("item", "")), "posts": posts})
    return out


def item_kind(item: dict[str, Any]) -> str:
    if isinstance(item.get("kind"), str) and item["kind"]:
        return item["kind"]
    prefix = item["item"].split(":", 1)[0]
    return KIND_PREFIXES.get(prefix, "item")


def _image_roots(graph: Graph) -> list[Path]:
    """Where relative image paths are found: the folders that were ingested."""
    roots = []
    for path in reads.ingested_paths(graph):
        p = Path(path)
        roots.append(p if p.is_dir() else p.parent)
    return roots


def thumbnail(path_text: str, roots: list[Path]) -> str | None:
    """A small PNG data URI of a local image file, or None."""
    from PIL import Image

    path = Path(path_text)
    candidates = [path] if path.is_absolute() else [root / path for root in roots]
    for c in candidates:
        try:
            if not c.is_file() or c.stat().st_size > MAX_THUMB_BYTES:
                continue
            with Image.open(c) as img:
                img.thumbnail((THUMB_PX, THUMB_PX))
                buf = io.BytesIO()
                img.convert("RGB").save(buf, format="PNG")
            return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
        except (OSError, ValueError):
            continue
    return None


def describe_items(graph: Graph, items: list[dict[str, Any]]) -> list[Item]:
    """Previews for the evidence items: the stored `preview`, else from the graph."""
    post_ids = sorted({p["post_id"] for it in items for p in it["posts"]})
    texts = reads.post_texts(
        graph, post_ids + [it["item"].split(":", 1)[1] for it in items if ":" in it["item"]]
    )
    image_keys = [
        it["item"].split(":", 1)[1]
        for it in items
        if item_kind(it) == "image" and ":" in it["item"]
    ]
    images = reads.images(graph, image_keys)
    roots = _image_roots(graph) if images else []
    out = []
    for it in items:
        kind = item_kind(it)
        key = it["item"]
        value = key.split(":", 1)[1] if ":" in key else key
        preview = it.get("preview") if isinstance(it.get("preview"), str) else ""
        thumb = url = None
        if kind == "image":
            img = images.get(value)
            if img:
                url = img["url"]
                if img["path"]:
                    thumb = thumbnail(img["path"], roots)
        elif kind == "url":
            url = value
            preview = preview or value
        elif kind == "text" and not preview:
            preview = next(
                (texts[p["post_id"]] for p in it["posts"] if texts.get(p["post_id"])), ""
            )
        elif kind == "comment" and not preview:
            preview = texts.get(value) or ""
            preview = f"comments on: {preview}" if preview else ""
        posts = sorted(it["posts"], key=lambda p: p["at"])
        first = posts[0]["at"]
        for p in posts:
            p["lag"] = p["at"] - first
        spread = it.get("spread_seconds")
        out.append(
            Item(
                key=key,
                kind=kind,
                preview=(preview or "")[:280],
                thumbnail=thumb,
                url=url if isinstance(url, str) else None,
                spread=float(spread) if isinstance(spread, int | float) else posts[-1]["lag"],
                posts=posts,
                short=short_hash(value),
            )
        )
    return out


# ---------------------------------------------------------------- activity


def daily(rows: list[dict[str, Any]]) -> tuple[list[date], list[int], list[int]]:
    """Rows {day: 'YYYY-MM-DD', posts, interactions} -> aligned daily series."""
    by_day = {
        date.fromisoformat(r["day"]): (int(r["posts"] or 0), int(r["interactions"] or 0))
        for r in rows
        if r.get("day")
    }
    days = sorted(by_day)
    return days, [by_day[d][0] for d in days], [by_day[d][1] for d in days]


def share_since(days: list[date], values: list[int], since: date | None) -> float | None:
    total = sum(values)
    if not total or since is None:
        return None
    return sum(v for d, v in zip(days, values, strict=True) if d >= since) / total


def activity(graph: Graph, ids: list[str]) -> dict[str, Any]:
    """Posts per day by these accounts, and interactions per day on their posts.

    Interactions are counted at the time they happened when the data says so
    (LIKED/COMMENTED/SHARED with `at`), otherwise as the posts' stored totals
    on the day of the post; `interactions_label` says which.
    """
    posts: Counter[str] = Counter()
    timed: Counter[str] = Counter()
    stored: Counter[str] = Counter()
    for r in reads.activity_rows(graph, ids):
        posts[r["day"]] += 1
        stored[r["day"]] += int(r["stored"] or 0)
        for d in r["rdays"]:
            timed[d] += 1
    use = timed if timed else stored
    label = "interactions (when made)" if timed else "interactions (on the post's day)"
    rows = [
        {"day": d, "posts": posts.get(d, 0), "interactions": use.get(d, 0)}
        for d in sorted(set(posts) | set(use))
    ]
    days, p, i = daily(rows)
    return {"days": days, "posts": p, "interactions": i, "label": label}


# ---------------------------------------------------------------- group page


def photo_findings(m: dict[str, Any]) -> str:
    if not m.get("photo"):
        return "no profile photo"
    parts = []
    if m.get("borrowed"):
        parts.append("taken from another profile (matches a reference image)")
    users = int(m.get("photo_users") or 0)
    if users > 1:
        parts.append(f"shared with {users - 1} other account{'s' if users > 2 else ''}")
    return "; ".join(parts) or "unique"


def group_page_data(
    graph: Graph, group_id: str, *, links: Links, since: date | None = None
) -> dict[str, Any]:
    detail = reads.group_detail(graph, group_id)  # raises NotFound
    ids = [m["id"] for m in detail["members"]]
    account_verdicts = reads.account_verdicts(graph, ids)
    members = []
    for r in reads.member_profiles(graph, ids):
        r = to_jsonable(r)
        members.append(
            {
                **r,
                "label": r["handle"] or r["id"],
                "created": fmt_day(r["created_at"]),
                "first_post": fmt_time(r["first"]),
                "last_post": fmt_time(r["last"]),
                "photo_findings": photo_findings(r),
                "verdict": account_verdicts.get(r["id"]),
                "href": links.account(r["id"]),
            }
        )
    members.sort(key=lambda m: (m["first"] or "", m["id"]))
    lane = {m["id"]: i for i, m in enumerate(members)}
    items = describe_items(graph, parse_items(detail.get("evidence"), set(ids)))
    posts = [(lane[r["id"]], float(r["t"])) for r in reads.post_times(graph, ids)]
    timeline = charts.timeline_svg(
        [m["label"] for m in members],
        posts,
        [[(lane[p["account_id"]], p["at"]) for p in it.posts] for it in items],
    )
    lags = [p["lag"] for it in items for p in it.posts[1:]]
    act = activity(graph, ids)
    if since is None and items:
        since = datetime.fromtimestamp(min(it.posts[0]["at"] for it in items), tz=UTC).date()
    rows = []
    for it in items:
        by_member: dict[str, dict[str, Any]] = {}
        for p in it.posts:
            by_member.setdefault(p["account_id"], p)
        rows.append(
            {
                "item": it,
                "cells": [
                    (
                        {
                            "time": fmt_time(by_member[m["id"]]["at"]),
                            "lag": fmt_lag(by_member[m["id"]]["lag"]),
                            "post_id": by_member[m["id"]]["post_id"],
                        }
                        if m["id"] in by_member
                        else None
                    )
                    for m in members
                ],
                "first": fmt_time(it.posts[0]["at"]),
                "spread": fmt_lag(it.spread),
            }
        )
    network = _group_network(graph, members, items)
    verdict = {k: detail[k] for k in ("verdict", "history", "changed_since_verdict")}
    return {
        "kind": "group",
        "id": group_id,
        "title": f"Group {group_id}",
        "score": detail.get("score"),
        "size": detail.get("size") or len(members),
        "signals": detail.get("signals") or [],
        "tactics": detail["tactics"],
        "explanation": detail.get("explanation") or "",
        "detected_at": fmt_time(detail.get("detected_at")),
        "facts": (detail.get("evidence") or {}).get("facts")
        if isinstance(detail.get("evidence"), dict)
        else None,
        "members": members,
        "items": items,
        "rows": rows,
        "marks": sum(len(it.posts) for it in items),
        "timeline_svg": Markup(timeline),
        "lags_svg": Markup(charts.lag_histogram_svg(lags)),
        "lags": lags,
        "activity": act,
        "activity_svg": Markup(
            charts.activity_svg(
                act["days"],
                act["posts"],
                act["interactions"],
                since,
                interactions_label=act["label"],
            )
        ),
        "since": since.isoformat() if since else "",
        "share_posts": share_since(act["days"], act["posts"], since),
        "share_interactions": share_since(act["days"], act["interactions"], since),
        "hashtags": reads.top_hashtags(graph, ids),
        "network": network,
        **verdict,
    }


def _item_brief(it: Item) -> dict[str, Any]:
    return {
        "key": it.key,
        "kind": it.kind,
        "label": it.preview or it.short,
        "spread": fmt_lag(it.spread),
        "posts": [
            {"account_id": p["account_id"], "time": fmt_time(p["at"]), "lag": fmt_lag(p["lag"])}
            for p in it.posts
        ],
    }


def _group_network(
    graph: Graph, members: list[dict[str, Any]], items: list[Item]
) -> dict[str, Any]:
    """Members and their coordination links; each link knows its shared items (by index)."""
    ids = [m["id"] for m in members]
    pair_items: dict[tuple[str, str], list[int]] = {}
    for n, it in enumerate(items):
        accs = sorted({p["account_id"] for p in it.posts})
        for i, a in enumerate(accs):
            for b in accs[i + 1 :]:
                pair_items.setdefault((a, b), []).append(n)
    edges = []
    seen = set()
    for r in reads.links_among(graph, ids):
        a, b = sorted((r["source"], r["target"]))
        seen.add((a, b))
        shared = pair_items.get((a, b), [])
        edges.append(
            {
                "from": a,
                "to": b,
                "weight": float(r["weight"] or 1),
                "items": shared,
                "signals": [str(s) for s in r["signals"] or []],
            }
        )
    # Members who co-posted items without a stored link still show that evidence.
    for (a, b), shared in sorted(pair_items.items()):
        if (a, b) not in seen:
            edges.append({"from": a, "to": b, "weight": 0.5, "items": shared, "signals": []})
    order = sorted(members, key=lambda m: -(m["posts"] or 0))
    labelled = {m["id"] for m in order[:LABEL_CAP]}
    nodes = [
        {
            "id": m["id"],
            "label": m["label"] if m["id"] in labelled else "",
            "handle": m["handle"] or "",
            "color": PALETTE[0],
            "value": 1 + (m["posts"] or 0),
            "href": m["href"],
            "details": [
                ["id", m["id"]],
                ["handle", m["handle"] or ""],
                ["display name", m["display_name"] or ""],
                ["bio", m["bio"] or ""],
                ["created", m["created"]],
                ["posts", str(m["posts"])],
                ["first post", m["first_post"]],
                ["last post", m["last_post"]],
                ["profile photo", m["photo_findings"]],
                ["verdict", m["verdict"] or ""],
            ],
        }
        for m in members
    ]
    return {
        "nodes": nodes,
        "edges": edges,
        "items": [_item_brief(it) for it in items],
        "label_cap": LABEL_CAP,
        "unlabelled": max(0, len(members) - LABEL_CAP),
    }


# ---------------------------------------------------------------- account page


def account_page_data(graph: Graph, account_id: str, *, links: Links) -> dict[str, Any]:
    from cibgraph.viz.data import account_view
    from cibgraph.viz.render import build_network

    detail = reads.account_detail(graph, account_id, posts=False)  # raises NotFound
    profile = detail["profile"]
    groups = []
    evidence_by_pair: dict[str, list[Item]] = {}
    for g in detail["groups"]:
        evidence = g["evidence"]
        raw = [
            it
            for it in parse_items(evidence, _all_accounts(evidence))
            if any(p["account_id"] == account_id for p in it["posts"])
        ]
        for it in describe_items(graph, raw):
            for other in {p["account_id"] for p in it.posts} - {account_id}:
                evidence_by_pair.setdefault(other, []).append(it)
        groups.append(
            {
                "id": g["id"],
                "score": g.get("score"),
                "size": g.get("size"),
                "signals": g["signals"],
                "href": links.group(g["id"]),
            }
        )
    neighbours = []
    for r in detail["coordinated_with"]:
        other = r["account_id"]
        its = evidence_by_pair.get(other, [])
        neighbours.append(
            {
                "id": other,
                "handle": r["handle"] or other,
                "weight": r["weight"],
                "shared": r["shared"],
                "signals": r["signals"],
                "href": links.account(other),
                "evidence": [
                    {
                        "item": it,
                        "mine": fmt_time(
                            next(p["at"] for p in it.posts if p["account_id"] == account_id)
                        ),
                        "theirs": fmt_time(
                            next(p["at"] for p in it.posts if p["account_id"] == other)
                        ),
                        "gap": fmt_lag(
                            abs(
                                next(p["at"] for p in it.posts if p["account_id"] == account_id)
                                - next(p["at"] for p in it.posts if p["account_id"] == other)
                            )
                        ),
                    }
                    for it in its[:20]
                ],
            }
        )
    post_times = [float(r["t"]) for r in reads.post_times(graph, [account_id])]
    act = activity(graph, [account_id])
    label = profile.get("handle") or account_id
    net, meta = build_network(account_view(graph, account_id), browser_url="")
    net_nodes = []
    for n in net.nodes:
        net_nodes.append(
            {
                "id": n["id"],
                "label": n.get("label") or "",
                "handle": n.get("handle") or "",
                "color": n.get("color"),
                "value": n.get("value", 1),
                "href": links.account(n["id"]),
                "details": n.get("tooltip") or [],
            }
        )
    net_edges = [
        {
            "from": e["from"],
            "to": e["to"],
            "weight": e.get("value", 1),
            "items": [],
            "title": e.get("title", ""),
        }
        for e in net.edges
    ]
    return {
        "kind": "account",
        "id": account_id,
        "title": f"Account {label}",
        "profile": [
            (k, fmt_time(v) if k.endswith("_at") else v)
            for k, v in sorted(profile.items())
            if v not in (None, "") and k not in {"handle_norm"}
        ],
        "groups": groups,
        "signals": detail["signals"],
        "tactics": detail["tactics"],
        "neighbours": neighbours,
        "timeline_svg": Markup(charts.timeline_svg([label], [(0, t) for t in post_times], [])),
        "activity_svg": Markup(
            charts.activity_svg(
                act["days"],
                act["posts"],
                act["interactions"],
                None,
                interactions_label=act["label"],
            )
        ),
        "activity": act,
        "network": {
            "nodes": net_nodes,
            "edges": net_edges,
            "items": [],
            "label_cap": LABEL_CAP,
            "unlabelled": 0,
            "legend": meta["legend"],
            "cap_message": meta["cap_message"],
        },
        **{k: detail[k] for k in ("verdict", "history", "changed_since_verdict")},
    }


def _all_accounts(evidence: Any) -> set[str]:
    items = evidence.get("items") if isinstance(evidence, dict) else None
    out: set[str] = set()
    for it in items if isinstance(items, list) else []:
        if isinstance(it, dict):
            out |= {str(p.get("account_id")) for p in it.get("posts") or [] if isinstance(p, dict)}
    return out


# ---------------------------------------------------------------- rendering


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (resources.files("cibgraph.viz") / "templates" / name).read_text("utf-8")
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["pct"] = lambda v: "" if v is None else f"{v:.0%}"
    env.filters["num"] = lambda v: (
        "" if v is None else (f"{v:.3g}" if isinstance(v, float) else str(v))
    )
    return env


def _page_json(data: dict[str, Any]) -> Markup:
    act = data["activity"]
    payload = {
        "title": data["title"],
        "centre": data["id"] if data["kind"] == "account" else None,
        "network": data["network"],
        "activity": {
            "days": [d.isoformat() for d in act["days"]],
            "posts": act["posts"],
            "interactions": act["interactions"],
        },
    }
    return Markup(_json_for_script(payload))


def render_page(
    data: dict[str, Any], *, generated: str | None = None, index_href: str | None = None
) -> str:
    js, css = _vis_assets()
    template = "group.html" if data["kind"] == "group" else "account.html"
    return (
        _env()
        .get_template(template)
        .render(
            **data,
            vis_js=Markup(js),  # checked by _vis_assets: cannot end its <script> element
            vis_css=Markup(css),
            page_json=_page_json(data),
            generated=generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            fmt_time=fmt_time,
            fmt_lag=fmt_lag,
            index_href=index_href,
        )
    )
