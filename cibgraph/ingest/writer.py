"""Batched writes: one `UNWIND $rows … MERGE` statement per record kind.

Every statement MERGEs on the model's keys (a link it may also create after
looking for it, under a lock: see `_link`) and SETs properties from the row
only, so replaying a batch (a second load, or a rerun after a crash) leaves
the graph as it was. Derived values are order-free: first/last post times
are min/max, stub flags are set only when a node is created as a reference
and removed when the real record arrives.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from cibgraph.db import Graph
from cibgraph.model import INTERACTION_KINDS, label, rel_type

A, P, H, U, D, IMG = (label(x) for x in ("Account", "Post", "Hashtag", "Url", "Domain", "Image"))


def _times(var: str) -> str:
    # Timestamps travel as ISO 8601 strings in `row.times` and become DateTime
    # values on the server: packing Python datetimes in the driver costs far
    # more client CPU (tens of µs each) than the server's parse.
    return f"FOREACH (k IN keys(row.times) | SET {var}[k] = datetime(row.times[k])) "


def _each(var: str, field: str) -> str:
    # Empty lists are not sent (see wire_row): a missing field is an empty list.
    return f"FOREACH ({var} IN coalesce(row.{field}, []) | "


def _link(a: str, rel: str, b: str) -> str:
    """`MERGE (a)-[:rel]->(b)` for when this statement has already locked `a`.

    MERGE locks both end nodes when it creates a relationship, so concurrent
    writers queue behind each other on a hashtag or domain that every batch
    uses. Every statement that adds `rel` from `a` first SETs a property of
    `a` (locking it until commit), so looking before creating is as safe as
    MERGE here, and `b` gets only the store's own locks (shared ones for a
    node with many relationships).
    """
    r = rel_type(rel)
    return (
        f"FOREACH (_ IN CASE WHEN EXISTS {{ ({a})-[:{r}]->({b}) }} THEN [] ELSE [1] END | "
        f"CREATE ({a})-[:{r}]->({b})) "
    )


# URL `x` (from map `u`) on its domains; SET locks `x` (see _link).
_URL_DOMAINS = (
    f"FOREACH (d IN u.domains | MERGE (dn:{D} {{name: d}}) SET x.domain = d "
    + _link("x", "ON_DOMAIN", "dn")
    + ") "
)
_LINKS = (
    _each("u", "urls") + f"MERGE (x:{U} {{url: u.url}}) "
    f"MERGE (src)-[:{rel_type('LINKS_TO')}]->(x) " + _URL_DOMAINS + ") "
)
_TAGS = (
    _each("t", "hashtags") + f"MERGE (h:{H} {{name: t}}) MERGE (src)-[:{rel_type('TAGGED')}]->(h)) "
)

ACCOUNTS = (
    f"UNWIND $rows AS row MERGE (a:{A} {{id: row.id}}) SET a += row.props REMOVE a.stub "
    + _times("a")
    + _each("img", "images")
    + f"MERGE (i:{IMG} {{key: img.key}}) SET i += img.props "
    + _link("a", "HAS_PROFILE_IMAGE", "i")
    + ") "
    # Mentions of this handle loaded before the account existed point at a stub
    # `<platform>:@<handle>`; they move here, so the graph does not depend on
    # which dataset came first, and the emptied stub goes.
    "WITH a OPTIONAL MATCH (s:"
    + A
    + " {id: a.platform + ':@' + a.handle_norm}) WHERE s.stub = true AND s <> a "
    "CALL (a, s) { WITH * WHERE s IS NOT NULL "
    f"MATCH (p)-[m:{rel_type('MENTIONS')}]->(s) "
    f"MERGE (p)-[:{rel_type('MENTIONS')}]->(a) DELETE m }} "
    "CALL (s) { WITH * WHERE s IS NOT NULL AND NOT (s)--() DELETE s }"
)

POSTS = (
    # Nodes that many posts share (hashtags, URLs, images, authors) come once
    # per batch, in lists the rows index into: the server looks each up once
    # per batch rather than once per post that uses it.
    f"UNWIND $tags AS t MERGE (h:{H} {{name: t}}) WITH collect(h) AS tags "
    f"CALL () {{ UNWIND $urls AS u MERGE (x:{U} {{url: u.url}}) "
    + _URL_DOMAINS
    + "RETURN collect(x) AS urls } "
    f"CALL () {{ UNWIND $images AS img MERGE (i:{IMG} {{key: img.key}}) SET i += img.props "
    "RETURN collect(i) AS images } "
    # The loader has checked that every author exists (a real account), so
    # MATCH (cheaper than MERGE); the returned count proves no row was lost.
    # [a] keeps a missing author's place in the list (collect drops nulls).
    f"CALL () {{ UNWIND $authors AS id OPTIONAL MATCH (a:{A} {{id: id}}) "
    "RETURN collect([a]) AS authors } "
    "UNWIND $rows AS row WITH row, authors[row.a][0] AS a, tags, urls, images "
    "WHERE a IS NOT NULL "
    # The SETs lock the post (and its author) until commit: see _link.
    f"MERGE (src:{P} {{id: row.id}}) SET src += row.props, "
    "src.posted_at = datetime(row.posted_at) REMOVE src.stub "
    f"SET src.platform = coalesce(a.platform, src.platform) "
    "SET a.first_post_at = CASE WHEN a.first_post_at IS NULL "
    "OR src.posted_at < a.first_post_at THEN src.posted_at ELSE a.first_post_at END, "
    "a.last_post_at = CASE WHEN a.last_post_at IS NULL "
    "OR src.posted_at > a.last_post_at THEN src.posted_at ELSE a.last_post_at END "
    + _link("a", "POSTED", "src")
    + "FOREACH (h IN [i IN coalesce(row.t, []) | tags[i]] | "
    + _link("src", "TAGGED", "h")
    + ") FOREACH (x IN [i IN coalesce(row.u, []) | urls[i]] | "
    + _link("src", "LINKS_TO", "x")
    + ") FOREACH (m IN [i IN coalesce(row.m, []) | images[i]] | "
    + _link("src", "HAS_MEDIA", "m")
    + ") "
    "RETURN count(*) AS written"
)

# What a post points at beyond its own batch: the posts it reposts or replies
# to (a stub until loaded) and the accounts it mentions. Written after the
# posts, apart from them (see LaneWriter for why). A mention resolves to a
# real account of the author's platform by handle; an unknown handle becomes
# a stub account with a derived id.
POST_REFS = (
    # Through the author's POSTED: a row the loader dropped after packing (its
    # author unknown) finds nothing, even when a post of that id exists.
    f"UNWIND $rows AS row MATCH (a:{A} {{id: row.a}})-[:{rel_type('POSTED')}]->"
    f"(src:{P} {{id: row.id}}) "
    + _each("r", "repost_of")
    + f"MERGE (t:{P} {{id: r}}) ON CREATE SET t.stub = true "
    f"MERGE (src)-[:{rel_type('REPOST_OF')}]->(t)) "
    + _each("r", "reply_to")
    + f"MERGE (t:{P} {{id: r}}) ON CREATE SET t.stub = true "
    f"MERGE (src)-[:{rel_type('REPLY_TO')}]->(t)) "
    "WITH src, a, row WHERE row.mentions IS NOT NULL UNWIND row.mentions AS h "
    f"CALL (a, h) {{ OPTIONAL MATCH (m:{A} {{handle_norm: h}}) "
    "WHERE m.platform = a.platform AND m.stub IS NULL "
    "RETURN m ORDER BY m.id LIMIT 1 } "
    "CALL (src, a, h, m) { WITH * WHERE m IS NOT NULL "
    f"MERGE (src)-[:{rel_type('MENTIONS')}]->(m) }} "
    "CALL (src, a, h, m) { WITH * WHERE m IS NULL "
    f"MERGE (s:{A} {{id: coalesce(a.platform, 'unknown') + ':@' + h}}) "
    "ON CREATE SET s.stub = true, s.handle = h, s.handle_norm = h, s.platform = a.platform "
    f"MERGE (src)-[:{rel_type('MENTIONS')}]->(s) }}"
)

ADS = (
    f"UNWIND $rows AS row MERGE (src:{label('Ad')} {{id: row.id}}) SET src += row.props "
    + _times("src")
    + f"MERGE (s:{label('Sponsor')} {{name_norm: row.sponsor_norm}}) "
    "ON CREATE SET s.name = row.sponsor, s.registered = false "
    f"MERGE (src)-[:{rel_type('SPONSORED_BY')}]->(s) "
    + _each("acc", "account_ids")
    + f"MERGE (a:{A} {{id: acc}}) ON CREATE SET a.stub = true "
    f"MERGE (a)-[:{rel_type('BOUGHT')}]->(src)) "
    + _each("pp", "promoted")
    + f"MERGE (t:{P} {{id: pp}}) ON CREATE SET t.stub = true "
    f"MERGE (src)-[:{rel_type('PROMOTED')}]->(t)) " + _LINKS + _TAGS
)

SPONSORS = (
    f"UNWIND $rows AS row MERGE (s:{label('Sponsor')} {{name_norm: row.name_norm}}) "
    "SET s.name = row.name, s.registered = true SET s += row.props " + _times("s")
)

REFERENCE_IMAGES = (
    f"UNWIND $rows AS row MERGE (r:{label('ReferenceImage')} {{id: row.id}}) SET r += row.props "
    + _times("r")
    + f"MERGE (i:{IMG} {{key: row.image.key}}) SET i += row.image.props "
    f"MERGE (r)-[:{rel_type('DEPICTS')}]->(i)"
)


def _interactions(rel: str) -> str:
    return (
        f"UNWIND $rows AS row "
        f"MERGE (a:{A} {{id: row.account_id}}) ON CREATE SET a.stub = true "
        f"MERGE (p:{P} {{id: row.post_id}}) ON CREATE SET p.stub = true "
        f"MERGE (a)-[r:{rel_type(rel)} {{key: row.key}}]->(p) SET r += row.props " + _times("r")
    )


INTERACTIONS = {kind: _interactions(rel) for kind, rel in INTERACTION_KINDS.items()}

FOLLOWS = (
    f"UNWIND $rows AS row "
    f"MERGE (a:{A} {{id: row.follower_id}}) ON CREATE SET a.stub = true "
    f"MERGE (b:{A} {{id: row.followed_id}}) ON CREATE SET b.stub = true "
    f"MERGE (a)-[f:{rel_type('FOLLOWS')}]->(b) SET f += row.props " + _times("f")
)

STATEMENTS = {
    "accounts": ACCOUNTS,
    "posts": POSTS,
    "ads": ADS,
    "sponsors": SPONSORS,
    "reference_images": REFERENCE_IMAGES,
    "follows": FOLLOWS,
    "post_refs": POST_REFS,
}

# Accounts that count as "existing" for a post's author: real ones, not stubs
# left by references (a stub may come from a half-finished earlier run).
EXISTING_ACCOUNTS = f"MATCH (a:{A}) WHERE a.id IN $ids AND a.stub IS NULL RETURN a.id AS id"


def wire_row(row: dict[str, Any], kind: str = "") -> dict[str, Any]:
    """The row as sent: no empty lists, and `props` without its timestamps.

    Timestamps go as ISO strings: a post's `posted_at` on its own (the hot
    path), any other in `times`. Every byte the server unpacks costs time.
    """
    out = {k: v for k, v in row.items() if not (isinstance(v, list) and not v)}
    props = dict(row["props"])
    if kind == "posts":
        # The posts statement has no `times`: any other timestamp stays a native value.
        out["posted_at"] = props.pop("posted_at").isoformat()
    else:
        out["times"] = {k: v.isoformat() for k, v in props.items() if isinstance(v, datetime)}
        for k in out["times"]:
            del props[k]
    out["props"] = props
    return out


_REFS = ("mentions", "repost_of", "reply_to")


class BatchPacker:
    """Turns one batch's validated rows into what is sent (see `wire_row`).

    For posts, the nodes they share are listed once (`shared()`) and each row
    refers to them by position: `a` (author), `t` (hashtags), `u` (URLs),
    `m` (media). What they point at beyond the batch (mentions, reposts,
    replies) leaves the rows for `shared()["refs"]`, the rows of POST_REFS.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._authors: dict[str, int] = {}
        self._tags: dict[str, int] = {}
        # The same URL or image may come with different details (an adapter's
        # domain, a second hash): each variant is sent, MERGE joins them.
        self._urls: dict[tuple[str, tuple[str, ...]], int] = {}
        self._images: dict[tuple[str, tuple[tuple[str, Any], ...]], int] = {}
        self._refs: list[dict[str, Any]] = []

    def pack(self, row: dict[str, Any]) -> dict[str, Any]:
        out = wire_row(row, self.kind)
        if self.kind != "posts":
            return out
        author = out.pop("account_id")
        out["a"] = _index(self._authors, author)
        refs: dict[str, Any] = {k: out.pop(k) for k in _REFS if k in out}
        if refs:
            refs["id"], refs["a"] = out["id"], author
            self._refs.append(refs)
        if tags := out.pop("hashtags", None):
            out["t"] = [_index(self._tags, t) for t in tags]
        if urls := out.pop("urls", None):
            out["u"] = [_index(self._urls, (u["url"], tuple(u["domains"]))) for u in urls]
        if media := out.pop("media", None):
            out["m"] = [
                _index(self._images, (m["key"], tuple(sorted(m["props"].items())))) for m in media
            ]
        return out

    def shared(self) -> dict[str, list[Any]]:
        if self.kind != "posts":
            return {}
        return {
            "authors": list(self._authors),
            "tags": list(self._tags),
            "urls": [{"url": u, "domains": list(d)} for u, d in self._urls],
            "images": [{"key": k, "props": dict(p)} for k, p in self._images],
            "refs": self._refs,
        }


