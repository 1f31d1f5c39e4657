"""`bluesky`: Jetstream events (commits, identities), on the real server."""

from __future__ import annotations

import json
from pathlib import Path

from _adapter_support import FIXTURES, load, load_twice, one, rejects

from cibgraph.ingest.images import sha256_file

DIR = FIXTURES / "bluesky"
A = "bluesky:did:plc:ewvi7nxzyoun6zhxrhs64oiz"
POST = "bluesky:at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l3qo2vuowo2b"
CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


def _events() -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in (DIR / "jetstream.jsonl").read_text().splitlines()]


def _creates(collection: str) -> int:
    return sum(
        1
        for e in _events()
        if e["kind"] == "commit"
        and e["commit"]["operation"] == "create"
        and e["commit"]["collection"] == collection
    )


def test_jetstream_events_load_and_reload_unchanged(graph) -> None:  # type: ignore[no-untyped-def]
    events = _events()
    dids = {e["did"] for e in events if e["kind"] in ("commit", "identity")}
    report = load_twice(graph, DIR, "bluesky")
    assert report.rejected == 0
    posts = _creates("app.bsky.feed.post") + _creates("app.bsky.feed.repost")
    assert report.loaded == {
        "accounts": len(dids),
        "posts": posts,
        "interactions": _creates("app.bsky.feed.like"),
        "follows": _creates("app.bsky.graph.follow"),
    }
    acc = graph.read(
        "MATCH (a:Account {id: $id})-[:HAS_PROFILE_IMAGE]->(i:Image) RETURN a, i", {"id": A}
    )
    assert acc[0]["a"]["handle"] == "patriotvoice.bsky.social"
    assert acc[0]["a"]["display_name"] == "Patriot Voice"
    assert acc[0]["i"]["sha256"] == sha256_file(next((DIR / "blobs").glob(f"{CID}*")))
    post = graph.read(
        "MATCH (p:Post {id: $id}) OPTIONAL MATCH (p)-[:TAGGED]->(h:Hashtag) "
        "OPTIONAL MATCH (p)-[:MENTIONS]->(m:Account) OPTIONAL MATCH (p)-[:LINKS_TO]->(u:Url) "
        "OPTIONAL MATCH (p)-[:HAS_MEDIA]->(i:Image) RETURN p, collect(DISTINCT h.name) AS tags, "
        "collect(DISTINCT m.id) AS mentions, collect(DISTINCT u.url) AS urls, "
        "collect(DISTINCT i.sha256) AS images",
        {"id": POST},
    )[0]
    assert post["tags"] == ["securethevote"]
    assert post["mentions"] == ["bluesky:did:plc:z72i7hdynmk6r22z27h6tvur"]  # by its handle
    assert post["urls"] == ["https://patriotvoice.example/join"]
    assert post["images"] == [acc[0]["i"]["sha256"]]  # the same blob: one image
    assert post["p"]["language"] == "en"
    assert (
        one(graph, "MATCH (:Post)-[:REPOST_OF]->(p:Post {id: $id}) RETURN count(*)", id=POST) == 1
    )
    reply = graph.read("MATCH (r:Post)-[:REPLY_TO]->(:Post {id: $id}) RETURN r", {"id": POST})
    assert reply[0]["r"]["posted_at"].iso_format().startswith("2024-09-03T10:05:00")  # +02:00
    assert one(graph, "MATCH (:Account)-[l:LIKED]->(:Post {id: $id}) RETURN count(l)", id=POST) == 1
    assert (
        one(graph, "MATCH (:Account)-[f:FOLLOWS]->(:Account {id: $id}) RETURN count(f)", id=A) == 1
    )
    keyed = one(
        graph,
        "MATCH (i:Image {key: $key}) RETURN count(i)",
        key="bluesky-blob:bafkreiaaaanotsavedbesidetheexport",
    )
    assert keyed == 1


def test_broken_events_rejected_by_line_and_path(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    events = _events()
    post = next(
        e for e in events if e["kind"] == "commit" and e["commit"]["collection"].endswith("post")
    )
    bad_time = json.loads(json.dumps(post))
    bad_time["commit"]["rkey"] = "badtime"
    bad_time["commit"]["record"]["createdAt"] = "yesterday"
    no_did = json.loads(json.dumps(post))
    del no_did["did"]
    huge = json.loads(json.dumps(post))
    huge["commit"]["rkey"] = "huge"
    huge["commit"]["record"]["text"] = "y" * 1_000_000
    huge["commit"]["record"].pop("facets")
    lines = [
        json.dumps(events[0]).encode(),
        json.dumps(post).encode(),
        json.dumps(bad_time).encode(),
        json.dumps(no_did).encode(),
        json.dumps(post).encode()[:120],
        json.dumps(dict(post, commit=dict(post["commit"], rkey="latin")), ensure_ascii=False)
        .encode()
        .replace(b"Secure", b"S\xe9cure", 1),
        json.dumps(huge).encode(),
    ]
    (tmp_path / "jetstream.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = load(graph, tmp_path, "bluesky")
    assert rejects(report) == {
        ("jetstream.jsonl", 3, "commit.record.createdAt"),
        ("jetstream.jsonl", 4, "did"),
        ("jetstream.jsonl", 5, ""),
        ("jetstream.jsonl", 6, ""),
    }
    reasons = {r.line: r.reason for r in report.rejects}
    assert "truncated" in reasons[5] and "not UTF-8" in reasons[6] and "yesterday" in reasons[3]
    assert report.loaded["posts"] == 2
    size = one(graph, "MATCH (p:Post) WHERE p.id ENDS WITH '/huge' RETURN size(p.text)")
    assert size == 1_000_000
