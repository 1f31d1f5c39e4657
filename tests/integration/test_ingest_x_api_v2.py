"""`x-api-v2`: twarc2 raw response pages and `twarc2 flatten` lines, on the real server."""

from __future__ import annotations

import json
from pathlib import Path

from _adapter_support import FIXTURES, load, load_twice, one, rejects

from cibgraph.ingest.images import sha256_file

DIR = FIXTURES / "x_api_v2"


def _expected() -> tuple[set[str], set[str]]:
    users: set[str] = set()
    tweets: set[str] = set()
    for line in (DIR / "search_raw.jsonl").read_text().splitlines():
        page = json.loads(line)
        users |= {u["username"].lower() for u in page["includes"]["users"]}
        tweets |= {t["id"] for t in page["data"] + page["includes"]["tweets"]}
    for line in (DIR / "flattened.jsonl").read_text().splitlines():
        t = json.loads(line)
        users.add(t["author"]["username"].lower())
        tweets.add(t["id"])
        for ref in t.get("referenced_tweets", []):
            users.add(ref["author"]["username"].lower())
            tweets.add(ref["id"])
    return users, tweets


def test_raw_pages_and_flattened_lines_load_and_reload_unchanged(graph) -> None:  # type: ignore[no-untyped-def]
    users, tweets = _expected()
    report = load_twice(graph, DIR, "x-api-v2")
    assert report.rejected == 0
    assert one(graph, "MATCH (a:Account) WHERE a.stub IS NULL RETURN count(a)") == len(users)
    assert one(graph, "MATCH (p:Post) WHERE p.stub IS NULL RETURN count(p)") == len(tweets)
    user = graph.read("MATCH (a:Account {id: 'twitter:voiceofpatriots'}) RETURN a")[0]["a"]
    assert (user["followers"], user["following"], user["post_count"]) == (120, 900, 45)
    assert user["created_at"].iso_format().startswith("2024-08-01T09:00:00")
    assert user["user_id"] == "1111111111" and user["bio"] == "Secure the vote."
    reposts = graph.read(
        "MATCH (a:Account)-[:POSTED]->(:Post)-[:REPOST_OF]->(o:Post {id: $id}) "
        "RETURN a.id AS a ORDER BY a",
        {"id": "twitter:1800000000000000001"},
    )
    assert [r["a"] for r in reposts] == ["twitter:amplifier_01", "twitter:amplifier_02"]
    reply = one(
        graph,
        "MATCH (:Post {id: 'twitter:1800000000000000003'})-[:REPLY_TO]->(o:Post) RETURN o.id",
    )
    assert reply == "twitter:1800000000000000001"
    assert (
        one(graph, "MATCH (p:Post {id: 'twitter:1800000000000000004'}) RETURN p.quote_of")
        == "twitter:1800000000000000001"
    )
    orig = graph.read(
        "MATCH (p:Post {id: 'twitter:1800000000000000001'}) "
        "OPTIONAL MATCH (p)-[:TAGGED]->(h:Hashtag) OPTIONAL MATCH (p)-[:MENTIONS]->(m:Account) "
        "OPTIONAL MATCH (p)-[:LINKS_TO]->(u:Url) OPTIONAL MATCH (p)-[:HAS_MEDIA]->(i:Image) "
        "RETURN collect(DISTINCT h.name) AS tags, collect(DISTINCT m.id) AS mentions, "
        "collect(DISTINCT u.url) AS urls, collect(DISTINCT i) AS images, p.likes AS likes"
    )[0]
    assert orig["tags"] == ["securethevote"] and orig["mentions"] == ["twitter:newsdesk"]
    assert orig["urls"] == ["https://patriotvoice.example/join"]  # the photo link is media
    assert orig["likes"] == 10
    # The photo saved beside the JSONL is hashed.
    [image] = orig["images"]
    assert image["sha256"] == sha256_file(DIR / "media" / "3_1800000000000000101.png")
    assert len(image["phash"]) == 16


def test_broken_lines_are_rejected_with_line_and_path(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = json.loads((DIR / "search_raw.jsonl").read_text().splitlines()[0])
    bad_time = json.loads(json.dumps(page))
    bad_time["data"][1]["created_at"] = "03/09/2024 13:00"
    orphan = json.loads(json.dumps(page))
    orphan["data"] = [dict(orphan["data"][0], id="1800000000000000099", author_id="999")]
    orphan["includes"]["tweets"] = []
    huge = json.loads(json.dumps(page))
    huge["data"] = [dict(huge["data"][0], id="1800000000000000098", text="x" * 1_000_000)]
    huge["includes"]["tweets"] = []
    lines = [
        json.dumps(bad_time).encode(),
        json.dumps(orphan).encode(),
        json.dumps(page).encode()[:300],  # truncated
        json.dumps({"data": [], "includes": {}, "meta": {"result_count": 0}})
        .encode()
        .replace(b"result_count", b"result_\xffcount"),
        json.dumps(huge).encode(),
    ]
    (tmp_path / "tweets.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = load(graph, tmp_path, "x-api-v2")
    assert rejects(report) == {
        ("tweets.jsonl", 1, "data[1].created_at"),
        ("tweets.jsonl", 2, "data[0].author_id"),
        ("tweets.jsonl", 3, ""),
        ("tweets.jsonl", 4, ""),
    }
    reasons = {r.line: r.reason for r in report.rejects}
    assert "truncated" in reasons[3] and "not UTF-8" in reasons[4]
    assert "999" in reasons[2]
    # Kept: the retweet and the original from line 1, the huge tweet whole.
    assert one(graph, "MATCH (p:Post) WHERE p.stub IS NULL RETURN count(p)") == 3
    size = one(graph, "MATCH (p:Post {id: 'twitter:1800000000000000098'}) RETURN size(p.text)")
    assert size == 1_000_000