def _index(seen: dict[Any, int], key: Any) -> int:
    i = seen.get(key)
    if i is None:
        i = seen[key] = len(seen)
    return i


def write_rows(graph: Graph, kind: str, rows: list[dict[str, Any]]) -> None:
    """Write one batch of validated rows of one kind (one transaction per statement)."""
    packer = BatchPacker(kind)
    packed = [packer.pack(r) for r in rows]
    write_packed(graph, kind, packed, packer.shared())


def write_packed(
    graph: Graph, kind: str, rows: list[dict[str, Any]], shared: dict[str, list[Any]]
) -> None:
    """Like `write_rows`, for rows and shared nodes from a `BatchPacker`."""
    if not rows:
        return
    if kind == "interactions":
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row)
        for k, part in by_kind.items():
            graph.write_now(INTERACTIONS[k], {"rows": part})
        return
    if kind == "posts":
        shared = dict(shared)
        refs = shared.pop("refs", None)
        statements = [(POSTS, {"rows": rows, **shared})]
        if refs:
            statements.append((POST_REFS, {"rows": refs}))
        written = graph.write_many(statements)[0][0]["written"]
        if written != len(rows):
            raise WriteError(
                f"{len(rows) - written} of {len(rows)} posts were not written: "
                "their author disappeared from the graph during the load"
            )
        return
    graph.write_now(STATEMENTS[kind], {"rows": rows})


