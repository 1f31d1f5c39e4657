"""Recognising the format from the content: `cibgraph ingest PATH` without `--format`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _adapter_support import FIXTURES, cli, copy, one

from cibgraph.ingest.sniff import HEAD_BYTES, FormatError, check, choose, sniff

INGEST = Path(__file__).parents[1] / "fixtures" / "ingest"
FOLDERS = {
    "meta-ad-library": FIXTURES / "meta_ad_library",
    "fec-committees": FIXTURES / "fec",
    "crowdtangle": FIXTURES / "crowdtangle",
    "x-api-v2": FIXTURES / "x_api_v2",
    "bluesky": FIXTURES / "bluesky",
    "telegram": FIXTURES / "telegram",
    "canonical": INGEST / "canonical_good",
    "instaloader": INGEST / "instaloader",
}
FILES = {
    "meta-ad-library": ["ads_archive_page1.json", "ads_archive_older.jsonl"],
    "fec-committees": ["cm.txt", "cm24.zip"],
    "crowdtangle": ["facebook_pages.csv", "instagram.csv"],
    "x-api-v2": ["search_raw.jsonl", "flattened.jsonl"],
    "bluesky": ["jetstream.jsonl"],
    "telegram": ["ChatExport_2024-09-10/result.json", "GroupExport/result.json"],
}


@pytest.mark.parametrize("fmt", sorted(FOLDERS))
def test_each_folder_is_recognised_as_its_format(fmt: str) -> None:
    assert choose(FOLDERS[fmt]).format == fmt


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_each_file_is_recognised_as_its_format(fmt: str) -> None:
    for name in FILES[fmt]:
        guesses = sniff(FOLDERS[fmt] / name)
        assert [g.format for g in guesses] == [fmt], name


def test_a_pretty_printed_cut_off_export_is_still_recognised(tmp_path: Path) -> None:
    text = (FOLDERS["telegram"] / FILES["telegram"][0]).read_text()
    (tmp_path / "result.json").write_text(text[: len(text) // 2])
    assert choose(tmp_path / "result.json").format == "telegram"


def test_a_first_line_longer_than_the_head_read_is_still_recognised(tmp_path: Path) -> None:
    page = json.loads((FOLDERS["x-api-v2"] / "search_raw.jsonl").read_text().splitlines()[0])
    page["data"] = page["data"] * 400  # a long page: far more than the bytes sniffed
    (tmp_path / "big.jsonl").write_text(json.dumps(page) + "\n")
    assert (tmp_path / "big.jsonl").stat().st_size > 4 * HEAD_BYTES
    assert choose(tmp_path / "big.jsonl").format == "x-api-v2"


def test_a_mixed_folder_lists_its_candidates(tmp_path: Path) -> None:
    copy(FOLDERS["bluesky"] / "jetstream.jsonl", tmp_path)
    copy(FOLDERS["fec-committees"] / "cm.txt", tmp_path)
    with pytest.raises(FormatError) as e:
        choose(tmp_path)
    assert {g.format for g in e.value.candidates} == {"bluesky", "fec-committees"}
    assert "jetstream.jsonl" in str(e.value) and "cm.txt" in str(e.value)


def test_unrecognisable_content_asks_for_a_format(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\nworld\n")
    (tmp_path / "other.csv").write_text("a,b,c\n1,2,3\n")
    with pytest.raises(FormatError, match="cannot tell"):
        choose(tmp_path)


def test_a_wrong_format_names_what_was_expected_and_what_was_found() -> None:
    with pytest.raises(FormatError) as e:
        check(FOLDERS["bluesky"], "telegram")
    message = str(e.value)
    assert "expects a Telegram Desktop result.json" in message
    assert "found bluesky (jetstream.jsonl" in message
    check(FOLDERS["bluesky"], "bluesky")  # the right one passes


def test_cli_without_format_says_what_it_chose(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "stream"
    shutil.copytree(FOLDERS["bluesky"], data)
    done = cli("ingest", str(data), "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "format: bluesky (recognised from jetstream.jsonl" in done.stderr
    assert one(graph, "MATCH (p:Post) RETURN count(p)") > 0


def test_cli_ambiguous_and_wrong_formats_fail_before_writing(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copy(FOLDERS["bluesky"] / "jetstream.jsonl", tmp_path)
    copy(FOLDERS["fec-committees"] / "cm.txt", tmp_path)
    ambiguous = cli("ingest", str(tmp_path), "--no-progress")
    assert ambiguous.returncode == 2
    assert "bluesky (jetstream.jsonl" in ambiguous.stderr
    assert "fec-committees (cm.txt" in ambiguous.stderr
    wrong = cli("ingest", str(tmp_path / "cm.txt"), "--format", "crowdtangle", "--no-progress")
    assert wrong.returncode == 2
    assert "--format crowdtangle expects CrowdTangle CSV exports" in wrong.stderr
    assert "found fec-committees" in wrong.stderr
    assert one(graph, "MATCH (n) RETURN count(n)") == 0
