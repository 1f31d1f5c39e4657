"""Self-contained network views: pure functions from rows to one offline HTML file.

The page comes from our own template (`templates/network.html`): vis-network's
JS and CSS (vendored in `static/`, see `static/VENDORED.md`) are inlined, the
data travels as JSON inside a `<script type="application/json">` block, and
the page turns every text into DOM text nodes. Nothing is fetched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from cibgraph.cypher.catalogue import ViewSpec, cypher_literal
from cibgraph.model import NODE_KEYS, label

DEFAULT_CAP = 500
VIS_VERSION = "9.1.2"
PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#d62728",
)
OTHER_COLOUR = "#c7c7c7"
# Item labels (hashes, captions, URLs) are cut so a large view stays legible;
# the whole text is in the tooltip.
ITEM_LABEL_CHARS = 24


def _short_label(text: str) -> str:
    return text if len(text) <= ITEM_LABEL_CHARS else text[: ITEM_LABEL_CHARS - 1] + "…"


# Shapes by label, so items (hashtags, URLs, images) stand apart from accounts.
SHAPES = {
    "Account": "dot",
    "Hashtag": "diamond",
    "Url": "square",
    "Domain": "square",
    "Image": "triangle",
    "Post": "dot",
    "Text": "star",
    "Ad": "box",
    "Sponsor": "box",
}


@dataclass
class ViewNode:
    """One node to draw. `group` picks the colour; `props` become the tooltip."""

    id: str
    label: str
    kind: str = "Account"
    group: str = ""
    value: float = 1.0
    props: dict[str, Any] = field(default_factory=dict)
    key: str | None = None  # the node's key value in Neo4j (defaults to id)


@dataclass
class ViewEdge:
    source: str
    target: str
    title: str = ""
    value: float = 1.0


@dataclass
class ViewData:
    title: str
    nodes: list[ViewNode]
    edges: list[ViewEdge]


@dataclass
class Network:
    """vis-network's node and edge lists. The first node of an id and the first
    edge between two nodes (either way round) win, as in an undirected graph."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    _node_ids: set[str] = field(default_factory=set, repr=False)
    _pairs: set[frozenset[str]] = field(default_factory=set, repr=False)

    def add_node(self, node_id: str, **options: Any) -> None:
        if node_id not in self._node_ids:
            self._node_ids.add(node_id)
            self.nodes.append({"id": node_id, **options})

    def add_edge(self, source: str, target: str, **options: Any) -> None:
        pair = frozenset((source, target))
        if pair not in self._pairs:
            self._pairs.add(pair)
            self.edges.append({"from": source, "to": target, **options})


def browser_link(browser_url: str, kind: str, key_value: str) -> str | None:
    """A Neo4j Browser URL that opens the editor with a query for one node.

    Browser's `?cmd=edit&arg=` takes only query text (no parameters), so the
    key goes in as a Cypher string literal with escaping, then URL-encoded.
    """
    if kind not in NODE_KEYS:
        return None
    key = NODE_KEYS[kind]
    cypher = f"MATCH (n:{label(kind)} {{{key}: {cypher_literal(str(key_value))}}}) RETURN n"
    base = browser_url if browser_url.endswith("/") else browser_url + "/"
    return f"{base}?cmd=edit&arg={quote(cypher, safe='')}"


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return "" if value is None else str(value)


