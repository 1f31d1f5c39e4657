"""The one JSON conversion of Neo4j values, and evidence parsing (no database)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from neo4j.time import Date, DateTime, Duration

from cibgraph.db import to_jsonable
from cibgraph.reads import parse_evidence


@dataclass
class Inner:
    at: DateTime
    days: tuple[Date, ...]


@dataclass
class Outer:
    name: str
    inner: list[Inner] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)


def test_temporal_values_become_iso_strings() -> None:
    at = DateTime(2018, 8, 14, 9, 0, 12, tzinfo=UTC)
    assert to_jsonable(at) == at.iso_format()
    assert to_jsonable(Date(2018, 8, 14)) == "2018-08-14"
    assert to_jsonable(datetime(2018, 8, 14, 9, 0, tzinfo=UTC)) == "2018-08-14T09:00:00+00:00"
    assert to_jsonable(Duration(seconds=90)) == str(Duration(seconds=90))


def test_dataclasses_are_converted_at_any_depth() -> None:
    report = Outer(
        "run",
        [Inner(DateTime(2020, 1, 2, 3, 4, 5, tzinfo=UTC), (Date(2020, 1, 2),))],
        {"posts": 3},
    )
    out = to_jsonable({"report": report, "reports": (report,)})
    assert out["report"] == {
        "name": "run",
        "inner": [{"at": "2020-01-02T03:04:05.000000000+00:00", "days": ["2020-01-02"]}],
        "by_kind": {"posts": 3},
    }
    assert out["reports"] == [out["report"]]
    json.dumps(out)  # nothing left that JSON cannot hold


def test_a_dataclass_type_is_left_alone() -> None:
    assert to_jsonable(Outer) is Outer


def test_evidence_json_is_parsed_and_a_malformed_value_kept_as_text() -> None:
    assert parse_evidence('{"items": [1]}') == {"items": [1]}
    assert parse_evidence("{not json") == "{not json"
    assert parse_evidence(None) is None
    assert parse_evidence({"items": []}) == {"items": []}
