"""A small planted graph for the stored queries and detection: what is planted, and the decoys.

Written straight into Neo4j with parameterised Cypher following docs/model.md,
so the detection tests depend on the model, not on a loader.

Planted:
  - c1, c2, c3: a coordinated trio. Created the same day, went quiet the same
    day, similar handles, the same (non-default) profile photo; they post four
    rare images X1..X4 within seconds of each other (c3's copy of X2 is a
    manipulated near duplicate), the same text twice and the same URL.
    c1's profile photo is a near duplicate of a reference image (borrowed).
    c1 bought ads from an unregistered sponsor.
  - s1: a successor, first posting after the trio went quiet, re-posting X0, X2, X3.
  - c1 is hyper-devoted to #ourvoice.
Decoys:
  - f1..f6: genuine fans who repost three viral memes within a minute of each
    other (co-share counting flags them), share a default avatar with many
    others, were created on different days.
  - f1 posts 30 times but only half with #ourvoice; f2 bought ads from a
    registered sponsor written in another case and punctuation.
  - f3's profile photo is far (20 bits) from the other reference image.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

BASE = datetime(2019, 3, 10, 12, 0, 0, tzinfo=UTC)
END = datetime(2019, 9, 1, 12, 0, 0, tzinfo=UTC)
QUIET = datetime(2019, 6, 1, 9, 0, 0, tzinfo=UTC)

COORDINATED = ["t:c1", "t:c2", "t:c3"]
FANS = [f"t:f{i}" for i in range(1, 7)]
SUCCESSOR = "t:s1"
DEFAULT_AVATAR_USERS = 65  # more than shared_profile_photos' max_accounts

PH_X = [0x0F0F0F0F0F0F0F0F, 0x3333333333333333, 0x5555555555555555, 0x00FF00FF00FF00FF]
PH_X2_COPY = PH_X[1] ^ 0b101  # 2 bits apart
PH_REF1 = 0x123456789ABCDEF0
PH_C1_PHOTO = PH_REF1 ^ 0b111  # 3 bits apart: borrowed
PH_REF2 = 0x0FEDCBA987654321
PH_F3_PHOTO = PH_REF2 ^ 0xFFFFF  # 20 bits apart: not borrowed
PH_MEMES = [0x7777000077770000, 0x1111222233334444, 0x5A5A5A5A00000000]


def signed(h: int) -> int:
    return h - (1 << 64) if h >= 1 << 63 else h


def image(key: str, ph: int | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {}
    if ph is not None:
        props = {"phash": f"{ph:016x}", "phash_int": signed(ph)}
    return {"key": key, "props": props}


def plant(graph: Any) -> None:
    accounts: list[dict[str, Any]] = []
    handles = {"t:c1": "anna.weber91", "t:c2": "anna_weber92", "t:c3": "annaweber_93"}
    for acc in COORDINATED:
        accounts.append(
            {
                "id": acc,
                "handle": handles[acc],
                "created_at": datetime(2019, 3, 2, 8, tzinfo=UTC),
                "img": "sha256:" + "c" * 64 if acc != "t:c1" else "phash:c1photo",
                "ph": PH_C1_PHOTO if acc == "t:c1" else None,
            }
        )
    # c2 and c3 share one photo; c1 uses the borrowed one
    fan_names = ["sunny_days", "jo.bloggs", "mike77", "lara_k", "peter.pan", "q_u_e"]
    for i, acc in enumerate(FANS):
        accounts.append(
            {
                "id": acc,
                "handle": fan_names[i],
                "created_at": datetime(2015 + i, 1 + i, 3, tzinfo=UTC),
                "img": "sha256:" + "d" * 64 if acc != "t:f3" else "phash:f3photo",
                "ph": PH_F3_PHOTO if acc == "t:f3" else None,
            }
        )
    accounts.append(
        {
            "id": SUCCESSOR,
            "handle": "newvoice_2019",
            "created_at": datetime(2019, 6, 10, tzinfo=UTC),
            "img": None,
            "ph": None,
        }
    )
    for k in range(DEFAULT_AVATAR_USERS - 5):
        accounts.append(
            {
                "id": f"t:lurker{k}",
                "handle": f"lurker{k}",
                # three lurkers share a creation day but nothing else: a raw cohort only
                "created_at": datetime(2016, 1, 1, tzinfo=UTC) + timedelta(days=max(0, k - 2)),
                "img": "sha256:" + "d" * 64,
                "ph": None,
            }
        )
    for a in accounts:
        a["handle_norm"] = a["handle"].lower()
        a["platform"] = "twitter"
    graph.write(
        "UNWIND $rows AS r MERGE (a:Account {id: r.id}) "
        "SET a.handle = r.handle, a.handle_norm = r.handle_norm, a.created_at = r.created_at, "
        "a.platform = r.platform "
        "FOREACH (_ IN CASE WHEN r.img IS NULL THEN [] ELSE [1] END | "
        "  MERGE (i:Image {key: r.img}) "
        "  FOREACH (__ IN CASE WHEN r.ph IS NULL THEN [] ELSE [1] END | "
        "    SET i.phash = r.phhex, i.phash_int = r.phint) "
        "  MERGE (a)-[:HAS_PROFILE_IMAGE]->(i))",
        {
            "rows": [
                {
                    **a,
                    "phhex": f"{a['ph']:016x}" if a["ph"] is not None else None,
                    "phint": signed(a["ph"]) if a["ph"] is not None else None,
                }
                for a in accounts
            ]
        },
    )
    refs = [
        {"id": "ref1", "source": "stock-photo-site/model-42", "key": "phash:ref1", "ph": PH_REF1},
        {"id": "ref2", "source": "news-site/portrait", "key": "phash:ref2", "ph": PH_REF2},
    ]
    graph.write(
        "UNWIND $rows AS r MERGE (x:ReferenceImage {id: r.id}) SET x.source = r.source "
        "MERGE (i:Image {key: r.key}) SET i.phash = r.hex, i.phash_int = r.int "
        "MERGE (x)-[:DEPICTS]->(i)",
        {"rows": [{**r, "hex": f"{r['ph']:016x}", "int": signed(r["ph"])} for r in refs]},
    )

    posts: list[dict[str, Any]] = []

    def post(
        pid: str,
        acc: str,
        at: datetime,
        *,
        img: dict[str, Any] | None = None,
        text_key: str | None = None,
        url: str | None = None,
        tags: list[str] | None = None,
        interactions: int = 0,
    ) -> None:
        posts.append(
            {
                "id": pid,
                "account_id": acc,
                "posted_at": at,
                "img": img,
                "text_key": text_key,
                "url": url,
                "tags": tags or [],
                "interactions": interactions,
            }
        )

    # the trio: four rare images, seconds apart, on different days
    for n, ph in enumerate(PH_X):
        t0 = BASE + timedelta(days=7 * n)
        for k, acc in enumerate(COORDINATED):
            key = f"sha256:{n:02d}{k:062d}"
            use = PH_X2_COPY if (n == 1 and acc == "t:c3") else ph
            if n != 1 or acc != "t:c3":
                key = f"phash:x{n}"
            post(f"{acc}:x{n}", acc, t0 + timedelta(seconds=5 * k), img=image(key, use))
    for n in range(2):
        for k, acc in enumerate(COORDINATED):
            post(
                f"{acc}:t{n}",
                acc,
                BASE + timedelta(days=3 + n, seconds=3 * k),
                text_key=f"tk-campaign-{n}",
                url="https://example.org/campaign",
            )
    # c1: hyper-devoted; last posts before QUIET
    for n in range(100):
        post(
            f"t:c1:d{n}",
            "t:c1",
            BASE + timedelta(days=40, hours=n),
            tags=["ourvoice"],
            interactions=50 if n < 18 else 1,
        )
    for acc in COORDINATED:
        post(f"{acc}:last", acc, QUIET + timedelta(minutes=COORDINATED.index(acc)))
    # the successor re-posts two of the trio's rare images after they went quiet
    post(f"{SUCCESSOR}:1", SUCCESSOR, QUIET + timedelta(days=14), img=image("phash:x0", PH_X[0]))
    post(f"{SUCCESSOR}:2", SUCCESSOR, QUIET + timedelta(days=15), img=image("phash:x2", PH_X[2]))
    post(f"{SUCCESSOR}:3", SUCCESSOR, QUIET + timedelta(days=16), img=image("phash:x3", PH_X[3]))
    post(f"{SUCCESSOR}:4", SUCCESSOR, END - timedelta(days=1))
    # fans: three viral memes, reposted within a minute by every fan (and the trio)
    for n, ph in enumerate(PH_MEMES):
        t0 = BASE + timedelta(days=60 + n)
        for k, acc in enumerate(FANS + COORDINATED):
            post(f"{acc}:m{n}", acc, t0 + timedelta(seconds=8 * k), img=image(f"phash:m{n}", ph))
    # f1: active but not devoted
    for n in range(30):
        post(
            f"t:f1:d{n}",
            "t:f1",
            BASE + timedelta(days=2, hours=n),
            tags=["ourvoice"] if n % 2 else ["cats"],
            interactions=10,
        )
    for acc in FANS:
        post(f"{acc}:end", acc, END - timedelta(hours=FANS.index(acc)))
    graph.write(
        "UNWIND $rows AS r "
        "MATCH (a:Account {id: r.account_id}) "
        "MERGE (p:Post {id: r.id}) SET p.posted_at = r.posted_at, p.text_key = r.text_key, "
        "p.interactions = r.interactions "
        "MERGE (a)-[:POSTED]->(p) "
        "FOREACH (_ IN CASE WHEN r.img IS NULL THEN [] ELSE [1] END | "
        "  MERGE (i:Image {key: r.img.key}) SET i += r.img.props MERGE (p)-[:HAS_MEDIA]->(i)) "
        "FOREACH (u IN CASE WHEN r.url IS NULL THEN [] ELSE [r.url] END | "
        "  MERGE (x:Url {url: u}) MERGE (p)-[:LINKS_TO]->(x)) "
        "FOREACH (t IN r.tags | MERGE (h:Hashtag {name: t}) MERGE (p)-[:TAGGED]->(h))",
        {"rows": posts},
    )
    graph.write(
        "MATCH (a:Account)-[:POSTED]->(p:Post) "
        "WITH a, min(p.posted_at) AS f, max(p.posted_at) AS l "
        "SET a.first_post_at = f, a.last_post_at = l"
    )
    # sponsors and ads
    graph.write(
        "MERGE (s:Sponsor {name_norm: 'citizens for clean air inc'}) "
        "SET s.name = 'Citizens for Clean Air, Inc.', s.registered = true "
        "MERGE (u:Sponsor {name_norm: 'patriot voice media'}) "
        "SET u.name = 'Patriot Voice Media', u.registered = false "
        "WITH s, u "
        "MATCH (c1:Account {id: 't:c1'}), (f2:Account {id: 't:f2'}) "
        "MERGE (a1:Ad {id: 'ad1'}) SET a1.spend = 100.0, a1.currency = 'USD' "
        "MERGE (a2:Ad {id: 'ad2'}) SET a2.spend = 50.5, a2.currency = 'USD' "
        "MERGE (a3:Ad {id: 'ad3'}) SET a3.spend = 999.0, a3.currency = 'USD' "
        "MERGE (c1)-[:BOUGHT]->(a1) MERGE (a1)-[:SPONSORED_BY]->(u) "
        "MERGE (c1)-[:BOUGHT]->(a2) MERGE (a2)-[:SPONSORED_BY]->(u) "
        "MERGE (f2)-[:BOUGHT]->(a3) MERGE (a3)-[:SPONSORED_BY]->(s)"
    )
