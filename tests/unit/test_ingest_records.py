"""Pure parsing and validation of canonical records (no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cibgraph.ingest import normalise
from cibgraph.ingest.images import parse_image, phash_int
from cibgraph.ingest.records import RecordError, parse_timestamp, validate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-03-02T14:00:05Z", datetime(2019, 3, 2, 14, 0, 5, tzinfo=UTC)),
        ("2019-03-02T16:00:05+02:00", datetime(2019, 3, 2, 14, 0, 5, tzinfo=UTC)),
        ("2019-03-02T14:00:05", datetime(2019, 3, 2, 14, 0, 5, tzinfo=UTC)),
        ("2018-08-14", datetime(2018, 8, 14, tzinfo=UTC)),
        ("2019-03-02T14:00:05.123456789Z", datetime(2019, 3, 2, 14, 0, 5, 123456, tzinfo=UTC)),
    ],
)
def test_timestamps_accepted(text: str, expected: datetime) -> None:
    assert parse_timestamp(text, "t") == expected


@pytest.mark.parametrize(
    "value", [1551535205, 1551535205.0, "20190302", "2019-03-02T14:00", "yesterday", "2019-13-01"]
)
def test_timestamps_rejected(value: object) -> None:
    with pytest.raises(RecordError) as e:
        parse_timestamp(value, "posted_at")
    assert e.value.field == "posted_at"


def test_integer_timestamp_reason_names_ambiguity() -> None:
    with pytest.raises(RecordError, match="ambiguous"):
        parse_timestamp(1551535205, "posted_at")


def test_normal_forms() -> None:
    assert normalise.hashtag("#Élan") == "élan"
    assert (
        normalise.hashtag("＃ＡＢＣ".replace("＃", "#")) == "abc"
    )  # NFKC folds full-width letters
    assert normalise.handle("@Bob") == "bob"
    assert (
        normalise.sponsor_name("  Citizens for Clean-Water,  Inc. ")
        == "citizens for clean water inc"
    )
    assert normalise.sponsor_name("CITIZENS FOR CLEAN WATER INC") == "citizens for clean water inc"
    text = "Hi #One #one @Ann, see https://ex.com/a?b=1. and #Two!"
    assert normalise.extract_hashtags(text) == ["one", "two"]
    assert normalise.extract_mentions(text) == ["ann"]
    assert normalise.extract_urls(text) == ["https://ex.com/a?b=1"]
    assert normalise.domain_of("https://WWW.Example.com/x") == "example.com"
    assert normalise.text_key("short") is None
    assert normalise.text_key("The Same message, here! http://a.b/c") == normalise.text_key(
        "the same   MESSAGE here"
    )


def test_post_extracts_hashtags_and_mentions_when_absent() -> None:
    r = validate(
        "posts",
        {"id": "p", "account_id": "a", "posted_at": "2020-01-01", "text": "Go #Vote @Alice"},
    )
    assert r.row["hashtags"] == ["vote"] and r.row["mentions"] == ["alice"]
    r = validate(
        "posts",
        {
            "id": "p",
            "account_id": "a",
            "posted_at": "2020-01-01",
            "text": "Go #Vote",
            "hashtags": [],
        },
    )
    assert r.row["hashtags"] == []


def test_unknown_fields_kept_or_warned() -> None:
    r = validate(
        "accounts",
        {
            "id": "a",
            "platform": "x",
            "handle": "h",
            "colour": "green",
            "stub": True,
            "nested": {"a": 1},
        },
    )
    assert r.row["props"]["colour"] == "green"
    assert "stub" not in r.row["props"] and "nested" not in r.row["props"]
    assert len(r.warnings) == 2


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"id": "p", "posted_at": "2020-01-01"}, "account_id"),
        ({"id": "p", "account_id": "a"}, "posted_at"),
        ({"id": 5, "account_id": "a", "posted_at": "2020-01-01"}, "id"),
        ({"id": "p", "account_id": "a", "posted_at": "2020-01-01", "likes": -1}, "likes"),
        ({"id": "p", "account_id": "a", "posted_at": "2020-01-01", "likes": True}, "likes"),
        ({"id": "p", "account_id": "a", "posted_at": "2020-01-01", "hashtags": "x"}, "hashtags"),
        (
            {"id": "p", "account_id": "a", "posted_at": "2020-01-01", "media": [{"sha256": "ab"}]},
            "media[0].sha256",
        ),
    ],
)
def test_post_rejections_name_the_field(obj: dict, field: str) -> None:
    with pytest.raises(RecordError) as e:
        validate("posts", obj)
    assert e.value.field == field


def test_ad_and_interaction_rules() -> None:
    r = validate(
        "ads",
        {
            "id": "x",
            "platform": "fb",
            "sponsor": "A.B. Inc",
            "spend": 1,
            "currency": "rub",
            "text": "#Vote now",
        },
    )
    assert r.row["sponsor_norm"] == "a b inc" and r.row["props"]["currency"] == "RUB"
    assert r.row["hashtags"] == ["vote"]
    with pytest.raises(RecordError) as e:
        validate("ads", {"id": "x", "platform": "fb", "sponsor": "s", "spend": -2})
    assert e.value.field == "spend"
    with pytest.raises(RecordError) as e:
        validate("interactions", {"account_id": "a", "post_id": "p", "kind": "love"})
    assert e.value.field == "kind"


def test_image_from_path_computes_both_hashes() -> None:
    img = parse_image({"path": "images/red.png"}, FIXTURES / "canonical_good")
    props = img["props"]
    assert len(props["sha256"]) == 64 and len(props["phash"]) == 16
    assert img["key"] == f"sha256:{props['sha256']}"
    assert phash_int(props["phash"]) == int.from_bytes(
        bytes.fromhex(props["phash"]), "big", signed=True
    )
    assert parse_image({"phash": "c3d4e5f6a7b8c9d0"}, None)["key"] == "phash:c3d4e5f6a7b8c9d0"


def test_wire_row_sends_timestamps_as_iso_strings() -> None:
    from cibgraph.ingest.writer import wire_row

    row = validate(
        "posts",
        {"id": "x:p", "account_id": "x:1", "posted_at": "2020-02-02T10:00:00.5+01:00", "likes": 3},
    ).row
    wired = wire_row(row, "posts")
    assert wired["posted_at"] == "2020-02-02T09:00:00.500000+00:00"
    assert "posted_at" not in wired["props"] and wired["props"]["likes"] == 3
    assert "times" not in wired
    # Empty lists are not sent (the statements read them with coalesce).
    assert row["hashtags"] == [] and "hashtags" not in wired
    assert row["props"]["posted_at"] == datetime(2020, 2, 2, 9, 0, 0, 500000, tzinfo=UTC)
    other = wire_row(
        validate("follows", {"follower_id": "a", "followed_id": "b", "since": "2020-01-01"}).row
    )
    assert other["times"] == {"since": "2020-01-01T00:00:00+00:00"}
    assert (
        wire_row(validate("follows", {"follower_id": "a", "followed_id": "b"}).row)["times"] == {}
    )
