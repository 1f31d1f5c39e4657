"""Charts for the group and account pages: matplotlib figures as inline SVG.

Static SVG needs no script, so it works under the pages' strict CSP and in any
viewer. Text goes into the SVG as `<text>` elements that matplotlib escapes;
`$` is escaped first so mathtext never parses data. Marks that tests and
readers need to find carry stable ids (`gid`): `lane-N` for each member's
lane and `shared-marks` for the posts of shared items.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402

plt.rcParams.update(
    {
        "svg.fonttype": "none",  # real text: selectable and small
        "svg.hashsalt": "cibgraph",  # the same chart gives the same file
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)

SHARED = "#e15759"
POSTS = "#9aa5b1"
LINKS = "#f28e2b"
LANE_CAP = 2000  # background posts drawn per lane; shared-item posts are always drawn


def safe_text(text: str, limit: int = 40) -> str:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("\\", "\\\\").replace("$", r"\$")


def _svg(fig: plt.Figure, title: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    if re.search(r"<\s*(script|foreignObject)|\son\w+\s*=", text, re.I):
        raise RuntimeError("chart SVG holds active content")  # cannot happen: guard anyway
    # An accessible name for the chart (escaped: it may name a handle).
    from markupsafe import escape

    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(title)}" ', 1)


_EPOCH_NUM = float(mdates.date2num(datetime(1970, 1, 1, tzinfo=UTC)))


def _num(epoch: float) -> float:
    """Epoch seconds as a matplotlib date number (days), without a datetime per point."""
    return _EPOCH_NUM + epoch / 86400.0


def timeline_svg(
    lanes: Sequence[str],
    posts: Sequence[tuple[int, float]],
    items: Sequence[Sequence[tuple[int, float]]],
) -> str:
    """One lane per member with its posts; each shared item's posts marked and joined.

    `lanes`: member labels, top to bottom; `posts`: (lane, epoch seconds) of every
    post; `items`: per shared item, its posts as (lane, epoch seconds).
    """
    n = max(len(lanes), 1)
    height = 0.45 * n + 1.2
    fig, ax = plt.subplots(figsize=(10, height))
    # Fixed margins (room for 28-character lane labels): a layout engine costs a second draw.
    fig.subplots_adjust(left=0.2, right=0.98, top=1 - 0.4 / height, bottom=0.55 / height)
    for i, _ in enumerate(lanes):
        ax.axhline(i, color="#e5e5e5", linewidth=6, zorder=0, gid=f"lane-{i}")
    by_lane: dict[int, list[float]] = {}
    for lane, t in posts:
        by_lane.setdefault(lane, []).append(t)
    for lane, ts in sorted(by_lane.items()):
        ts = sorted(ts)
        if len(ts) > LANE_CAP:
            step = len(ts) / LANE_CAP
            ts = [ts[int(k * step)] for k in range(LANE_CAP)]
        ax.scatter(
            [_num(t) for t in ts],
            [lane] * len(ts),
            s=6,
            color=POSTS,
            zorder=1,
            linewidths=0,
        )
    segments = []
    xs, ys = [], []
    for item in items:
        pts = sorted(((_num(t), lane) for lane, t in item), key=lambda p: p[1])
        xs += [p[0] for p in pts]
        ys += [p[1] for p in pts]
        if len(pts) > 1:
            segments.append(pts)
    if segments:
        ax.add_collection(
            LineCollection(segments, colors=LINKS, linewidths=0.8, alpha=0.7, zorder=2),
        ).set_gid("item-links")
    if xs:
        ax.scatter(xs, ys, s=22, color=SHARED, zorder=3, marker="D", gid="shared-marks")
    ax.set_yticks(range(len(lanes)), [safe_text(x, 28) for x in lanes])
    ax.set_ylim(len(lanes) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
    ax.set_title("Posts per member; diamonds joined by a line are posts of one shared item")
    return _svg(fig, "coordination timeline")


def _lag_text(seconds: float) -> str:
    return f"+{seconds:g} s" if seconds < 120 else f"+{seconds / 60:.3g} min"


def lag_histogram_svg(lags: Sequence[float]) -> str:
    """Seconds from an item's first post to each later post of it."""
    fig, ax = plt.subplots(figsize=(5, 2.6))
    fig.subplots_adjust(left=0.14, right=0.97, top=0.88, bottom=0.2)
    if lags:
        top = max(lags)
        bins = min(30, max(5, len(set(lags))))
        ax.hist(lags, bins=bins, range=(0, max(top, 1)), color=SHARED, gid="lag-bars")
        ax.xaxis.set_major_formatter(lambda x, _: _lag_text(x))
    else:
        ax.text(0.5, 0.5, "no co-posts", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("lag after the item's first post")
    ax.set_ylabel("posts")
    ax.set_title("Co-post lags")
    return _svg(fig, "histogram of co-post lags")


def _stairs(days: Sequence[date], counts: Sequence[int]) -> tuple[Any, list[int]]:
    """Daily counts over the whole span (missing days are 0) as step edges and values: one
    shape instead of a rectangle per day, which keeps the SVG small and quick to draw."""
    by_day = dict(zip(days, counts, strict=True))
    start, end = min(days).toordinal(), max(days).toordinal()
    values = [by_day.get(date.fromordinal(o), 0) for o in range(start, end + 1)]
    edges = mdates.date2num(min(days)) + np.arange(end - start + 2)
    return edges, values


def _steps(ax: Any, days: Sequence[date], counts: Sequence[int], **kw: Any) -> None:
    edges, values = _stairs(days, counts)
    # fill_between makes a collection, whose limits are cheap; a stairs patch is not.
    ax.fill_between(edges, [*values, values[-1]], step="post", linewidth=0, **kw)


def activity_svg(
    days: Sequence[date],
    posts: Sequence[int],
    interactions: Sequence[int],
    since: date | None,
    *,
    interactions_label: str = "interactions",
) -> str:
    """Posts and interactions per day, with a line at the chosen date."""
    fig, ax = plt.subplots(figsize=(10, 2.6))
    fig.subplots_adjust(left=0.07, right=0.91, top=0.88, bottom=0.14)
    if days:
        x = mdates.date2num(list(days)) + 0.5
        _steps(ax, days, posts, color=POSTS, label="posts", gid="posts-bars")
        ax2 = ax.twinx()
        # Points, not a line: days without posts would otherwise look like steady activity.
        ax2.plot(
            x,
            interactions,
            color="#4e79a7",
            marker="o",
            markersize=3,
            linestyle="none",
            label=interactions_label,
        )
        ax2.set_ylabel(safe_text(interactions_label))
        ax2.spines["top"].set_visible(False)
        # a date outside the data's span marks nothing (and far ones are off matplotlib's axis)
        if since is not None and min(days) <= since <= max(days):
            ax.axvline(mdates.date2num(since), color=SHARED, linestyle="--", linewidth=1)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
        handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
        ax.legend(handles=handles, loc="upper left", frameon=False)
    else:
        ax.text(0.5, 0.5, "no posts", ha="center", va="center", transform=ax.transAxes)
    ax.set_ylabel("posts")
    ax.set_title("Posts and interactions per day")
    return _svg(fig, "posts and interactions over time")


def sparkline_svg(days: Sequence[date], counts: Sequence[int]) -> str:
    """A small posts-per-day strip for the report's group list."""
    fig, ax = plt.subplots(figsize=(2.4, 0.5))
    if days:
        _steps(ax, days, counts, color=SHARED)
    ax.axis("off")
    fig.subplots_adjust(0, 0, 1, 1)
    return _svg(fig, "posts per day")
