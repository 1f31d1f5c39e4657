"""The canonical loader against the real test server: contents, rejects, idempotence."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from cibgraph.ingest import load_dataset
from cibgraph.ingest.verify import fingerprint

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
GOOD = FIXTURES / "canonical_good"
BROKEN = FIXTURES / "canonical_broken"


def one(graph, cypher: str, **params):  # type: ignore[no-untyped-def]
    rows = graph.read(cypher, params)
    assert len(rows) == 1, rows
    return rows[0]


def test_good_dataset_builds_the_model(graph) -> None:  # type: ignore[no-untyped-def]
    report = load_dataset(graph, GOOD, progress=False)
    assert report.rejected == 0
    assert report.loaded == {
        "sponsors": 1,
        "accounts": 3,
        "reference_images": 1,
        "posts": 3,
        "ads": 2,
        "interactions": 4,
        "follows": 2,
    }
    alice = one(graph, "MATCH (a:Account {id: 'ig:1'}) RETURN a")["a"]
    assert alice["handle_norm"] == "alice" and alice["favourite_colour"] == "green"
    assert alice["first_post_at"].isoformat().startswith("2019-03-02T14:00:05")
    assert alice["last_post_at"].isoformat().startswith("2019-04-01T00:00:00")
    bob = one(graph, "MATCH (a:Account {id: 'ig:2'}) RETURN a")["a"]
    assert bob["handle_norm"] == "bob" and str(bob["created_at"]).startswith("2019-01-02T08:00:00")
    # Hashtags and mentions extracted from text; unknown handle → stub account.
    tags = {
        r["n"] for r in graph.read("MATCH (:Post {id: 'ig:p1'})-[:TAGGED]->(h) RETURN h.name AS n")
    }
    assert tags == {"world", "élan"}
    mentioned = {
        r["id"]: r["stub"]
        for r in graph.read(
            "MATCH (:Post {id: 'ig:p1'})-[:MENTIONS]->(a) RETURN a.id AS id, a.stub AS stub"
        )
    }
    assert mentioned == {"ig:2": None, "instagram:@nobody": True}
    assert (
        one(graph, "MATCH (:Post {id:'ig:p2'})-[:MENTIONS]->(a) RETURN a.id AS id")["id"] == "ig:1"
    )
    assert one(
        graph,
        "MATCH (u:Url)<-[:LINKS_TO]-(:Post {id:'ig:p1'}) MATCH (u)-[:ON_DOMAIN]->(d) "
        "RETURN u.url AS u, d.name AS d",
    ) == {"u": "https://example.com/a?b=1", "d": "example.com"}
    p1 = one(graph, "MATCH (p:Post {id:'ig:p1'}) RETURN p")["p"]
    assert p1["interactions"] == 4 and p1["platform"] == "instagram" and p1["text_key"]
    # Repost/reply targets; an unknown target is a stub post.
    assert (
        one(graph, "MATCH (:Post {id:'ig:p2'})-[:REPOST_OF]->(t) RETURN t.id AS id")["id"]
        == "ig:p1"
    )
    assert one(graph, "MATCH (:Post {id:'ig:p3'})-[:REPLY_TO]->(t) RETURN t.stub AS s")["s"] is True
    # Images: the same phash via profile and media is one node; path → both hashes.
    assert (
        one(
            graph,
            "MATCH (i:Image {key:'phash:c3d4e5f6a7b8c9d0'}) "
            "RETURN count{(i)<-[:HAS_MEDIA|HAS_PROFILE_IMAGE]-()} AS n",
        )["n"]
        == 2
    )
    red = one(
        graph,
        "MATCH (:Account {id:'ig:2'})-[:HAS_PROFILE_IMAGE]->(i) "
        "MATCH (:Post {id:'ig:p2'})-[:HAS_MEDIA]->(j) RETURN i, j = i AS same",
    )
    assert red["same"] and len(red["i"]["sha256"]) == 64 and len(red["i"]["phash"]) == 16
    # Ads, registered sponsors by normalised name, promoted post, buyer.
    ad = one(
        graph,
        "MATCH (a:Account)-[:BOUGHT]->(ad:Ad {id:'ad:1'})-[:SPONSORED_BY]->(s) "
        "MATCH (ad)-[:PROMOTED]->(p) RETURN a.id AS a, s, p.id AS p, ad.currency AS c",
    )
    assert ad["a"] == "ig:1" and ad["p"] == "ig:p1" and ad["c"] == "RUB"
    assert ad["s"]["registered"] is True and ad["s"]["registry"] == "FEC"
    assert (
        one(graph, "MATCH (:Ad {id:'ad:2'})-[:SPONSORED_BY]->(s) RETURN s.registered AS r")["r"]
        is False
    )
    assert (
        one(graph, "MATCH (:ReferenceImage {id:'ref:1'})-[:DEPICTS]->(i) RETURN i.phash AS p")["p"]
        == "c3d4e5f6a7b8c9d1"
    )
    # Interactions: distinct comments are distinct relationships; unknown actor → stub.
    assert (
        one(graph, "MATCH (:Account {id:'ig:3'})-[c:COMMENTED]->() RETURN count(c) AS n")["n"] == 2
    )
    assert one(graph, "MATCH (a:Account {id:'ig:9'})-[:SHARED]->() RETURN a.stub AS s")["s"] is True
    assert (
        one(
            graph,
            "MATCH (:Account {id:'ig:2'})-[f:FOLLOWS]->(:Account {id:'ig:1'}) RETURN f.since AS s",
        )["s"].year
        == 2019
    )
    # Provenance.
    run = one(graph, "MATCH (r:IngestRun {id: $id}) RETURN r", id=report.run_id)["r"]
    assert run["status"] == "complete" and run["loaded"] == 16 and run["rejected"] == 0
    assert (
        one(
            graph,
            "MATCH (:IngestRun {id:$id})-[l:LOADED]->(f:SourceFile) RETURN count(f) AS n",
            id=report.run_id,
        )["n"]
        == 7
    )


def test_second_load_changes_nothing(graph) -> None:  # type: ignore[no-untyped-def]
    first = load_dataset(graph, GOOD, progress=False)
    before = fingerprint(graph)
    second = load_dataset(graph, GOOD, progress=False)
    assert second.run_id == first.run_id
    assert fingerprint(graph) == before
    assert graph.counts() == {"nodes": before["nodes"], "relationships": before["relationships"]}


def test_broken_lines_are_reported_and_good_lines_loaded(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rejects_file = tmp_path / "rejects.jsonl"
    report = load_dataset(graph, BROKEN, progress=False, rejects_path=rejects_file)
    assert report.loaded == {"accounts": 2, "posts": 2}
    got = {(Path(f).name, line, field) for f, line, field, _ in report.rejects}
    assert got == {
        ("accounts.jsonl", 3, "id"),  # duplicate id
        ("accounts.jsonl", 4, "id"),  # empty id
        ("accounts.jsonl", 5, "followers"),  # negative count
        ("posts.jsonl.gz", 2, ""),  # bad JSON
        ("posts.jsonl.gz", 3, "posted_at"),  # missing required field
        ("posts.jsonl.gz", 4, "likes"),  # wrong type
        ("posts.jsonl.gz", 5, "account_id"),  # unknown account
        ("posts.jsonl.gz", 6, "posted_at"),  # integer timestamp
        ("posts.jsonl.gz", 7, "media[0].phash"),  # bad phash
        ("posts.jsonl.gz", 10, ""),  # not an object
        ("posts.jsonl.gz", 11, "media[0]"),  # empty image object
    }
    reasons = {(Path(r.file).name, r.line): r.reason for r in report.rejects}
    assert "invalid JSON" in reasons[("posts.jsonl.gz", 2)]
    assert "ambiguous" in reasons[("posts.jsonl.gz", 6)]
    assert "tw:zzz" in reasons[("posts.jsonl.gz", 5)]
    lines = [json.loads(x) for x in rejects_file.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == report.rejected == 11
    assert all({"file", "line", "field", "reason", "raw"} <= set(x) for x in lines)
    assert {r["id"] for r in graph.read("MATCH (p:Post) RETURN p.id AS id")} == {"tw:1", "tw:9"}
    assert report.warnings == 1  # the nested unknown field on line 9


def test_post_author_may_already_be_in_the_graph(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "accounts.jsonl").write_text(
        json.dumps({"id": "x:1", "platform": "x", "handle": "one"}) + "\n"
    )
    (tmp_path / "b" / "posts.jsonl").write_text(
        json.dumps({"id": "x:p", "account_id": "x:1", "posted_at": "2020-02-02"}) + "\n"
    )
    assert load_dataset(graph, tmp_path / "b", progress=False).rejected == 1
    load_dataset(graph, tmp_path / "a", progress=False)
    report = load_dataset(graph, tmp_path / "b", progress=False)
    assert report.rejected == 0 and report.loaded == {"posts": 1}


def test_a_rejected_post_adds_nothing_to_a_post_of_the_same_id(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Its mentions and reposts, sent apart from the post, are dropped with it."""
    from cibgraph.ingest.verify import wipe_graph

    wipe_graph(graph)
    good, bad = tmp_path / "good", tmp_path / "bad"
    for d in (good, bad):
        d.mkdir()
    (good / "accounts.jsonl").write_text(
        json.dumps({"id": "x:1", "platform": "x", "handle": "one"}) + "\n"
    )
    (good / "posts.jsonl").write_text(
        json.dumps({"id": "x:p", "account_id": "x:1", "posted_at": "2020-02-02"}) + "\n"
    )
    load_dataset(graph, good, progress=False)
    forged = {
        "id": "x:p",
        "account_id": "x:ghost",
        "posted_at": "2020-02-02",
        "mentions": ["one"],
        "repost_of": "x:q",
    }
    kept = {"id": "x:r", "account_id": "x:1", "posted_at": "2020-02-03"}
    (bad / "posts.jsonl").write_text(json.dumps(forged) + "\n" + json.dumps(kept) + "\n")
    report = load_dataset(graph, bad, progress=False)
    assert report.rejected == 1 and report.rejects[0].field == "account_id"
    assert report.loaded == {"posts": 1}
    rels = one(graph, "MATCH (:Post {id: 'x:p'})-[r]->() RETURN count(r) AS n")
    assert rels["n"] == 0
    # No stub for the reposted post either.
    assert one(graph, "MATCH (p:Post) RETURN count(p) AS n")["n"] == 2


