"""The one definition of a *shared item*: what two accounts posting "the same thing" means.

`cibgraph detect` decides it once and writes it into the graph; every consumer
(scoring, the stored queries `co_posting_pairs`, `group_evidence` and
`successor_accounts`, the views, the report and the API) reads what is
written instead of deciding again.

An item is one of:

- image, `img:<smallest image key of the cluster>`: the same item when the
  images' perceptual hashes are joined by a chain of `NEAR_DUPLICATE` pairs
  (at most `max_phash_distance` bits apart), or the files are identical;
- text, `text:<smallest text key of the cluster>`: the normalised captions are
  identical, or joined by a chain of near-identical captions (an exact
  similarity join, `text_similarity.py`);
- url, `url:<url>`: the same link;
- comment, `comment:<post id>`: a comment on, or a re-share of, the same post.

Hashtags are context, not shared items: thousands of strangers use the same
tag every day.

In the graph: `(:Post)-[:CARRIES]->(:Item {key, kind, sharers, actions, preview})`
for posts, and `(:Item {kind: 'comment'})-[:ABOUT]->(:Post)` for the post that
comment items are about (the comment itself is the `COMMENTED`/`SHARED`
relationship, with its time). Only items that at least two accounts acted on
are written: an item one account posted links no one. A `Group` points at the
items its score counted with `(:Group)-[:EVIDENCE]->(:Item)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cibgraph.db import BUNDLE, Graph, bundled, unbundle
from cibgraph.detect.actions import ItemActions
from cibgraph.model import label, rel_type

KINDS = {"img": "image", "text": "text", "url": "url", "comment": "comment"}
PREVIEW_CHARS = 280
BATCH = 5000

_P, _IT = label("Post"), label("Item")
_CARRIES, _ABOUT = rel_type("CARRIES"), rel_type("ABOUT")


def image_item(cluster_key: str) -> str:
    return "img:" + cluster_key


def text_item(cluster_text_key: str) -> str:
    return "text:" + cluster_text_key


def url_item(url: str) -> str:
    return "url:" + url


def comment_item(post_id: str) -> str:
    return "comment:" + post_id


def kind_of(item: str) -> str:
    """`image`, `text`, `url` or `comment`, from an item key."""
    prefix = item.split(":", 1)[0]
    try:
        return KINDS[prefix]
    except KeyError:
        raise ValueError(f"not an item key: {item!r}") from None


def _batches(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), BATCH):
        yield rows[i : i + BATCH]


def _table_batches(table: pa.Table, keys: list[str]) -> Iterator[list[dict[str, Any]]]:
    for lo in range(0, table.num_rows, BATCH):
        part = table.slice(lo, BATCH)
        posts = part.column("post").to_pylist()
        codes = part.column("item").to_pylist()
        yield [{"p": p, "k": keys[c]} for p, c in zip(posts, codes, strict=True)]


def _item_batches(table: pa.Table, keys: list[str]) -> Iterator[list[dict[str, Any]]]:
    """`table`'s (post, item) rows as one row per item with its posts (`k`, `ps`), about
    `BATCH` posts to a batch; an item with more posts is split over batches."""
    if table.num_rows == 0:
        return
    table = table.sort_by([("item", "ascending"), ("post", "ascending")])
    codes = table.column("item").to_numpy()
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(codes)]
    posts = table.column("post").to_pylist()
    batch: list[dict[str, Any]] = []
    size = 0
    for lo, hi in zip(starts.tolist(), ends.tolist(), strict=True):
        key = keys[int(codes[lo])]
        for at in range(lo, hi, BATCH):
            part = posts[at : min(hi, at + BATCH)]
            batch.append({"k": key, "ps": part})
            size += len(part)
            if size >= BATCH:
                yield batch
                batch, size = [], 0
    if batch:
        yield batch


def write_items(graph: Graph, by_item: ItemActions, previews: dict[str, str]) -> int:
    """Write every item at least two accounts acted on, with its posts; remove the rest.

    For comment items the actions' post is the post commented on. Idempotent: nodes are
    MERGEd, and only relationships that changed are written or deleted. The relationships
    are compared as Arrow columns (an anti-join each way), not as a Python set per post.
    """
    keys = by_item.item_keys
    sharers = by_item.sharers().tolist()
    counts = np.diff(by_item.offsets).tolist()
    items: list[dict[str, Any]] = []
    for key, n_sharers, n_actions in zip(keys, sharers, counts, strict=True):
        preview = previews.get(key)
        items.append(
            {
                "key": key,
                "kind": kind_of(key),
                "sharers": n_sharers,
                "actions": n_actions,
                "preview": preview[:PREVIEW_CHARS] if preview else None,
            }
        )
    graph.write(
        f"MATCH (it:{_IT}) WHERE NOT it.key IN $keys DETACH DELETE it",
        {"keys": keys},
    )
    # a rerun rewrites only the items that changed (2.5 million posts: 283,478 items,
    # 3.2 s to write them all again)
    held = _held(graph)
    changed = [
        row
        for row in items
        if held.get(row["key"]) != (row["kind"], row["sharers"], row["actions"], row["preview"])
    ]
    del held
    for _ in graph.write_batches(
        f"UNWIND $rows AS row MERGE (it:{_IT} {{key: row.key}}) "
        "SET it.kind = row.kind, it.sharers = row.sharers, it.actions = row.actions, "
        "it.preview = row.preview",
        _batches(changed),
    ):
        pass
    is_comment = np.array([k.startswith("comment:") for k in keys], dtype=bool)
    item_col = by_item.row_items()
    actions = pa.table({"post": by_item.post, "item": pa.array(item_col, pa.int32())})
    on_comment = pa.array(is_comment[item_col]) if len(item_col) else pa.array([], pa.bool_())
    code = {k: n for n, k in enumerate(keys)}
    for rel, comment in ((_CARRIES, False), (_ABOUT, True)):
        mask = on_comment if comment else pc.invert(on_comment)
        wanted = actions.filter(mask).group_by(["post", "item"]).aggregate([])
        # CARRIES runs post -> item, ABOUT item -> post
        arrow = (
            f"(p:{_P} {{id: row.p}})-[r:{rel}]->(it:{_IT} {{key: row.k}})"
            if rel == _CARRIES
            else f"(it:{_IT} {{key: row.k}})-[r:{rel}]->(p:{_P} {{id: row.p}})"
        )
        existing = _existing(graph, rel, code)
        stale = existing.join(wanted, ["post", "item"], join_type="left anti")
        new = wanted.join(existing, ["post", "item"], join_type="left anti")
        for _ in graph.write_batches(
            f"UNWIND $rows AS row MATCH {arrow} DELETE r", _table_batches(stale, keys)
        ):
            pass
        create = f"CREATE (p)-[:{rel}]->(it)" if rel == _CARRIES else f"CREATE (it)-[:{rel}]->(p)"
        # one row per item with its posts: one item lookup, not one per relationship
        for _ in graph.write_batches(
            f"UNWIND $rows AS row MATCH (it:{_IT} {{key: row.k}}) "
            f"UNWIND row.ps AS post MATCH (p:{_P} {{id: post}}) " + create,
            _item_batches(new, keys),
        ):
            pass
    return len(items)


def _held(graph: Graph) -> dict[str, tuple[Any, ...]]:
    """Each item node's (kind, sharers, actions, preview) as written. A bundled read drops
    rows with a null, so absent properties are read as values no item is written with."""
    cypher = bundled(
        f"MATCH (it:{_IT})",
        "it",
        "",
        {
            "k": "it.key",
            "kind": "coalesce(it.kind, '')",
            "s": "coalesce(it.sharers, -1)",
            "a": "coalesce(it.actions, -1)",
            "pv": "coalesce(it.preview, '')",
        },
    )
    rows = unbundle(graph.stream(cypher, {"bundle": BUNDLE}), ("k", "kind", "s", "a", "pv"))
    # a preview is never '' (an empty one is written as null)
    return {k: (kind, s, a, pv or None) for k, kind, s, a, pv in rows}


def _existing(graph: Graph, rel: str, code: dict[str, int]) -> pa.Table:
    """The `rel` relationships in the graph as (post, item code) columns; every item is
    wanted (the others were deleted with their relationships just before)."""
    arrow = f"(p:{_P})-[:{rel}]->(it)" if rel == _CARRIES else f"(it)-[:{rel}]->(p:{_P})"
    cypher = bundled(f"MATCH (it:{_IT})", "it", f"MATCH {arrow}", {"p": "p.id", "k": "it.key"})
    parts = [
        pa.table(
            {
                "post": pa.array(r["p"], pa.string()),
                "item": pa.array([code[k] for k in r["k"]], pa.int32()),
            }
        )
        for r in graph.stream(cypher, {"bundle": BUNDLE})
    ]
    if not parts:
        return pa.table({"post": pa.array([], pa.string()), "item": pa.array([], pa.int32())})
    return pa.concat_tables(parts)
