"""Batched writes: one `UNWIND $rows … MERGE` statement per record kind.

Every statement MERGEs on the model's keys and SETs properties from the row
only, so replaying a batch (a second load, or a rerun after a crash) leaves
the graph as it was. Derived values are order-free: first/last post times
are min/max, stub flags are set only when a node is created as a reference
and removed when the real record arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from cibgraph.model import INTERACTION_KINDS, label, rel_type

A, P, H, U, D, IMG = (label(x) for x in ("Account", "Post", "Hashtag", "Url", "Domain", "Image"))


def _times(var: str) -> str:
    # Timestamps travel as ISO 8601 strings in `row.times` and become DateTime
    # values on the server: packing Python datetimes in the driver costs far
    # more client CPU (tens of µs each) than the server's parse.
    return f"FOREACH (k IN keys(row.times) | SET {var}[k] = datetime(row.times[k])) "


_LINKS = (
    f"FOREACH (u IN row.urls | MERGE (x:{U} {{url: u.url}}) "
    f"MERGE (src)-[:{rel_type('LINKS_TO')}]->(x) "
    f"FOREACH (d IN u.domains | MERGE (dn:{D} {{name: d}}) SET x.domain = d "
    f"MERGE (x)-[:{rel_type('ON_DOMAIN')}]->(dn))) "
)
_TAGS = (
    f"FOREACH (t IN row.hashtags | MERGE (h:{H} {{name: t}}) "
    f"MERGE (src)-[:{rel_type('TAGGED')}]->(h)) "
)

ACCOUNTS = (
    f"UNWIND $rows AS row MERGE (a:{A} {{id: row.id}}) SET a += row.props REMOVE a.stub "
    + _times("a")
    + f"FOREACH (img IN row.images | MERGE (i:{IMG} {{key: img.key}}) SET i += img.props "
    f"MERGE (a)-[:{rel_type('HAS_PROFILE_IMAGE')}]->(i)) "
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
    # The loader has checked that every author exists (a real account), so
    # MATCH (cheaper than MERGE); the returned count proves no row was lost.
    f"UNWIND $rows AS row "
    f"MATCH (a:{A} {{id: row.account_id}}) "
    f"MERGE (src:{P} {{id: row.id}}) SET src += row.props REMOVE src.stub "
    + _times("src")
    + f"SET src.platform = coalesce(a.platform, src.platform) "
    f"MERGE (a)-[:{rel_type('POSTED')}]->(src) "
    "SET a.first_post_at = CASE WHEN a.first_post_at IS NULL "
    "OR src.posted_at < a.first_post_at THEN src.posted_at ELSE a.first_post_at END, "
    "a.last_post_at = CASE WHEN a.last_post_at IS NULL "
    "OR src.posted_at > a.last_post_at THEN src.posted_at ELSE a.last_post_at END "
    + _TAGS
    + _LINKS
    + f"FOREACH (img IN row.media | MERGE (i:{IMG} {{key: img.key}}) SET i += img.props "
    f"MERGE (src)-[:{rel_type('HAS_MEDIA')}]->(i)) "
    f"FOREACH (r IN row.repost_of | MERGE (t:{P} {{id: r}}) ON CREATE SET t.stub = true "
    f"MERGE (src)-[:{rel_type('REPOST_OF')}]->(t)) "
    f"FOREACH (r IN row.reply_to | MERGE (t:{P} {{id: r}}) ON CREATE SET t.stub = true "
    f"MERGE (src)-[:{rel_type('REPLY_TO')}]->(t)) "
    # Mentions resolve to a real account of the author's platform by handle;
    # an unknown handle becomes a stub account with a derived id.
    "WITH src, a, row CALL (src, a, row) { UNWIND row.mentions AS h "
    f"CALL (a, h) {{ OPTIONAL MATCH (m:{A} {{handle_norm: h}}) "
    "WHERE m.platform = a.platform AND m.stub IS NULL "
    "RETURN m ORDER BY m.id LIMIT 1 } "
    "CALL (src, a, h, m) { WITH * WHERE m IS NOT NULL "
    f"MERGE (src)-[:{rel_type('MENTIONS')}]->(m) }} "
    "CALL (src, a, h, m) { WITH * WHERE m IS NULL "
    f"MERGE (s:{A} {{id: coalesce(a.platform, 'unknown') + ':@' + h}}) "
    "ON CREATE SET s.stub = true, s.handle = h, s.handle_norm = h, s.platform = a.platform "
    f"MERGE (src)-[:{rel_type('MENTIONS')}]->(s) }} }} "
    "RETURN count(*) AS written"
)

ADS = (
    f"UNWIND $rows AS row MERGE (src:{label('Ad')} {{id: row.id}}) SET src += row.props "
    + _times("src")
    + f"MERGE (s:{label('Sponsor')} {{name_norm: row.sponsor_norm}}) "
    "ON CREATE SET s.name = row.sponsor, s.registered = false "
    f"MERGE (src)-[:{rel_type('SPONSORED_BY')}]->(s) "
    f"FOREACH (acc IN row.account_ids | MERGE (a:{A} {{id: acc}}) ON CREATE SET a.stub = true "
    f"MERGE (a)-[:{rel_type('BOUGHT')}]->(src)) "
    f"FOREACH (pp IN row.promoted | MERGE (t:{P} {{id: pp}}) ON CREATE SET t.stub = true "
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
}

# Accounts that count as "existing" for a post's author: real ones, not stubs
# left by references (a stub may come from a half-finished earlier run).
EXISTING_ACCOUNTS = f"MATCH (a:{A}) WHERE a.id IN $ids AND a.stub IS NULL RETURN a.id AS id"


def wire_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row as sent: `props` without its timestamps, which go to `times` as ISO strings."""
    props = row["props"]
    times = {k: v.isoformat() for k, v in props.items() if isinstance(v, datetime)}
    if times:
        props = {k: v for k, v in props.items() if k not in times}
    return {**row, "props": props, "times": times}


def write_rows(graph: Any, kind: str, rows: list[dict[str, Any]]) -> None:
    """Write one batch of validated rows of one kind (one transaction per statement)."""
    if not rows:
        return
    rows = [wire_row(r) for r in rows]
    if kind == "interactions":
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_kind.setdefault(row["kind"], []).append(row)
        for k, part in by_kind.items():
            _run(graph, INTERACTIONS[k], [part])
        return
    if kind == "posts":
        written = graph.write(POSTS, {"rows": rows})[0]["written"]
        if written != len(rows):
            raise WriteError(
                f"{len(rows) - written} of {len(rows)} posts were not written: "
                "their author disappeared from the graph during the load"
            )
        return
    _run(graph, STATEMENTS[kind], [rows])


class WriteError(RuntimeError):
    pass


def _run(graph: Any, cypher: str, batches: Iterable[list[dict[str, Any]]]) -> None:
    for _ in graph.write_batches(cypher, batches):
        pass