def build_network(
    data: ViewData, *, browser_url: str, cap: int = DEFAULT_CAP
) -> tuple[Network, dict[str, Any]]:
    """Cap, colour and size the nodes; return the node/edge lists and page metadata."""
    total = len(data.nodes)
    nodes = data.nodes
    if total > cap:
        # Keep the most active nodes: they carry the story; the message says so.
        nodes = sorted(nodes, key=lambda n: (-n.value, n.id))[:cap]
    kept = {n.id for n in nodes}
    groups = sorted({n.group for n in nodes if n.group})
    colours = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(groups)}
    net = Network()
    for n in nodes:
        full_label = n.label or n.id
        tooltip = [("type", n.kind), ("id", n.key or n.id)]
        if n.kind != "Account" and len(full_label) > ITEM_LABEL_CHARS:
            tooltip.append(("label", full_label))
        tooltip += [(k, _text(v)) for k, v in n.props.items() if v is not None and v != ""]
        if n.group:
            tooltip.append(("group", n.group))
        net.add_node(
            n.id,
            label=_short_label(full_label) if n.kind != "Account" else full_label,
            shape=SHAPES.get(n.kind, "dot"),
            color=colours.get(n.group, OTHER_COLOUR),
            value=max(float(n.value), 1.0),
            tooltip=[[k, v] for k, v in tooltip],
            link=browser_link(browser_url, n.kind, n.key or n.id),
            handle=_text(n.props.get("handle")) if n.kind == "Account" else "",
        )
    for e in data.edges:
        if e.source in kept and e.target in kept and e.source != e.target:
            net.add_edge(e.source, e.target, value=max(float(e.value), 1.0), title=e.title)
    legend = [{"name": g, "color": colours[g]} for g in groups]
    if any(not n.group for n in nodes):
        legend.append({"name": "no group", "color": OTHER_COLOUR})
    cap_message = (
        f"Showing {len(nodes)} of {total} nodes (cap {cap}); the most active are kept."
        if total > cap
        else ""
    )
    return net, {
        "title": data.title,
        "legend": legend,
        "cap_message": cap_message,
        "total_nodes": total,
    }


def _json_for_script(value: Any) -> str:
    """JSON that cannot close its `<script>` element or start markup."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@lru_cache(maxsize=1)
def _vis_assets() -> tuple[str, str]:
    static = resources.files("cibgraph.viz") / "static"
    js = (static / "vis-network.min.js").read_text(encoding="utf-8")
    css = (static / "vis-network.min.css").read_text(encoding="utf-8")
    if f"@version {VIS_VERSION}" not in js[:500]:
        raise RuntimeError(f"cibgraph/viz/static holds no vis-network {VIS_VERSION}")
    if "</script" in js.lower() or "</style" in css.lower():
        raise RuntimeError("the vendored vis-network assets cannot be inlined safely")
    return js, css


@lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    text = (resources.files("cibgraph.viz") / "templates" / "network.html").read_text("utf-8")
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    return env.from_string(text)


def render_html(net: Network, meta: dict[str, Any]) -> str:
    js, css = _vis_assets()
    keep = ("id", "label", "shape", "color", "value", "tooltip", "link", "handle")
    payload = {
        "title": meta["title"],
        "legend": meta["legend"],
        "cap_message": meta["cap_message"],
        "nodes": [{k: n.get(k) for k in keep} for n in net.nodes],
        "edges": [
            {
                "from": e["from"],
                "to": e["to"],
                "value": e.get("value", 1),
                "title": e.get("title", ""),
            }
            for e in net.edges
        ],
    }
    return _template().render(
        title=meta["title"],
        vis_js=Markup(js),  # checked above: cannot end its <script> element
        vis_css=Markup(css),
        data_json=Markup(_json_for_script(payload)),
    )


def render_view(data: ViewData, *, browser_url: str, cap: int = DEFAULT_CAP) -> str:
    net, meta = build_network(data, browser_url=browser_url, cap=cap)
    return render_html(net, meta)


class NotAccountRows(ValueError):
    """A stored query's rows hold neither accounts nor account pairs."""


# Only for queries whose header declares no `// view:` (every shipped one does).
_PAIR_COLUMNS = (
    ("account_id", "other_account_id"),
    ("source_id", "target_id"),
    ("a", "b"),
    ("account_a", "account_b"),
    ("a_id", "b_id"),
)
_LIST_COLUMNS = ("account_ids", "members", "accounts")
_WEIGHT_COLUMNS = ("weight", "shared", "score", "count", "similarity")