def test_cli_exit_status_and_rejects_file(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    rejects = tmp_path / "r.csv"
    cmd = [
        sys.executable,
        "-m",
        "cibgraph.cli",
        "ingest",
        str(BROKEN),
        "--no-progress",
        "--rejects",
        str(rejects),
    ]
    failed = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 1, failed.stderr
    assert "posts.jsonl.gz:6" in failed.stderr and rejects.read_text().startswith("file,line,field")
    ok = subprocess.run(
        cmd + ["--tolerate-rejects", "--writers", "1"], capture_output=True, text=True, timeout=300
    )
    assert ok.returncode == 0, ok.stderr
    assert "rejected" in ok.stdout
    bad = subprocess.run(cmd + ["--writers", "0"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "--writers" in bad.stderr


def test_mentions_move_from_stub_to_account_loaded_later(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    (first / "accounts.jsonl").write_text(
        json.dumps({"id": "x:1", "platform": "x", "handle": "one"}) + "\n"
    )
    (first / "posts.jsonl").write_text(
        json.dumps(
            {"id": "x:p", "account_id": "x:1", "posted_at": "2020-02-02", "text": "hello @Late"}
        )
        + "\n"
    )
    (later / "accounts.jsonl").write_text(
        json.dumps({"id": "x:2", "platform": "x", "handle": "late"}) + "\n"
    )
    load_dataset(graph, first, progress=False)
    assert (
        one(graph, "MATCH (:Post {id:'x:p'})-[:MENTIONS]->(a) RETURN a.id AS id")["id"] == "x:@late"
    )
    load_dataset(graph, later, progress=False)
    assert one(graph, "MATCH (:Post {id:'x:p'})-[:MENTIONS]->(a) RETURN a.id AS id")["id"] == "x:2"
    assert graph.read("MATCH (a:Account {id: 'x:@late'}) RETURN a") == []
    before = fingerprint(graph)
    load_dataset(graph, first, progress=False)
    assert fingerprint(graph) == before


def test_timestamps_are_stored_as_utc_datetimes(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "accounts.jsonl").write_text(
        json.dumps({"id": "x:1", "platform": "x", "handle": "a", "created_at": "2019-01-02"}) + "\n"
    )
    (tmp_path / "posts.jsonl").write_text(
        json.dumps({"id": "x:p", "account_id": "x:1", "posted_at": "2020-02-02T10:00:00.25+01:00"})
        + "\n"
    )
    load_dataset(graph, tmp_path, progress=False)
    row = one(
        graph,
        "MATCH (a:Account {id: 'x:1'})-[:POSTED]->(p:Post) RETURN a.created_at AS c, "
        "p.posted_at AS t, a.first_post_at AS f, p.posted_at = datetime($t) AS same",
        t="2020-02-02T09:00:00.250Z",
    )
    assert row["same"] is True
    assert row["t"].to_native() == datetime(2020, 2, 2, 9, 0, 0, 250000, tzinfo=UTC)
    assert row["f"] == row["t"]
    assert row["c"].to_native() == datetime(2019, 1, 2, tzinfo=UTC)


def test_reader_modes_and_writer_lanes_build_the_same_graph(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from cibgraph.ingest.generate import generate_dataset
    from cibgraph.ingest.verify import wipe_graph

    data = tmp_path / "data"
    generate_dataset(data, accounts=300, posts=3000, interactions=300, follows=200, seed=7)
    prints = []
    for mode, writers in (("process", 2), ("thread", 1), ("process", 3)):
        wipe_graph(graph)
        report = load_dataset(
            graph, data, progress=False, batch_size=700, reader_mode=mode, writers=writers
        )
        assert report.rejected == 0 and report.loaded["posts"] == 3000
        prints.append(fingerprint(graph))
    assert prints[0] == prints[1] == prints[2]
    mentions = one(graph, "MATCH (:Post)-[m:MENTIONS]->(:Account) RETURN count(m) AS n")["n"]
    reposts = one(graph, "MATCH (:Post)-[r:REPOST_OF]->(:Post) RETURN count(r) AS n")["n"]
    assert mentions > 500 and reposts > 200


def test_two_loads_at_once_build_what_one_load_builds(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Concurrent writers of the same nodes and links neither duplicate nor lose any.

    Every batch of one load meets the same batch of the other: the same posts,
    hashtags, domains, mentioned accounts and reposted posts, at the same time.
    """
    import threading

    from cibgraph.ingest.generate import generate_dataset
    from cibgraph.ingest.verify import wipe_graph

    data = tmp_path / "data"
    generate_dataset(data, accounts=200, posts=4000, seed=5)
    wipe_graph(graph)
    load_dataset(graph, data, progress=False, batch_size=500)
    alone = fingerprint(graph)
    wipe_graph(graph)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            load_dataset(graph, data, progress=False, batch_size=500, reader_mode="thread")
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not errors
    assert fingerprint(graph) == alone
