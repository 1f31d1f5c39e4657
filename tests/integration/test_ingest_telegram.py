"""`telegram`: Telegram Desktop `result.json` exports of a channel and a group, real server."""

from __future__ import annotations

import json
from pathlib import Path

from _adapter_support import FIXTURES, copy, load, load_twice, one, rejects

from cibgraph.ingest.images import sha256_file

DIR = FIXTURES / "telegram"
CHANNEL = DIR / "ChatExport_2024-09-10" / "result.json"
GROUP = DIR / "GroupExport" / "result.json"


def test_channel_and_group_exports_load_and_reload_unchanged(graph) -> None:  # type: ignore[no-untyped-def]
    channel, group = json.loads(CHANNEL.read_text()), json.loads(GROUP.read_text())
    messages = [m for m in channel["messages"] + group["messages"] if m["type"] == "message"]
    senders = {m["from_id"] for m in messages}
    report = load_twice(graph, DIR, "telegram")
    assert report.rejected == 0
    assert report.loaded == {"accounts": len(senders), "posts": len(messages)}
    acc = graph.read("MATCH (a:Account {id: 'telegram:channel1987654321'}) RETURN a")[0]["a"]
    assert acc["display_name"] == "Patriot Voice Channel" and acc["kind"] == "public_channel"
    post = graph.read(
        "MATCH (:Account {id: 'telegram:channel1987654321'})-[:POSTED]->(p:Post {id: $id}) "
        "OPTIONAL MATCH (p)-[:TAGGED]->(h:Hashtag) OPTIONAL MATCH (p)-[:LINKS_TO]->(u:Url) "
        "OPTIONAL MATCH (p)-[:HAS_MEDIA]->(i:Image) RETURN p, collect(DISTINCT h.name) AS tags, "
        "collect(DISTINCT u.url) AS urls, collect(DISTINCT i.sha256) AS images",
        {"id": "telegram:1987654321:2"},
    )[0]
    assert post["p"]["posted_at"].iso_format().startswith("2024-09-03T14:00:00")  # unixtime
    assert post["tags"] == ["securethevote"]
    assert sorted(post["urls"]) == [
        "https://patriotvoice.example/join",
        "https://patriotvoice.example/pledge",
    ]
    photo = CHANNEL.parent / "photos" / "photo_1@03-09-2024_14-00-00.jpg"
    assert post["images"] == [sha256_file(photo)]
    # The same forwarded message in the channel and in the group: one source post.
    forwards = graph.read(
        "MATCH (a:Account)-[:POSTED]->(:Post)-[:REPOST_OF]->(s:Post) "
        "RETURN s.id AS source, collect(a.id) AS by"
    )
    assert len(forwards) == 1 and sorted(forwards[0]["by"]) == [
        "telegram:channel1987654321",
        "telegram:user5550001",
    ]
    assert one(
        graph,
        "MATCH (:Post {id: 'telegram:1122334455:11'})-[:REPLY_TO]->(p:Post) RETURN p.id",
    ) == ("telegram:1122334455:10")
    absent = one(
        graph,
        "MATCH (:Post {id: 'telegram:1987654321:4'})-[:HAS_MEDIA]->(i:Image) RETURN i.key",
    )
    assert absent == "telegram-file:1987654321:4:photo"  # exported without media


def test_truncated_export_keeps_messages_before_the_cut(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = CHANNEL.read_text(encoding="utf-8")
    doc = json.loads(text)
    doc["messages"][2]["date_unixtime"] = ""
    doc["messages"][2]["date"] = "03.09.2024 17:00"  # not a timestamp
    doc["messages"][3]["text_entities"][0]["text"] = "x" * 1_000_000  # huge, kept
    doc["messages"][3]["text"] = doc["messages"][3]["text_entities"][0]["text"]
    body = json.dumps(doc, ensure_ascii=False, indent=1)
    body = body.replace("Secure the vote! ", "S\u00e9cure the vote! ", 1)
    cut = body.index('"id": 5') + 40
    folder = tmp_path / "export"
    folder.mkdir()
    raw = body[:cut].encode().replace("S\u00e9cure".encode(), b"S\xe9cure")
    (folder / "result.json").write_bytes(raw)
    copy(CHANNEL.parent / "photos" / "photo_1@03-09-2024_14-00-00.jpg", folder / "photos")
    report = load(graph, folder, "telegram")

    def line_of(needle: str) -> int:
        start = body.rindex("{", 0, body.index(needle))
        return body[:start].count("\n") + 1

    assert rejects(report) == {
        ("result.json", line_of('"id": 2'), "messages[1]"),
        ("result.json", line_of('"id": 3'), "messages[2].date"),
        ("result.json", line_of('"id": 5'), "messages[4]"),
    }
    reasons = {r.field: r.reason for r in report.rejects}
    assert "not UTF-8" in reasons["messages[1]"] and "truncated" in reasons["messages[4]"]
    assert report.loaded["posts"] == 1  # message 4 (1 is a service message)
    size = one(graph, "MATCH (p:Post {id: 'telegram:1987654321:4'}) RETURN size(p.text)")
    assert size == 1_000_000
