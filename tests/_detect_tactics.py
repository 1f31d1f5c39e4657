"""A planted graph for detection v2: tactics at other time scales, and the traps beside them.

Written straight into Neo4j with parameterised Cypher following docs/model.md.

Planted:
  - E1..E4, a scheduler: 12 pictures of their own, each posted to E1, E2, E3, E4 in that
    order, 5 minutes apart (never within a minute of each other). The block goes quiet over
    four days (last posts one day apart), a month before the end of the data.
  - F1..F4, a copy-paste crew: 10 captions, each lightly edited per account (case, an
    emoji, a word swapped, another hashtag tail), on a different picture each time, within
    25 minutes in no fixed order.
Traps:
  - N0..N149 and heavy posters H1, H2: 12 news cascades, each 60 of the N accounts plus both
    heavy posters posting the same photo (or re-encoded copies two bits away) within ten
    minutes.
  - C0..C119: 3 chain letters copied, with small edits or exactly, over three days.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from cibgraph.detect.synth import _paraphrase, _sentence
from cibgraph.ingest.normalise import text_key

BASE = datetime(2020, 1, 6, 9, 0, 0, tzinfo=UTC)
END = BASE + timedelta(days=120)
SCHEDULER = [f"x:e{i}" for i in range(1, 5)]
CREW = [f"x:f{i}" for i in range(1, 5)]
HEAVY = ["x:h1", "x:h2"]
NEWS = [f"x:n{i}" for i in range(150)]
CHAIN = [f"x:c{i}" for i in range(120)]
QUIET_FROM = BASE + timedelta(days=80)


def signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


def plant(graph: Any, seed: int = 5) -> None:
    rng = random.Random(seed)
    accounts = SCHEDULER + CREW + HEAVY + NEWS + CHAIN
    graph.write(
        "UNWIND $rows AS r MERGE (a:Account {id: r.id}) SET a.handle = r.h, a.handle_norm = r.h, "
        "a.platform = 'x', a.created_at = r.c",
        {
            "rows": [
                {"id": a, "h": a.replace("x:", "user_"), "c": BASE - timedelta(days=400 + i)}
                for i, a in enumerate(accounts)
            ]
        },
    )
    posts: list[dict[str, Any]] = []

    def post(acc: str, at: datetime, *, ph: int | None = None, text: str | None = None) -> None:
        n = len(posts)
        img = None
        if ph is not None:
            img = {"key": f"phash:{ph:016x}", "hex": f"{ph:016x}", "int": signed(ph)}
        elif text is not None:
            img = {"key": f"sha256:{n:064x}", "hex": None, "int": None}  # a picture of its own
        posts.append(
            {
                "id": f"{acc}:p{n}",
                "acc": acc,
                "at": at,
                "img": img,
                "text": text,
                "tk": text_key(text),
            }
        )

    for k in range(12):
        ph = rng.getrandbits(64)
        t0 = BASE + timedelta(days=3 + 6 * k, hours=rng.randint(0, 10))
        for j, acc in enumerate(SCHEDULER):
            post(acc, t0 + timedelta(minutes=5 * j, seconds=rng.randint(0, 20)), ph=ph)
    for j, acc in enumerate(SCHEDULER):  # the block goes quiet over four days
        post(acc, QUIET_FROM + timedelta(days=j, hours=2), ph=rng.getrandbits(64))
    for k in range(10):
        base = _sentence(rng, 14)
        t0 = BASE + timedelta(days=2 + 9 * k, hours=15)
        for acc in CREW:
            post(acc, t0 + timedelta(seconds=rng.randint(0, 1500)), text=_paraphrase(rng, base))
    for k in range(12):
        ph = rng.getrandbits(64)
        t0 = BASE + timedelta(days=5 + 8 * k, hours=12)
        for acc in HEAVY + rng.sample(NEWS, 60):
            copy = ph ^ (1 << rng.randrange(64)) ^ (1 << rng.randrange(64))
            post(acc, t0 + timedelta(seconds=rng.randint(0, 600)), ph=copy)
    for k in range(3):
        base = _sentence(rng, 25)
        t0 = BASE + timedelta(days=10 + 30 * k)
        for acc in CHAIN:
            text = base if rng.random() < 0.3 else _paraphrase(rng, base)
            post(acc, t0 + timedelta(seconds=rng.randint(0, 3 * 86400)), text=text)
    for acc in CREW + HEAVY + NEWS[:3]:  # the data runs on after the block went quiet
        post(acc, END - timedelta(hours=rng.randint(1, 48)), ph=rng.getrandbits(64))

    for _ in graph.write_batches(
        "UNWIND $rows AS r MATCH (a:Account {id: r.acc}) "
        "MERGE (p:Post {id: r.id}) SET p.posted_at = r.at, p.text = r.text, p.text_key = r.tk "
        "MERGE (a)-[:POSTED]->(p) "
        "FOREACH (i IN CASE WHEN r.img IS NULL THEN [] ELSE [r.img] END | "
        "  MERGE (im:Image {key: i.key}) SET im.phash = i.hex, im.phash_int = i.int "
        "  MERGE (p)-[:HAS_MEDIA]->(im))",
        [posts[i : i + 2000] for i in range(0, len(posts), 2000)],
    ):
        pass
    graph.write(
        "MATCH (a:Account)-[:POSTED]->(p:Post) "
        "WITH a, min(p.posted_at) AS f, max(p.posted_at) AS l "
        "SET a.first_post_at = f, a.last_post_at = l"
    )
