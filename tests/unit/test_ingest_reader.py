"""The reading half of a load and the batch packing, without a database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cibgraph.ingest import reader
from cibgraph.ingest.records import validate
from cibgraph.ingest.sources import Item, ParseError, Source
from cibgraph.ingest.writer import BatchPacker, wire_row


def _post(pid: str, author: str, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "account_id": author, "posted_at": "2020-01-01T00:00:00Z", **extra}


def _source(kind: str, name: str, objs: list[Any]) -> Source:
    def items() -> Iterator[Item]:
        for i, obj in enumerate(objs, start=1):
            yield i, f"raw {name}:{i}", obj

    return Source(kind=kind, file=Path(name), items=items)


def test_packer_lists_shared_nodes_once_and_rows_point_at_them() -> None:
    img = {"phash": "c3d4e5f6a7b8c9d0"}
    posts = [
        _post("p1", "a", hashtags=["Vote", "news"], urls=["https://x.example/1"], media=[img]),
        _post("p2", "b", hashtags=["news"], urls=["https://x.example/1"], media=[img]),
        _post("p3", "a", text="nothing shared"),
    ]
    packer = BatchPacker("posts")
    rows = [packer.pack(validate("posts", p).row) for p in posts]
    shared = packer.shared()
    assert shared["authors"] == ["a", "b"]
    assert shared["tags"] == ["vote", "news"]
    assert shared["urls"] == [{"url": "https://x.example/1", "domains": ["x.example"]}]
    assert [i["key"] for i in shared["images"]] == ["phash:c3d4e5f6a7b8c9d0"]
    assert [r["a"] for r in rows] == [0, 1, 0]
    assert rows[0]["t"] == [0, 1] and rows[1]["t"] == [1] and "t" not in rows[2]
    assert rows[0]["u"] == rows[1]["u"] == [0] and rows[0]["m"] == rows[1]["m"] == [0]
    # Nothing else of the row changes: the rest is what wire_row sends.
    assert rows[2]["posted_at"] == "2020-01-01T00:00:00+00:00"
    assert "account_id" not in rows[0] and "hashtags" not in rows[0]


def test_packer_sets_references_beyond_the_batch_apart() -> None:
    post = _post("p1", "a", mentions=["@Bob"], repost_of="p0")
    packer = BatchPacker("posts")
    row = packer.pack(validate("posts", post).row)
    plain = packer.pack(validate("posts", _post("p2", "a")).row)
    assert not {"mentions", "repost_of", "reply_to"} & (row.keys() | plain.keys())
    assert packer.shared()["refs"] == [
        {"mentions": ["bob"], "repost_of": ["p0"], "id": "p1", "a": "a"}
    ]


def test_packer_keeps_each_variant_of_a_url() -> None:
    packer = BatchPacker("posts")
    for pid, domain in (("p1", "one.example"), ("p2", "two.example")):
        row = validate("posts", _post(pid, "a", urls=["https://x.example/1"])).row
        row["urls"][0]["domains"] = [domain]
        packer.pack(row)
    assert [u["domains"] for u in packer.shared()["urls"]] == [["one.example"], ["two.example"]]


def test_packer_for_other_kinds_is_wire_row() -> None:
    row = validate("follows", {"follower_id": "a", "followed_id": "b"}).row
    packer = BatchPacker("follows")
    assert packer.pack(row) == wire_row(row, "follows") and packer.shared() == {}


def _dataset() -> list[Source]:
    accounts = [
        {"id": "a", "platform": "x", "handle": "a"},
        {"id": "b", "platform": "x"},  # no handle: rejected
        {"id": "c", "platform": "x", "handle": "c"},
    ]
    posts = [
        _post("p1", "a"),
        ParseError("not JSON"),
        _post("p2", "zzz"),  # author not in this dataset
        _post("p1", "c"),  # duplicate id in this file
        _post("p3", "c"),
        _post("p4", "a"),
    ]
    return [_source("accounts", "accounts.jsonl", accounts), _source("posts", "posts.jsonl", posts)]


def test_read_chunks_keeps_kinds_apart_bounds_chunks_and_reports_what_went_wrong() -> None:
    chunks = list(reader.read_chunks(_dataset(), batch_size=2))
    for c in chunks:
        assert len(c.rows) + len(c.rejects) <= 2
    kinds = [c.kind for c in chunks if c.rows]
    assert kinds == sorted(kinds)  # every accounts chunk before any posts chunk
    rows = {k: sum(len(c.rows) for c in chunks if c.kind == k) for k in ("accounts", "posts")}
    assert rows == {"accounts": 2, "posts": 4}
    rejects = [(r.file, r.line, r.field) for c in chunks for r in c.rejects]
    assert rejects == [
        ("accounts.jsonl", 2, "handle"),
        ("posts.jsonl", 2, ""),
        ("posts.jsonl", 4, "id"),
    ]
    unknown = [(c, u) for c in chunks for u in c.unknown_authors]
    assert len(unknown) == 1
    chunk, u = unknown[0]
    assert (u.file, u.line, u.account_id, u.raw) == ("posts.jsonl", 3, "zzz", "raw posts.jsonl:3")
    assert chunk.shared["authors"][chunk.rows[u.index]["a"]] == "zzz"
    assert sum(c.items for c in chunks) == 9


@pytest.mark.parametrize("mode", ["process", "thread"])
def test_reader_modes_yield_what_read_chunks_yields(mode: str) -> None:
    expected = list(reader.read_chunks(_dataset(), batch_size=2))
    got = list(reader.chunks(_dataset(), batch_size=2, mode=mode))  # type: ignore[arg-type]
    assert got == expected


class _Unpicklable(Exception):
    def __init__(self, a: str, b: str) -> None:
        super().__init__(f"{a} {b}")


def _failing(exc: BaseException) -> Source:
    def items() -> Iterator[Item]:
        yield 1, "{}", {"id": "a", "platform": "x", "handle": "a"}
        raise exc

    return Source(kind="accounts", file=Path("bad.jsonl"), items=items)


@pytest.mark.parametrize("mode", ["process", "thread"])
def test_a_reader_error_reaches_the_writer_with_its_type(mode: str) -> None:
    with pytest.raises(ValueError, match="cannot read bad.jsonl"):
        list(reader.chunks([_failing(ValueError("cannot read bad.jsonl"))], 10, mode))  # type: ignore[arg-type]


def test_an_unpicklable_error_from_the_reader_process_still_says_what_happened() -> None:
    with pytest.raises(RuntimeError, match="_Unpicklable: x y"):
        list(reader.chunks([_failing(_Unpicklable("x", "y"))], 10, "process"))


def test_a_reader_process_that_dies_is_reported() -> None:
    def items() -> Iterator[Item]:
        os._exit(3)
        yield 1, "", {}  # pragma: no cover - unreachable

    src = Source(kind="accounts", file=Path("x.jsonl"), items=items)
    with pytest.raises(reader.ReaderError, match="exit code 3"):
        list(reader.chunks([src], 10, "process"))


def test_lanes_keep_each_account_with_its_posts_and_lose_nothing() -> None:
    import zlib

    accounts = [{"id": f"a{i}", "platform": "x", "handle": f"h{i}"} for i in range(12)]
    posts: list[Any] = [_post(f"p{i}", f"a{i % 12}") for i in range(60)]
    posts[7] = ParseError("not JSON")
    posts[9] = _post("p9", "stranger")  # author not in this dataset
    srcs = [_source("accounts", "accounts.jsonl", accounts), _source("posts", "posts.jsonl", posts)]
    one = list(reader.read_chunks(srcs, batch_size=5))
    two = list(reader.read_chunks(srcs, batch_size=5, lanes=2))

    def lane_of(account: str) -> int:
        return zlib.crc32(account.encode()) % 2

    assert {c.lane for c in two if c.rows} == {0, 1}
    for c in two:
        assert len(c.rows) + len(c.rejects) <= 5
        for row in c.rows:
            account = row["id"] if c.kind == "accounts" else c.shared["authors"][row["a"]]
            assert lane_of(account) == c.lane
        assert not c.rejects or c.lane == 0
    kinds = [c.kind for c in two if c.rows]
    assert kinds == sorted(kinds)

    def ids(chunks: list[reader.Chunk]) -> list[tuple[str, str]]:
        return sorted((c.kind, r["id"]) for c in chunks for r in c.rows)

    assert ids(two) == ids(one) and len(ids(two)) == 12 + 59
    assert [r.line for c in two for r in c.rejects] == [8]
    assert sum(c.items for c in two) == sum(c.items for c in one) == 72
    unknown = [(c, u) for c in two for u in c.unknown_authors]
    assert [(u.line, c.rows[u.index]["id"]) for c, u in unknown] == [(10, "p9")]
