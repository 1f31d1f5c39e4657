"""`cibgraph synth` + `ingest` + `detect` + `evaluate`, through the command line, on a real Neo4j.

It runs at the study's scale by default (about 52,000 accounts and 160,000
posts: roughly 3 minutes on two cores, most of it the ingest); set
CIBGRAPH_TEST_SYNTH_SCALE (e.g. 0.25) for a quicker run with every
coordinated group and hard negative still present.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cibgraph.cli import app
from cibgraph.detect.synth import generate

SCALE = float(os.environ.get("CIBGRAPH_TEST_SYNTH_SCALE", "1.0"))


def test_synth_is_deterministic_and_complete(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", scale=0.05, seed=3)
    b = generate(tmp_path / "b", scale=0.05, seed=3)
    c = generate(tmp_path / "c", scale=0.05, seed=4)
    for name in (
        "accounts",
        "posts",
        "ads",
        "sponsors",
        "reference_images",
        "interactions",
        "follows",
    ):
        fa = (tmp_path / "a" / f"{name}.jsonl").read_bytes()
        assert fa == (tmp_path / "b" / f"{name}.jsonl").read_bytes(), name
        assert fa, name
    assert a == b
    assert (tmp_path / "c" / "posts.jsonl").read_bytes() != (
        tmp_path / "a" / "posts.jsonl"
    ).read_bytes()
    assert len(a["coordinated_accounts"]) == 29 and len(a["groups"]) == 6
    assert set(a["tactics"]) >= {"scheduler_stagger", "paraphrased_captions"}
    assert a["hard_negatives"]["news_posters"] and a["hard_negatives"]["chain_letter_posters"]
    assert a["hard_negatives"]["default_avatar_users"] > 100
    assert a["hard_negatives"]["fast_fans"] and a["hard_negatives"]["friend_circles"]
    assert c["counts"]["accounts"] == a["counts"]["accounts"]


def a_tactics(result: dict[str, Any]) -> list[str]:
    tactics = [k for k in result if k.startswith("tactic_")]
    assert len(tactics) == 5, tactics
    return tactics


def _cli(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_synth_ingest_detect_evaluate_meets_targets(graph: Any, tmp_path: Path) -> None:
    data = tmp_path / "scenario"
    _cli("synth", str(data), "--scale", str(SCALE))
    _cli("ingest", str(data))
    _cli("detect")
    before = graph.counts()
    _cli("detect")  # idempotent
    assert graph.counts() == before
    result = json.loads(_cli("evaluate", str(data / "truth.json"), "--json").output)
    coord = result["coordinated_accounts"]
    assert coord["precision"] >= 0.95, coord
    assert coord["recall"] >= 0.95, coord
    assert result["groups_recovered"] == 6
    for tactic in a_tactics(result):
        assert result[tactic]["recall"] >= 0.95, (tactic, result[tactic])
    assert not any(result["trap_false_positives"].values()), result["trap_false_positives"]
    baseline = result["baseline_co_share_min2"]
    assert baseline["precision"] < 0.6, baseline  # counting co-shares flags the fans
    for signal in (
        "creation_cohorts",
        "went_quiet_together",
        "successors",
        "borrowed_profile_photos",
        "unregistered_sponsors",
        "similar_names",
        "devoted_accounts",
    ):
        assert result[signal]["precision"] >= 0.95 and result[signal]["recall"] >= 0.95, (
            signal,
            result[signal],
        )
    table = _cli("evaluate", str(data / "truth.json")).output
    assert "coordinated_accounts" in table and "baseline_co_share_min2" in table
