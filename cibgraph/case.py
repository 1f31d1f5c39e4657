"""`cibgraph export case GROUP_ID -o case.zip`: one group's case file, to send on.

The zip holds the group page as offline HTML, the members, the evidence items
(one row per post, with post ids and times) and the timeline data as CSV and
JSON, the group's GraphML (members, coordination links, shared items) and the
verdict history. CSV cells that a spreadsheet would run as a formula get a
leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import networkx as nx
import typer

from cibgraph.db import Graph
from cibgraph.demo import slug
from cibgraph.reads import post_times
from cibgraph.viz.pages import Links, group_page_data, render_page

export_app = typer.Typer(help="Export an investigation's findings.", no_args_is_help=True)
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


def iso(epoch: float | None) -> str:
    if epoch is None:
        return ""
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: _cell(r.get(c)) for c in columns})
    return buf.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def case_tables(graph: Graph, data: dict[str, Any]) -> dict[str, tuple[list[str], list[dict]]]:
    handle = {m["id"]: m["handle"] for m in data["members"]}
    members = [
        {
            "account_id": m["id"],
            "handle": m["handle"],
            "display_name": m["display_name"],
            "created_at": m["created"],
            "posts": m["posts"],
            "first_post_at": m["first"],
            "last_post_at": m["last"],
            "profile_photo": m["photo_findings"],
            "verdict": m["verdict"],
        }
        for m in data["members"]
    ]
    evidence = []
    shared_post: dict[str, list[str]] = {}  # a post may carry several items (text, link, image)
    for it in data["items"]:
        for p in it.posts:
            shared_post.setdefault(p["post_id"], []).append(it.key)
            evidence.append(
                {
                    "item": it.key,
                    "kind": it.kind,
                    "preview": it.preview,
                    "item_spread_seconds": it.spread,
                    "account_id": p["account_id"],
                    "handle": handle.get(p["account_id"]),
                    "post_id": p["post_id"],
                    "posted_at": iso(p["at"]),
                    "lag_seconds": p["lag"],
                }
            )
    timeline = [
        {
            "account_id": r["id"],
            "handle": handle.get(r["id"]),
            "post_id": r["post"],
            "posted_at": iso(r["t"]),
            "shared_items": shared_post.get(r["post"], []),
        }
        for r in post_times(graph, list(handle))
    ]
    verdicts = [
        {k: v.get(k) for k in ("at", "verdict", "by", "note", "target_id", "members", "history")}
        for v in data["history"]
    ]
    return {
        "members": (list(members[0]) if members else ["account_id"], members),
        "evidence": (list(evidence[0]) if evidence else ["item"], evidence),
        "timeline": (list(timeline[0]) if timeline else ["account_id"], timeline),
        "verdicts": (["at", "verdict", "by", "note", "target_id", "members", "history"], verdicts),
    }


def group_graphml(data: dict[str, Any]) -> str:
    g = nx.Graph()
    for m in data["members"]:
        g.add_node(m["id"], kind="account", handle=m["handle"] or "", posts=m["posts"] or 0)
    for e in data["network"]["edges"]:
        g.add_edge(
            e["from"],
            e["to"],
            kind="coordinated_with",
            weight=e["weight"],
            shared_items=len(e["items"]),
            signals=", ".join(e["signals"]),
        )
    for it in data["items"]:
        g.add_node(it.key, kind=it.kind, preview=it.preview, spread_seconds=it.spread)
        for p in it.posts:
            g.add_edge(p["account_id"], it.key, kind="posted", post_id=p["post_id"])
    return "\n".join(nx.generate_graphml(g))


def write_case(graph: Graph, group_id: str, out: Path) -> list[str]:
    """Write the zip; return the names inside. Raises NotFound for an unknown group."""
    offline = Links(group=lambda _: None, account=lambda _: None)
    data = group_page_data(graph, group_id, links=offline)
    files: dict[str, str] = {"group.html": render_page(data)}
    for name, (cols, rows) in case_tables(graph, data).items():
        files[f"{name}.csv"] = csv_text(rows, cols)
        files[f"{name}.json"] = json.dumps(rows, indent=2, ensure_ascii=False, default=str)
    files["group.graphml"] = group_graphml(data)
    summary = {
        "group_id": group_id,
        "exported_at": iso(datetime.now(UTC).timestamp()),
        "score": data["score"],
        "size": data["size"],
        "signals": data["signals"],
        "tactics": data["tactics"],
        "explanation": data["explanation"],
        "verdict": data["verdict"],
        "changed_since_verdict": data["changed_since_verdict"],
        "files": sorted(files),
    }
    files["case.json"] = json.dumps(summary, indent=2, ensure_ascii=False, default=str)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in sorted(files.items()):
            # The id comes from the data: slugged, so no entry can climb out of the folder.
            zf.writestr(f"case-{slug(group_id)}/{name}", text)
    return sorted(files)


@export_app.command("case")
def export_case(
    group_id: str = typer.Argument(..., help="Group id (see `cibgraph query coordinated_groups`)."),
    out: Annotated[Path, typer.Option("--out", "-o", help="The zip to write.")] = Path("case.zip"),
) -> None:
    """One group's case file: page, members, evidence, timeline, GraphML, verdicts."""
    from cibgraph.errors import NotFound

    with Graph() as graph:
        try:
            names = write_case(graph, group_id, out)
        except NotFound as e:
            typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
            raise typer.Exit(2) from e
    typer.echo(f"Wrote {out} ({len(names)} files: {', '.join(names)})")