class WriteError(RuntimeError):
    pass


class LaneWriter:
    """Writes batches in `lanes` threads side by side, each lane's in order.

    A load spends most of its time waiting for the server, which runs one
    transaction on one core; two transactions at a time keep a second core
    busy. The reader deals accounts and posts into lanes by account (see
    `reader.read_chunks`), so two lanes never update the same account, and
    the statements avoid locking the nodes every batch shares (see `_link`).

    References cross lanes: a post in one lane mentions an author busy in
    the other, or reposts a post the other is creating, and two such
    transactions wait for each other until the server kills one (a
    deadlock). So posts go without them (`BatchPacker` sets them apart), and
    they gather here and are written, once enough have, while no lane writes.
    The lanes stop for that, so the fewer stops the better: `refs_batch`
    rows (small ones: ids and handles) at a time measured faster than 2,000.

    A kind starts only when every batch of the one before has committed, so
    posts find their authors. A failed batch raises on the next `submit`, or
    on leaving the `with` block (which waits for every batch).
    """

    def __init__(
        self, graph: Graph, lanes: int = 1, depth: int = 2, refs_batch: int = 20_000
    ) -> None:
        self.graph = graph
        self._depth = depth
        self._refs_batch = refs_batch
        self._pools = [
            ThreadPoolExecutor(1, thread_name_prefix=f"cibgraph-writer-{i}") for i in range(lanes)
        ]
        self._pending: list[deque[Future[None]]] = [deque() for _ in range(lanes)]
        self._kind: str | None = None
        self._refs: list[dict[str, Any]] = []
        self._failed = threading.Event()

    def submit(
        self, kind: str, rows: list[dict[str, Any]], shared: dict[str, list[Any]], lane: int = 0
    ) -> None:
        if not rows:
            return
        if kind != self._kind:
            self.wait()
            self._kind = kind
        if "refs" in shared:
            shared = dict(shared)
            self._refs.extend(shared.pop("refs"))
        for q in self._pending:
            while q and q[0].done():
                q.popleft().result()
        i = lane % len(self._pools)
        while len(self._pending[i]) >= self._depth:
            self._pending[i].popleft().result()
        self._pending[i].append(self._pools[i].submit(self._write, kind, rows, shared))
        if len(self._refs) >= self._refs_batch:
            self.wait()

    def _write(self, kind: str, rows: list[dict[str, Any]], shared: dict[str, list[Any]]) -> None:
        # Once a batch has failed the load stops: batches queued behind it are not started.
        if self._failed.is_set():
            raise WriteError("not written: an earlier batch failed")
        try:
            write_packed(self.graph, kind, rows, shared)
        except BaseException:
            self._failed.set()
            raise

    def wait(self) -> None:
        """Until every batch submitted so far, and its references, has committed."""
        for q in self._pending:
            while q:
                q.popleft().result()
        if self._refs:
            write_packed(self.graph, "post_refs", self._refs, {})
            self._refs = []

    def __enter__(self) -> LaneWriter:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        try:
            if exc_type is None:
                self.wait()
        finally:
            for pool in self._pools:
                pool.shutdown(wait=True, cancel_futures=True)