def guess_view(row: dict[str, Any]) -> ViewSpec:
    """A view for rows of a query that declares none, from its column names.

    In this order: pairs (any of `_PAIR_COLUMNS`); an `account_id` with a list
    of related ids (a column ending in `_ids`); sets of accounts (`account_ids`,
    `members` or `accounts` lists); single accounts (`account_id` or `id`).
    """
    cols = set(row)
    weight = next((k for k in _WEIGHT_COLUMNS if k in cols), None)
    pair = next(((a, b) for a, b in _PAIR_COLUMNS if a in cols and b in cols), None)
    if pair:
        return ViewSpec("pairs", pair, weight)
    related = next(
        (
            c
            for c in sorted(cols)
            if c.endswith("_ids") and c not in _LIST_COLUMNS and isinstance(row.get(c), list)
        ),
        None,
    )
    if "account_id" in cols and related:
        return ViewSpec("related", ("account_id", related), weight)
    members = next((c for c in _LIST_COLUMNS if c in cols and isinstance(row.get(c), list)), None)
    if members:
        label = next(
            (
                k
                for k, v in row.items()
                if k != members and isinstance(v, str | int) and not isinstance(v, bool)
            ),
            None,
        )
        return ViewSpec("sets", (members,), None, label)
    id_col = "account_id" if "account_id" in cols else ("id" if "id" in cols else None)
    if id_col is None:
        raise NotAccountRows(
            "this query returns neither accounts (an account_id column, or account_ids / "
            "members lists) nor pairs (" + ", ".join("/".join(p) for p in _PAIR_COLUMNS) + ")"
        )
    return ViewSpec("accounts", (id_col,))


def rows_to_view(title: str, rows: list[dict[str, Any]], view: ViewSpec | None = None) -> ViewData:
    """Accounts or account pairs from a stored query's rows, drawn as `view` declares.

    `view` comes from the query's `// view:` header line (see `ViewSpec`); without
    one it is guessed from the columns. Other columns become node or edge details.
    """
    if not rows:
        return ViewData(title, [], [])
    spec = view or guess_view(rows[0])
    missing = [c for c in (*spec.columns, spec.weight, spec.label) if c and c not in rows[0]]
    if missing:
        raise NotAccountRows(f"the rows have no column {missing[0]!r} for the {spec.kind} view")
    nodes: dict[str, ViewNode] = {}
    edges: list[ViewEdge] = []

    def node(acc_id: Any, props: dict[str, Any] | None = None, group: str = "") -> ViewNode:
        key = str(acc_id)
        if key not in nodes:
            nodes[key] = ViewNode(key, key, "Account", group, props=dict(props or {}))
        else:
            nodes[key].value += 1
        return nodes[key]

    def weight(r: dict[str, Any]) -> float:
        v = r.get(spec.weight) if spec.weight else None
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 1.0

    if spec.kind == "pairs":
        a, b = spec.columns
        for r in rows:
            if r.get(a) is None or r.get(b) is None:
                continue
            node(r[a])
            node(r[b])
            rest = {k: v for k, v in r.items() if k not in spec.columns}
            edges.append(ViewEdge(str(r[a]), str(r[b]), _text(rest), weight(r)))
    elif spec.kind == "related":
        centre, related = spec.columns
        for r in rows:
            if r.get(centre) is None:
                continue
            rest = {k: v for k, v in r.items() if k not in spec.columns}
            node(r[centre], rest, group=centre)
            for other in r.get(related) or []:
                node(other, group=related)
                edges.append(ViewEdge(str(other), str(r[centre]), related, weight(r)))
    elif spec.kind == "sets":
        (members,) = spec.columns
        for i, r in enumerate(rows):
            ids = [str(x) for x in r.get(members) or [] if x is not None]
            if not ids:
                continue
            label = r.get(spec.label) if spec.label else None
            name = f"{spec.label} {label}" if label is not None else f"row {i + 1}"
            for x in ids:
                node(x, group=name)
            # A star per row: shows the set without drawing every pair.
            edges += [ViewEdge(ids[0], x, name) for x in ids[1:]]
    else:
        (id_col,) = spec.columns
        for r in rows:
            if r.get(id_col) is None:
                continue
            props = {k: v for k, v in r.items() if k != id_col}
            n = node(r[id_col], props)
            if isinstance(r.get("handle"), str):
                n.label = r["handle"]
            group = r.get("group_id")
            if group is not None:
                n.group = str(group)
    return ViewData(title, list(nodes.values()), edges)
