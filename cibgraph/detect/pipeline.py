"""`run_detection`: the write steps behind `cibgraph detect`.

1. NEAR_DUPLICATE between images whose perceptual hashes differ in at most
   `max_phash_distance` bits (multi-index hashing, `near_duplicates.py`).
2. Shared items: image clusters, near-identical caption clusters (an exact
   similarity join, `text_similarity.py`), links and commented posts become `Item` nodes
   that posts `CARRIES` (`items.py`: the one definition every consumer reads).
3. COORDINATED_WITH between accounts whose co-posting evidence (rare items
   posted together at some time scale, weighted, plus corroborating signals)
   passes the thresholds (`coordination.py`, `scoring.py`). Each edge records
   the scales that support it, its median lag and who led.
4. Leiden communities of that weighted graph become `Group` nodes with
   `MEMBER_OF` members, a score, signals, an explanation, evidence, and
   `EVIDENCE` links to the items the score counted.

Every step is idempotent: ids are derived from content (a group's id is a
hash of its sorted member ids), Leiden runs with a fixed seed on a graph built
in sorted order, relationships are MERGEd and stale ones deleted, and
`detected_at` is only set when a group first appears.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from cibgraph.db import BUNDLE, Graph, bundled, unbundle
from cibgraph.detect.actions import ActionBuilder, ItemActions
from cibgraph.detect.budget import MemoryBudget, release_memory
from cibgraph.detect.co_action_columns import PairTable, co_action_columns
from cibgraph.detect.communities import leiden_communities
from cibgraph.detect.coordination import SCALES, Pair, PairEvidence, scale_evidence
from cibgraph.detect.items import (
    comment_item,
    image_item,
    kind_of,
    text_item,
    url_item,
    write_items,
)
from cibgraph.detect.key_ranges import POSTS_PER_READ, WHOLE, KeyRange, key_ranges
from cibgraph.detect.near_duplicates import cluster_roots, hamming, near_duplicate_arrays
from cibgraph.detect.scoring import (
    AccountInfo,
    EdgeScore,
    Totals,
    edge_parts,
    edge_weight,
    score_edge,
    score_group,
)
from cibgraph.detect.text_similarity import THRESHOLD, text_clusters
from cibgraph.model import ensure_schema, label, rel_type
from cibgraph.verdicts import carry_verdicts

A, P, IMG, G, IT = (label(x) for x in ("Account", "Post", "Image", "Group", "Item"))
ND, CW, MO, EV = (
    rel_type(x) for x in ("NEAR_DUPLICATE", "COORDINATED_WITH", "MEMBER_OF", "EVIDENCE")
)
BATCH = 5000
FULL_CLUSTER = 12


@dataclass
class DetectionReport:
    images: int = 0
    near_duplicates: int = 0
    near_duplicate_edges: int = 0
    texts: int = 0
    near_identical_texts: int = 0
    items: int = 0
    actions: int = 0
    candidate_pairs: int = 0
    coordination_edges: int = 0
    groups: int = 0
    grouped_accounts: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0  # the run's largest resident size (`MemoryBudget.peak_rss`)
    options: dict[str, Any] = field(default_factory=dict)


def _batches(rows: list[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


# ---------------------------------------------------------------- near duplicates


def write_near_duplicates(graph: Graph, max_distance: int) -> tuple[int, int, int, dict[str, str]]:
    """Write NEAR_DUPLICATE; return (images, near-duplicate pairs, edges written, and each
    image in a cluster of two or more -> the cluster's smallest key)."""
    # One record of lists: as a record per image, 510,504 images took 9.9 s to read, as
    # lists 1.0 s. The lists stay aligned because no element is null (collect drops nulls).
    (got,) = list(
        graph.stream(
            f"MATCH (i:{IMG}) WHERE i.key IS NOT NULL "
            "AND (i.phash_int IS NOT NULL OR i.phash IS NOT NULL) "
            "RETURN collect(i.key) AS keys, collect(coalesce(i.phash_int, 0)) AS ints, "
            "collect(coalesce(i.phash, '')) AS hexes, collect(i.phash_int IS NULL) AS no_int",
        )
    )
    # sorted by key, so each pair is (smaller key, larger key) and clusters are named alike
    order = sorted(range(len(got["keys"])), key=got["keys"].__getitem__)
    keys = [got["keys"][n] for n in order]
    hashes = [int(got["hexes"][n], 16) if got["no_int"][n] else got["ints"][n] for n in order]
    del got, order
    ii, jj, dist = near_duplicate_arrays(hashes, max_distance)
    roots = cluster_roots(len(keys), ii, jj)
    wanted_edges = edges_to_write(keys, hashes, ii, jj, dist, roots)
    # keys are sorted, so each pair is (smaller key, larger key): one direction only
    existing = {
        (r["a"], r["b"])
        for r in graph.stream(f"MATCH (x:{IMG})-[r:{ND}]->(y:{IMG}) RETURN x.key AS a, y.key AS b")
    }
    wanted = {(a, b) for a, b, _ in wanted_edges}
    stale = [{"a": a, "b": b} for a, b in existing - wanted]
    for _ in graph.write_batches(
        f"UNWIND $rows AS row MATCH (x:{IMG} {{key: row.a}})-[r:{ND}]->(y:{IMG} {{key: row.b}}) "
        "DELETE r",
        _batches(stale),
    ):
        pass
    # an image's hash belongs to its key, so an edge that exists has its distance already
    new = [{"a": a, "b": b, "d": d} for a, b, d in wanted_edges if (a, b) not in existing]
    for _ in graph.write_batches(
        f"UNWIND $rows AS row MATCH (x:{IMG} {{key: row.a}}) MATCH (y:{IMG} {{key: row.b}}) "
        f"MERGE (x)-[r:{ND}]->(y) SET r.distance = row.d",
        _batches(new),
    ):
        pass
    cluster = {keys[n]: keys[r] for n, r in enumerate(roots.tolist()) if r != n}
    for n, r in enumerate(roots.tolist()):
        if r != n:
            cluster.setdefault(keys[r], keys[r])
    return len(keys), len(ii), len(wanted_edges), cluster


def edges_to_write(
    keys: list[str],
    hashes: list[int],
    ii: npt.NDArray[np.int64],
    jj: npt.NDArray[np.int64],
    dist: npt.NDArray[np.int64],
    roots: npt.NDArray[np.int64],
) -> list[tuple[str, str, int]]:
    """Which near-duplicate pairs become relationships.

    A small cluster (up to `FULL_CLUSTER` images: a borrowed photo and its
    source, a few manipulated copies) gets every pair. A viral picture
    re-encoded hundreds of times would get tens of thousands of pairs, so a
    large cluster gets a star instead: each member to the cluster's smallest
    key, which is all "same item" folding needs (every member's smallest
    neighbour is that key).
    """
    sizes = np.bincount(roots, minlength=len(keys))
    big = sizes > FULL_CLUSTER
    small_pair = ~big[roots[ii]] if len(ii) else np.zeros(0, dtype=bool)
    out = [
        (keys[a], keys[b], int(d))
        for a, b, d in zip(
            ii[small_pair].tolist(), jj[small_pair].tolist(), dist[small_pair].tolist(), strict=True
        )
    ]
    for m in np.flatnonzero(big[roots] & (roots != np.arange(len(keys)))).tolist():
        rep = int(roots[m])
        out.append((keys[rep], keys[m], hamming(hashes[rep], hashes[m])))
    return out


# ---------------------------------------------------------------- actions


def caption_ranges(graph: Graph, per_read: int = POSTS_PER_READ) -> list[KeyRange]:
    """Caption-key ranges for reads that group posts by key (`key_ranges.py`), of about
    `per_read` posts each; the post count comes from the count store, so this costs
    nothing."""
    posts = graph.read(f"MATCH (p:{P}) RETURN count(p) AS n")[0]["n"]
    return key_ranges(posts, per_read)


def text_previews(
    graph: Graph, items: Iterable[str], known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Each text item's caption: the text of its cluster's smallest key, which names it.
    Keys in `known` (`Captions.known_texts`) are not read again."""
    known = known or {}
    out: dict[str, str] = {}
    keys = []
    for item in items:
        if item.startswith("text:"):
            key = item[len("text:") :]
            if key in known:
                out[item] = known[key]
            else:
                keys.append(key)
    keys.sort()
    # one record, not one per key (137,330 text items on 2.5 million posts)
    (row,) = graph.read(
        f"UNWIND $keys AS k MATCH (p:{P} {{text_key: k}}) WHERE p.text IS NOT NULL "
        "WITH k, min(p.text) AS text RETURN collect(k) AS ks, collect(text) AS texts",
        {"keys": keys},
        timeout=600,
    )
    out.update((text_item(k), text) for k, text in zip(row["ks"], row["texts"], strict=True))
    return out


# Prefix for reads whose cached plan, made on other statistics, can turn quadratic.
REPLAN = "CYPHER replan=force "
AT = "p.posted_at.epochSeconds"


class Captions:
    """One pass over the posts, one caption-key range at a time, for two uses: each key's
    smallest text for the caption join (`texts`), and the actions on keys that two or more
    posts share, kept as columns (`builder`, under `text:` and the raw key, renamed to the
    key's near-identical cluster when the columns are built). Reading both in one pass
    halves the scans of every post; the few keys that join a cluster on one post alone
    are read afterwards, by key (`add_clustered`)."""

    def __init__(
        self,
        graph: Graph,
        ranges: Sequence[KeyRange] = WHOLE,
        check: Callable[[str], None] | None = None,
    ) -> None:
        self.graph, self.ranges = graph, ranges
        # one record: mention stubs make accounts many (83,272 on 500,000 posts)
        read = f"MATCH (a:{A}) WHERE a.id IS NOT NULL RETURN collect(a.id) AS ids"
        (ids,) = [r["ids"] for r in graph.stream(read)]
        self.builder = ActionBuilder(ids, check)
        self.texts_read = 0
        # the text of every key two or more posts carry (most text items are such keys, so
        # `text_previews` need not read them again), as Arrow: they are held through the join
        self._kept_keys: list[pa.Array] = []
        self._kept_texts: list[pa.Array] = []

    def known_texts(self) -> dict[str, str]:
        """Each key read that two or more posts carry -> its text (`min(p.text)`, as
        `text_previews` reads it)."""
        keys = pa.chunked_array(self._kept_keys, pa.string()).to_pylist()
        texts = pa.chunked_array(self._kept_texts, pa.string()).to_pylist()
        return dict(zip(keys, texts, strict=True))

    def texts(self) -> Iterator[tuple[str, str]]:
        self.builder.phase = "near_identical_texts"
        # The posts come from the key's range index; each post's author is an expand from
        # it (only accounts post, so no label: see load_item_actions), made only for keys
        # that two or more posts carry: most captions are a single post's, and expanding
        # every post was half the server's work (2.5 million posts: 14 to 18 s of reads
        # against 7 to 9 s). Each range groups its posts before its first row, so the next
        # range is sent while this one is decoded.
        # Keys come back `BUNDLE` to a record, as lists: per record, Bolt and the driver
        # cost more than the grouping (500,000 posts: 14.9 s as a record per key, 6.4 s as
        # lists). Fetched one record at a time, so this process holds one bundle of a range,
        # not the range (2.5 million posts: 1,331 MB peak as a record per range).
        reads = (
            (
                REPLAN + f"MATCH (p:{P}) WHERE {r.where('p.text_key')} "
                "WITH p.text_key AS k, min(p.text) AS text, collect(p) AS posts "
                "CALL (posts) { WITH posts WHERE size(posts) >= 2 "
                "UNWIND posts AS p MATCH (p)<-[:POSTED]-(a) WHERE p.posted_at IS NOT NULL "
                f"RETURN collect(a.id) AS accs, collect({AT}) AS ts, collect(p.id) AS ps }} "
                "WITH collect(k) AS ks, collect(coalesce(text, '')) AS texts, "
                "collect(CASE WHEN size(ps) >= 2 THEN [k, accs, ts, ps] END) AS acts "
                # acts is no longer than ks, so its slices at the same offsets cover it
                "UNWIND range(0, size(ks) - 1, $bundle) AS at "
                "RETURN ks[at..at + $bundle] AS ks, texts[at..at + $bundle] AS texts, "
                "acts[at..at + $bundle] AS acts",
                {**r.params(), "bundle": BUNDLE},
            )
            for r in self.ranges
        )
        for row in self.graph.stream_ahead(reads, fetch_size=1):
            shared = set()
            for k, accs, ts, ps in row["acts"]:
                self.builder.add(text_item(k), accs, ts, ps)
                shared.add(k)
            # A key's text is never empty (normalise.text_key), so '' stands for none.
            kept_keys, kept_texts = [], []
            for k, text in zip(row["ks"], row["texts"], strict=True):
                if text:
                    self.texts_read += 1
                    if k in shared:
                        kept_keys.append(k)
                        kept_texts.append(text)
                    yield k, text
            self._kept_keys.append(pa.array(kept_keys, pa.string()))
            self._kept_texts.append(pa.array(kept_texts, pa.string()))
        self.builder.phase = "load_actions"

    def add_clustered(self, text_cluster: dict[str, str]) -> None:
        """The actions of keys in a cluster that only one post carries (not read yet)."""
        clustered = set(text_cluster) | set(text_cluster.values())
        keys = sorted(k for k in clustered if text_item(k) not in self.builder)
        for n in range(0, len(keys), BATCH):
            for row in self.graph.stream(
                REPLAN + f"UNWIND $keys AS k MATCH (p:{P} {{text_key: k}}) "
                "WHERE p.posted_at IS NOT NULL MATCH (p)<-[:POSTED]-(a) "
                f"WITH k, collect(a.id) AS accs, collect({AT}) AS ts, collect(p.id) AS ps "
                "RETURN k, accs, ts, ps",
                {"keys": keys[n : n + BATCH]},
            ):
                self.builder.add(text_item(row["k"]), row["accs"], row["ts"], row["ps"])


def load_item_actions(
    graph: Graph,
    image_cluster: dict[str, str],
    text_cluster: dict[str, str],
    *,
    comments: bool = True,
    check: Callable[[str], None] | None = None,
    ranges: Sequence[KeyRange] = WHOLE,
    captions: Captions | None = None,
) -> tuple[ItemActions, dict[str, str]]:
    """Every (item, account, time, post) as columns (`actions.py`), and a preview per link.

    Neo4j groups each kind by its raw key, so only keys with two or more actions, or in a
    near-duplicate cluster (whose other members may carry the rest), are sent at all.
    Caption actions come from `captions` (which the caption join has read); without it
    they are read here, in `ranges` (`caption_ranges`; by default one read takes them all)."""
    if captions is None:
        captions = Captions(graph, ranges, check)
        for _ in captions.texts():
            pass
    captions.add_clustered(text_cluster)
    builder = captions.builder
    clustered_images = sorted(set(image_cluster) | set(image_cluster.values()))
    # Grouping by key holds every group on the server until the read ends, so items that
    # are nodes are grouped one node at a time in a subquery (after a degree check, which
    # reads no relationship), and captions one key range at a time. The subqueries name no
    # label: the model lets only posts carry media and links, and only accounts post or
    # act on posts, and a label with `posted_at IS NOT NULL` would let the planner, on
    # index statistics not yet resampled after a load, scan every post once per item.
    # Each item's actions, grouped in its own subquery; many items to a record (`bundled`).
    grouped = (
        "RETURN collect(a.id) AS accs, collect({t}) AS ts, collect(p.id) AS ps }} "
        "WITH {var}, accs, ts, ps WHERE size(ps) >= 2 OR {key} IN $clustered"
    )
    kinds: list[tuple[str, str, str, str, dict[str, Any], Callable[[str], str]]] = [
        (
            f"MATCH (i:{IMG}) WHERE COUNT {{ (i)<-[:HAS_MEDIA]-() }} >= 2 OR i.key IN $clustered",
            "i",
            "CALL (i) { MATCH (i)<-[:HAS_MEDIA]-(p)<-[:POSTED]-(a) WHERE p.posted_at IS NOT NULL "
            + grouped.format(var="i", key="i.key", t=AT),
            "i.key",
            {"clustered": clustered_images},
            lambda k: image_item(image_cluster.get(k, k)),
        ),
    ]
    links = rel_type("LINKS_TO")
    kinds.append(
        (
            f"MATCH (u:{label('Url')}) WHERE COUNT {{ (u)<-[:{links}]-() }} >= 2",
            "u",
            f"CALL (u) {{ MATCH (u)<-[:{links}]-(p)<-[:POSTED]-(a) WHERE p.posted_at IS NOT NULL "
            + grouped.format(var="u", key="u.url", t=AT),
            "u.url",
            {"clustered": []},
            url_item,
        )
    )
    if comments:
        acted = f"{rel_type('COMMENTED')}|{rel_type('SHARED')}"
        kinds.append(
            (
                f"MATCH (p:{P}) WHERE COUNT {{ (p)<-[:{acted}]-() }} >= 2",
                "p",
                f"CALL (p) {{ MATCH (p)<-[c:{acted}]-(a) WHERE c.at IS NOT NULL "
                + grouped.format(var="p", key="p.id", t="c.at.epochSeconds"),
                "p.id",
                {"clustered": []},
                comment_item,
            )
        )
    previews: dict[str, str] = {}
    columns = ("k", "accs", "ts", "ps")
    for nodes, var, each, key, params, item_of in kinds:
        # A plan cached while the graph was small (say, before any image was loaded, and
        # less than `dbms.cypher.min_replan_interval` ago) can scan every post once per
        # image: 650 s instead of 0.5 s on 20,000 posts. Planning these few reads afresh
        # costs milliseconds.
        cypher = REPLAN + bundled(
            nodes, var, each, {"k": key, "accs": "accs", "ts": "ts", "ps": "ps"}
        )
        for k, accs, ts, ps in unbundle(
            graph.stream(cypher, {**params, "bundle": BUNDLE}), columns
        ):
            item = item_of(k)
            builder.add(item, accs, ts, ps)
            if item.startswith("url:"):
                previews[item] = k

    def final(key: str) -> str:
        if key.startswith("text:"):
            raw = key[len("text:") :]
            return text_item(text_cluster.get(raw, raw))
        return key

    by_item = builder.build(rename=final)
    return by_item, {k: v for k, v in previews.items() if k in by_item}


def load_accounts(graph: Graph, ids: set[str]) -> dict[str, AccountInfo]:
    rows = graph.read(
        f"MATCH (a:{A}) WHERE a.id IN $ids "
        f"OPTIONAL MATCH (a)-[:{rel_type('HAS_PROFILE_IMAGE')}]->(i:{IMG}) "
        "WITH a, i, CASE WHEN i IS NULL THEN 0 "
        f"ELSE COUNT {{ (i)<-[:{rel_type('HAS_PROFILE_IMAGE')}]-() }} END AS users "
        "RETURN a.id AS id, a.handle_norm AS h, a.created_at AS c, a.last_post_at AS q, "
        "i.key AS img, users, "
        f"EXISTS {{ (i)<-[:{rel_type('DEPICTS')}]-() }} OR "
        f"EXISTS {{ (i)-[:{ND}]-(:{IMG})<-[:{rel_type('DEPICTS')}]-() }} AS borrowed",
        {"ids": sorted(ids)},
        timeout=600,
    )
    out: dict[str, AccountInfo] = {}
    for r in rows:
        created = r["c"].to_native().date() if r["c"] is not None else None
        quiet = r["q"].to_native().date() if r["q"] is not None else None
        out[r["id"]] = AccountInfo(
            r["id"],
            r["h"] or "",
            created,
            r["img"],
            r["users"] or 0,
            bool(r["borrowed"]),
            quiet,
        )
    return out


# ---------------------------------------------------------------- writing


def group_id(members: list[str]) -> str:
    return "grp-" + hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()[:12]


def _write_edges(graph: Graph, edges: list[EdgeScore]) -> None:
    existing = {
        (r["a"], r["b"])
        for r in graph.stream(f"MATCH (x:{A})-[r:{CW}]->(y:{A}) RETURN x.id AS a, y.id AS b")
    }
    wanted = {(e.a, e.b) for e in edges}
    stale = [{"a": a, "b": b} for a, b in existing - wanted]
    for _ in graph.write_batches(
        f"UNWIND $rows AS row MATCH (x:{A} {{id: row.a}})-[r:{CW}]->(y:{A} {{id: row.b}}) DELETE r",
        _batches(stale),
    ):
        pass
    rows = [
        {
            "a": e.a,
            "b": e.b,
            "w": e.weight,
            "s": e.shared,
            "sig": e.signals,
            "scale": e.scale,
            "scales": e.scales,
            "lag": e.median_lag,
            "la": e.lead_a,
            "lb": e.lead_b,
        }
        for e in edges
    ]
    for _ in graph.write_batches(
        f"UNWIND $rows AS row MATCH (x:{A} {{id: row.a}}) MATCH (y:{A} {{id: row.b}}) "
        f"MERGE (x)-[r:{CW}]->(y) SET r.weight = row.w, r.shared = row.s, r.signals = row.sig, "
        "r.scale_seconds = row.scale, r.scales = row.scales, r.median_lag_seconds = row.lag, "
        "r.lead_share = row.la, r.other_lead_share = row.lb",
        _batches(rows),
    ):
        pass


def _write_groups(graph: Graph, groups: list[dict[str, Any]]) -> None:
    ids = [g["id"] for g in groups]
    graph.write(f"MATCH (g:{G}) WHERE NOT g.id IN $ids DETACH DELETE g", {"ids": ids})
    for g in groups:
        graph.write(
            f"MERGE (g:{G} {{id: $id}}) ON CREATE SET g.detected_at = datetime() "
            "SET g.size = $size, g.score = $score, g.signals = $signals, "
            "g.explanation = $explanation, g.evidence_json = $evidence "
            "WITH g "
            f"OPTIONAL MATCH (old:{A})-[r:{MO}]->(g) WHERE NOT old.id IN $members DELETE r "
            "WITH DISTINCT g "
            f"UNWIND $members AS m MATCH (a:{A} {{id: m}}) MERGE (a)-[:{MO}]->(g)",
            g,
        )
        graph.write(
            f"MATCH (g:{G} {{id: $id}}) OPTIONAL MATCH (g)-[r:{EV}]->(old:{IT}) "
            "WHERE NOT old.key IN $items DELETE r "
            "WITH DISTINCT g "
            f"UNWIND $items AS k MATCH (it:{IT} {{key: k}}) MERGE (g)-[:{EV}]->(it)",
            {"id": g["id"], "items": g["items"]},
        )


def _evidence(
    edges: list[EdgeScore],
    evidence: dict[tuple[str, str], PairEvidence],
    previews: dict[str, str],
    sharers: dict[str, int],
) -> list[dict[str, Any]]:
    """The shared items of a group's `edges` (in (a, b) order) with each member's post and
    time (closest first); a member's post on an item is the one its first pair names."""
    per_item: dict[str, dict[str, tuple[int, str]]] = {}
    for e in edges:
        ev = evidence.get((e.a, e.b))
        if ev is None:
            continue
        for item, (ta, tb, post_a, post_b) in ev.items.items():
            d = per_item.setdefault(item, {})
            d.setdefault(e.a, (ta, post_a))
            d.setdefault(e.b, (tb, post_b))
    ranked = sorted(
        per_item.items(),
        key=lambda kv: (
            -len(kv[1]),
            max(t for t, _ in kv[1].values()) - min(t for t, _ in kv[1].values()),
            kv[0],
        ),
    )
    out = []
    for item, posts in ranked:
        times = [t for t, _ in posts.values()]
        out.append(
            {
                "item": item,
                "kind": kind_of(item),
                "preview": previews.get(item),
                "sharers": sharers.get(item),
                "accounts": len(posts),
                "spread_seconds": max(times) - min(times),
                "posts": [
                    {"account_id": acc, "post_id": p, "at": t}
                    for acc, (t, p) in sorted(posts.items())
                ],
            }
        )
    return out


# ---------------------------------------------------------------- entry point


def write_shared_items(
    graph: Graph,
    *,
    max_phash_distance: int = 6,
    text_threshold: float = THRESHOLD,
    comments: bool = True,
    report: DetectionReport | None = None,
    step: Callable[[str, float], float] | None = None,
    budget: MemoryBudget | None = None,
) -> tuple[ItemActions, dict[str, str]]:
    """Steps 1 and 2: near-duplicate images, near-identical captions, and the `Item` nodes
    (`items.py`); returns every item's actions and previews for the scoring that follows."""
    report = report if report is not None else DetectionReport()

    def noop(_: str, t0: float) -> float:
        return time.perf_counter()

    step = step or noop
    ensure_schema(graph)
    t = time.perf_counter()
    report.images, report.near_duplicates, report.near_duplicate_edges, image_cluster = (
        write_near_duplicates(graph, max_phash_distance)
    )
    t = step("near_duplicates", t)

    check = budget.check if budget is not None else None
    captions = Captions(graph, caption_ranges(graph), check)
    text_cluster = text_clusters(captions.texts(), threshold=text_threshold, check=check)
    report.texts = captions.texts_read
    report.near_identical_texts = len(text_cluster)
    t = step("near_identical_texts", t)

    by_item, previews = load_item_actions(
        graph, image_cluster, text_cluster, comments=comments, check=check, captions=captions
    )
    previews.update(text_previews(graph, by_item, captions.known_texts()))
    report.actions = by_item.actions
    t = step("load_actions", t)

    report.items = write_items(graph, by_item, previews)
    step("items", t)
    return by_item, previews


def run_detection(
    graph: Graph,
    *,
    window_seconds: int | None = None,
    scales: tuple[int, ...] = SCALES,
    max_phash_distance: int = 6,
    text_threshold: float = THRESHOLD,
    min_shared: int = 2,
    min_edge_weight: float = 1.0,
    min_group_size: int = 3,
    min_group_score: float = 1.0,
    max_sharers: int = 200,
    quiet_tolerance_days: int = 3,
    seed: int = 42,
    resolution: float = 1.0,
    comments: bool = True,
    progress: bool = False,
    engine: str = "python",
    spark_master: str | None = None,
    memory_budget_mb: int | None = None,
) -> DetectionReport:
    """Write NEAR_DUPLICATE, Item/CARRIES, COORDINATED_WITH and Group/MEMBER_OF/EVIDENCE;
    same graph, same result. `window_seconds` restricts detection to that one time scale.
    `engine="spark"` finds the co-action pairs on Spark (`spark_engine.py`), same result.
    Past `memory_budget_mb` (default: 90 % of the available memory) it stops with
    `MemoryBudgetExceeded` between chunks rather than being killed (`budget.py`)."""
    if engine not in ("python", "spark"):
        raise ValueError(f"engine must be 'python' or 'spark' (got {engine!r})")
    use_scales = (window_seconds,) if window_seconds is not None else tuple(sorted(scales))
    if not use_scales or min(use_scales) <= 0:
        raise ValueError("time scales must be positive")
    report = DetectionReport(
        options={
            "scales": list(use_scales),
            "max_phash_distance": max_phash_distance,
            "text_threshold": text_threshold,
            "min_shared": min_shared,
            "min_edge_weight": min_edge_weight,
            "min_group_size": min_group_size,
            "min_group_score": min_group_score,
            "max_sharers": max_sharers,
            "quiet_tolerance_days": quiet_tolerance_days,
            "seed": seed,
            "resolution": resolution,
        }
    )

    budget = MemoryBudget(memory_budget_mb)

    def step(name: str, t0: float) -> float:
        release_memory()
        budget.check(name)
        now = time.perf_counter()
        report.seconds[name] = round(now - t0, 3)
        if progress:
            print(f"  {name}: {now - t0:.1f} s", flush=True)
        return now

    t = time.perf_counter()
    by_item, previews = write_shared_items(
        graph,
        max_phash_distance=max_phash_distance,
        text_threshold=text_threshold,
        comments=comments,
        report=report,
        step=step,
        budget=budget,
    )
    t = time.perf_counter()

    # Each candidate pair: its totals per scale, and its whole evidence at a scale.
    Candidate = tuple[Pair, Mapping[int, Totals], Callable[[int], PairEvidence]]
    candidates: list[Candidate] = []
    if engine == "spark":
        from cibgraph.detect.spark_engine import spark_co_actions

        pairs, sharers = spark_co_actions(
            by_item,
            max(use_scales),
            max_sharers=max_sharers,
            scales=use_scales,
            min_shared=min_shared,
            master=spark_master,
        )
        for pair, cas in sorted(pairs.items()):
            by_scale = {s: scale_evidence(cas, sharers, s) for s in use_scales}
            if max(ev.shared for ev in by_scale.values()) >= min_shared:
                candidates.append((pair, by_scale, by_scale.__getitem__))
        del pairs
    else:
        cols = co_action_columns(
            by_item,
            max(use_scales),
            max_sharers=max_sharers,
            scales=use_scales,
            check=budget.check,
        )
        sharers = by_item.sharer_counts()
        table = PairTable(cols, by_item, use_scales, min_shared)
        del cols
        for n, pair in enumerate(table.pairs):
            candidates.append((pair, table.totals(n), partial(table.evidence, n)))
        del table  # the candidates hold it, and let it go with them
    report.candidate_pairs = len(candidates)
    t = step("co_posting", t)

    accounts = load_accounts(graph, {x for pair, _, _ in candidates for x in pair})
    items_of = by_item.items_of(accounts)
    none = np.zeros(0, dtype=np.int64)
    edges = []
    best: dict[tuple[str, str], PairEvidence] = {}
    for (a, b), per_scale, evidence in candidates:
        if a not in accounts or b not in accounts:
            continue
        ever = len(np.intersect1d(items_of.get(a, none), items_of.get(b, none), assume_unique=True))
        parts = edge_parts(accounts[a], accounts[b], per_scale, ever=ever)
        # the thresholds need only the totals: a pair below them builds no evidence (about
        # half the candidates on 2.5 million posts)
        if edge_weight(parts) < min_edge_weight or per_scale[parts[0]].shared < min_shared:
            continue
        e = score_edge(
            accounts[a],
            accounts[b],
            per_scale,
            evidence=evidence,
            min_edge_weight=min_edge_weight,
            parts=parts,
        )
        edges.append(e)
        best[(a, b)] = evidence(e.scale)
    del candidates
    report.coordination_edges = len(edges)
    _write_edges(graph, edges)
    t = step("coordination_graph", t)

    end_rows = graph.read(f"MATCH (a:{A}) RETURN max(a.last_post_at) AS end")
    data_end = end_rows[0]["end"].to_native().date() if end_rows[0]["end"] is not None else None
    groups: list[dict[str, Any]] = []
    communities = leiden_communities(edges, seed=seed, resolution=resolution)
    # Each community's edges, in (a, b) order (edges come sorted, members are sorted), not
    # a look-up per pair of members: a group of 1,106 has 611,065 such pairs.
    community_of = {m: n for n, members in enumerate(communities) for m in members}
    inner_of: dict[int, list[EdgeScore]] = {}
    for e in edges:
        if community_of[e.a] == community_of[e.b]:
            inner_of.setdefault(community_of[e.a], []).append(e)
    for n, members in enumerate(communities):
        if len(members) < min_group_size:
            continue
        inner = inner_of.get(n, [])
        gs = score_group(
            [accounts[m] for m in members],
            inner,
            best,
            sharers,
            data_end,
            quiet_tolerance_days=quiet_tolerance_days,
        )
        if gs.score < min_group_score:
            continue
        evidence_items = _evidence(inner, best, previews, sharers)
        groups.append(
            {
                "id": group_id(members),
                "members": members,
                "size": len(members),
                "score": gs.score,
                "signals": gs.signals,
                "explanation": gs.explanation,
                "items": sorted(x["item"] for x in evidence_items),
                "evidence": json.dumps(
                    {"facts": gs.facts, "items": evidence_items},
                    sort_keys=True,
                    default=_json_default,
                ),
            }
        )
    _write_groups(graph, groups)
    # group ids change with membership: verdicts follow their groups (verdicts.py)
    carry_verdicts(graph)
    report.groups = len(groups)
    report.grouped_accounts = sum(g["size"] for g in groups)
    step("groups", t)
    report.peak_rss_mb = round(budget.peak_rss() / 2**20, 1)
    return report


def _json_default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
