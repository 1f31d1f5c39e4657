"""The investigation report (one static HTML page) and the GraphML/JSON exports.

Pure functions of plain data; every text from the data is escaped by the
template engine's autoescaping. The page needs nothing from the network.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
import networkx as nx


def cell(value: Any) -> str:
    """A table cell's text: lists and maps as compact JSON, None as empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple) and value and all(isinstance(v, dict) for v in value):
        # e.g. evidence posts: one line per entry, values only, easier to scan than JSON.
        lines = [" · ".join(cell(v) for v in item.values()) for item in value[:20]]
        more = f"\n... {len(value) - 20} more" if len(value) > 20 else ""
        return "\n".join(lines) + more
    if isinstance(value, list | tuple | dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return text if len(text) <= 600 else text[:597] + "..."
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_HASHED = re.compile(r"^(?:(sha256|phash|img|text|url:sha256|url:phash):)?([0-9a-f]{16,})$")


def readable(value: Any) -> str:
    """A table cell an analyst can read: times as `2018-08-14 09:00:12 UTC`, hashes
    shortened, lists as comma-separated values (full values stay in the exports)."""
    from cibgraph.viz.pages import fmt_time, short_hash

    if isinstance(value, str):
        if _ISO.match(value):
            return fmt_time(value)
        m = _HASHED.match(value)
        if m:
            return (m.group(1) + ":" if m.group(1) else "") + short_hash(m.group(2))
        return value if len(value) <= 300 else value[:299] + "…"
    if hasattr(value, "iso_format"):
        return fmt_time(value)
    if isinstance(value, list | tuple) and not any(isinstance(v, dict) for v in value):
        shown = ", ".join(readable(v) for v in value[:20])
        return shown + (f" … ({len(value)} in all)" if len(value) > 20 else "")
    return cell(value)


def table(
    rows: list[dict[str, Any]], columns: list[str] | None = None, *, fmt: Any = None
) -> tuple[list[str], list]:
    cols = columns or (list(rows[0]) if rows else [])
    f = fmt or cell
    return cols, [{c: f(r.get(c)) for c in cols} for r in rows]


def evaluation_table(evaluation: Any) -> tuple[list[str], list[dict[str, str]]]:
    """Per-signal metrics (a dict of dicts) as rows; other shapes as key/value rows."""
    if not isinstance(evaluation, dict) or not evaluation:
        return [], []
    nested = {k: v for k, v in evaluation.items() if isinstance(v, dict)}
    flat = {k: v for k, v in evaluation.items() if not isinstance(v, dict)}
    rows: list[dict[str, Any]] = []
    metrics: list[str] = []
    for name, values in nested.items():
        for m in values:
            if m not in metrics:
                metrics.append(m)
        rows.append({"signal": name, **values})
    for name, value in flat.items():
        rows.append({"signal": name, "value": value})
    cols = ["signal", *metrics] + (["value"] if flat else [])

    def short(v: Any) -> str:
        # Lists (e.g. false positives) are counted here; evaluation.json has them in full.
        return str(len(v)) if isinstance(v, list | tuple) else cell(v)

    return cols, [{c: short(r.get(c)) for c in cols} for r in rows]


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    text = (resources.files("cibgraph.viz") / "templates" / "report.html").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.ChainableUndefined)
    return env.from_string(text)


def render_report(ctx: dict[str, Any]) -> str:
    """`ctx`: title, generated_at, source, summary [(k, v)], links [(name, href)],
    groups [{id, score, size, signals, explanation, members, view, evidence_columns,
    evidence_rows, evidence_total}], signals [{name, description, columns, rows, total,
    truncated, error}], evaluation (dict or None), evaluation_note, stages."""
    cols, rows = evaluation_table(ctx.get("evaluation"))
    return _template().render(**ctx, evaluation_columns=cols, evaluation_rows=rows)


def _attrs(values: dict[str, Any]) -> dict[str, Any]:
    # GraphML takes only scalars; lists become text, absent values are left out.
    out: dict[str, Any] = {}
    for k, v in values.items():
        if v is None:
            continue
        if isinstance(v, bool | int | float | str):
            out[k] = v
        else:
            out[k] = cell(v)
    return out


def coordination_graphml(accounts: list[dict[str, Any]], links: list[dict[str, Any]]) -> nx.Graph:
    """Accounts (with their group) and weighted coordination links, for Gephi."""
    g = nx.Graph()
    for a in accounts:
        g.add_node(a["id"], **_attrs({k: v for k, v in a.items() if k != "id"}))
    for e in links:
        if e["source"] in g and e["target"] in g:
            g.add_edge(
                e["source"],
                e["target"],
                **_attrs({k: v for k, v in e.items() if k not in {"source", "target"}}),
            )
    return g
