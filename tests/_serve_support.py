"""Small graphs and a catalogue for the API, view and browser tests (per docs/model.md)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

XSS_BIO = "<img src=x onerror=alert(1)>"
READER_KEY = "reader-key-0123456789abcdef"
ADMIN_KEY = "admin-key-0123456789abcdef"

ACCOUNTS = [
    # id, handle, bio, group
    ("x:1", "alpha", XSS_BIO, "g1"),
    ("x:2", "bravo", "plain bio", "g1"),
    ("x:3", "charlie", 'quote " and \\ backslash', "g1"),
    ("x:4", "delta", "", "g2"),
    ("x:5", "echo", "", "g2"),
    ("x:6", "foxtrot", "", None),
]
PAIRS = [("x:1", "x:2", 5), ("x:1", "x:3", 3), ("x:2", "x:3", 2), ("x:4", "x:5", 4)]

SEED = """
UNWIND $accounts AS a
CREATE (acc:Account {id: a.id, handle: a.handle, handle_norm: a.handle, platform: 'x',
                     bio: a.bio, followers: 10, created_at: datetime('2024-01-01T00:00:00Z')})
WITH acc, a
UNWIND range(1, 3) AS i
CREATE (acc)-[:POSTED]->(:Post {id: a.id + ':p' + i, platform: 'x', text: 'buy now ' + i,
        text_key: 'k' + i, posted_at: datetime('2024-02-01T00:00:00Z') + duration({minutes: i}),
        likes: i, comments: 0, shares: 0, interactions: i, is_repost: false})
"""
SEED_TAGS = """
MATCH (p:Post) WHERE p.id ENDS WITH ':p1'
MERGE (h:Hashtag {name: 'campaign'})
CREATE (p)-[:TAGGED]->(h)
"""
SEED_PAIRS = """
UNWIND $pairs AS pr
MATCH (a:Account {id: pr[0]}), (b:Account {id: pr[1]})
CREATE (a)-[:COORDINATED_WITH {weight: pr[2], shared: pr[2], signals: ['same_text']}]->(b)
"""
SEED_GROUPS = """
UNWIND $groups AS g
CREATE (grp:Group {id: g.id, size: size(g.members), score: g.score, signals: ['same_text'],
                   explanation: g.explanation, evidence_json: g.evidence,
                   detected_at: datetime('2024-03-01T00:00:00Z')})
WITH grp, g
UNWIND g.members AS m
MATCH (a:Account {id: m})
CREATE (a)-[:MEMBER_OF]->(grp)
"""


def seed(graph: Any) -> None:
    graph.write(SEED, {"accounts": [{"id": i, "handle": h, "bio": b} for i, h, b, _ in ACCOUNTS]})
    graph.write(SEED_TAGS)
    graph.write(SEED_PAIRS, {"pairs": [list(p) for p in PAIRS]})
    groups = [
        {
            "id": "g1",
            "score": 0.9,
            "members": ["x:1", "x:2", "x:3"],
            "explanation": "three accounts posting <b>identical</b> text",
            "evidence": '[{"signal": "same_text", "detail": "<script>alert(2)</script>"}]',
        },
        {
            "id": "g2",
            "score": 0.4,
            "members": ["x:4", "x:5"],
            "explanation": "two accounts",
            "evidence": '{"same_text": 3}',
        },
    ]
    graph.write(SEED_GROUPS, {"groups": groups})


PAIRS_QUERY = """// name: coordinated_pairs
// description: Account pairs linked by coordination, strongest first.
// param: min_weight int = 1 [0..1000000] : smallest weight to show
// columns: account_id, other_account_id, weight
// view: pairs account_id other_account_id weight=weight
MATCH (a:Account)-[c:COORDINATED_WITH]->(b:Account)
WHERE c.weight >= $min_weight
RETURN a.id AS account_id, b.id AS other_account_id, c.weight AS weight
ORDER BY weight DESC, account_id, other_account_id
"""

ACCOUNTS_QUERY = """// name: accounts_by_handle
// description: Accounts whose handle starts with a prefix.
// param: prefix str = "" : handle prefix
// param: since datetime = 2000-01-01T00:00:00Z : created at or after
// columns: account_id, handle
MATCH (a:Account)
WHERE a.handle STARTS WITH $prefix AND a.created_at >= $since
RETURN a.id AS account_id, a.handle AS handle
ORDER BY account_id
"""


def write_catalogue(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "coordinated_pairs.cypher").write_text(PAIRS_QUERY, encoding="utf-8")
    (folder / "accounts_by_handle.cypher").write_text(ACCOUNTS_QUERY, encoding="utf-8")
    return folder


def api_settings(base: Any, **extra: Any) -> Any:
    """The test server's settings plus API keys."""
    values = {"CIBGRAPH_API_KEYS": f"{READER_KEY}:reader,{ADMIN_KEY}:admin", **extra}
    return base.model_copy(
        update={
            "api_keys": values["CIBGRAPH_API_KEYS"],
            "cors_origins": values.get("CIBGRAPH_CORS_ORIGINS", ""),
        }
    )


# Debian's Chromium only (no downloaded browser); without the background-networking
# flags it tries to reach Google's hosts at every start.
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def live_server(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    """The app under a real uvicorn server on a free loopback port; yields its base URL."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


def give_group_its_items(graph: Any) -> None:
    """The seeded group was written by hand: give it the shared items `detect` would count
    (its members' texts; hashtags are context, not items)."""
    from cibgraph.detect.pipeline import write_shared_items

    write_shared_items(graph)
    graph.write(
        "MATCH (g:Group {id: 'g1'})<-[:MEMBER_OF]-(:Account)-[:POSTED]->(:Post)"
        "-[:CARRIES]->(it:Item) MERGE (g)-[:EVIDENCE]->(it)"
    )
