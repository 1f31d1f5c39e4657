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
  identical, or joined by a chain of near-identical captions (MinHash LSH,
  `text_similarity.py`);
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

from cibgraph.db import Graph
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


def write_items(
    graph: Graph,
    by_item: dict[str, list[tuple[int, str, str]]],
    previews: dict[str, str],
) -> int:
    """Write every item at least two accounts acted on, with its posts; remove the rest.

    `by_item`: item -> [(t, account, post id)], where for comment items the post
    id is the post commented on. Idempotent: nodes are MERGEd, and only
    relationships that changed are written or deleted.
    """
    items: list[dict[str, Any]] = []
    carries: set[tuple[str, str]] = set()
    about: set[tuple[str, str]] = set()
    for key, acts in by_item.items():
        sharers = len({a for _, a, _ in acts})
        if sharers < 2:
            continue
        kind = kind_of(key)
        preview = previews.get(key)
        items.append(
            {
                "key": key,
                "kind": kind,
                "sharers": sharers,
                "actions": len(acts),
                "preview": preview[:PREVIEW_CHARS] if preview else None,
            }
        )
        for _, _, post in acts:
            (about if kind == "comment" else carries).add((post, key))
    items.sort(key=lambda r: r["key"])
    wanted_keys = [r["key"] for r in items]
    graph.write(
        f"MATCH (it:{_IT}) WHERE NOT it.key IN $keys DETACH DELETE it",
        {"keys": wanted_keys},
    )
    for _ in graph.write_batches(
        f"UNWIND $rows AS row MERGE (it:{_IT} {{key: row.key}}) "
        "SET it.kind = row.kind, it.sharers = row.sharers, it.actions = row.actions, "
        "it.preview = row.preview",
        _batches(items),
    ):
        pass
    for rel, wanted in ((_CARRIES, carries), (_ABOUT, about)):
        # CARRIES runs post -> item, ABOUT item -> post
        arrow = (
            f"(p:{_P} {{id: row.p}})-[r:{rel}]->(it:{_IT} {{key: row.k}})"
            if rel == _CARRIES
            else f"(it:{_IT} {{key: row.k}})-[r:{rel}]->(p:{_P} {{id: row.p}})"
        )
        every = arrow.replace(" {id: row.p}", "").replace(" {key: row.k}", "")
        existing = {
            (r["p"], r["k"])
            for r in graph.read(f"MATCH {every} RETURN p.id AS p, it.key AS k", timeout=600)
        }
        stale = [{"p": p, "k": k} for p, k in sorted(existing - wanted)]
        new = [{"p": p, "k": k} for p, k in sorted(wanted - existing)]
        for _ in graph.write_batches(
            f"UNWIND $rows AS row MATCH {arrow} DELETE r", _batches(stale)
        ):
            pass
        create = f"CREATE (p)-[:{rel}]->(it)" if rel == _CARRIES else f"CREATE (it)-[:{rel}]->(p)"
        for _ in graph.write_batches(
            f"UNWIND $rows AS row MATCH (p:{_P} {{id: row.p}}) MATCH (it:{_IT} {{key: row.k}}) "
            + create,
            _batches(new),
        ):
            pass
    return len(items)
