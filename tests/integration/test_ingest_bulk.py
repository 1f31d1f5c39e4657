"""`cibgraph ingest --bulk` against the real test server: the same graph as the
transactional ingest, the same rejects, schema and provenance, and a failed
import that leaves the previous database as it was.

Each bulk load stops the test server, imports and starts it again.
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cibgraph.ingest import bulk, load_dataset
from cibgraph.ingest.bulk_csv import ImportFiles
from cibgraph.ingest.generate import generate_dataset
from cibgraph.ingest.verify import fingerprint, wipe_graph
from cibgraph.model import schema_statements
from cibgraph.settings import Settings

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ingest"
GOOD = FIXTURES / "canonical_good"
BROKEN = FIXTURES / "canonical_broken"


def _bulk(settings: Settings, path: Path, fmt: str = "canonical", **kw: Any) -> Any:
    return bulk.bulk_load(settings, path, fmt, progress=False, echo=lambda *_: None, **kw)


def _fresh(settings: Settings) -> Any:
    from cibgraph.db import Graph

    return Graph(settings)


def _transactional(graph: Any, path: Path, fmt: str = "canonical", **kw: Any) -> Any:
    # A new driver each time: one that has seen the database a bulk load replaced
    # waits for transactions (its bookmarks) that the new database never had.
    with _fresh(graph.settings) as g:
        wipe_graph(g)
        report = load_dataset(g, path, fmt, progress=False, **kw)
        return report, fingerprint(g)


def _after_bulk(settings: Settings, path: Path, fmt: str = "canonical", **kw: Any) -> Any:
    report = _bulk(settings, path, fmt, **kw)
    with _fresh(settings) as g:
        return report, fingerprint(g)


def _same_report(a: Any, b: Any) -> None:
    assert (a.run_id, a.loaded, a.rejected, a.warnings) == (
        b.run_id,
        b.loaded,
        b.rejected,
        b.warnings,
    )
    assert a.rejects == b.rejects
    assert a.files == b.files
    assert a.warning_samples == b.warning_samples


def _tricky(tmp: Path) -> Path:
    """A generated dataset plus what CSV and MERGE make hard: quotes, newlines, commas,
    empty and padded strings, unicode, extra fields of several types, a post whose id
    recurs in a second file, reposts of posts not in the data, unknown mentions."""
    data = tmp / "tricky"
    generate_dataset(data, accounts=120, posts=1500, interactions=200, follows=150, seed=3)
    accounts = [json.loads(x) for x in (data / "accounts.jsonl").read_text().splitlines()]
    a0, a1 = accounts[0]["id"], accounts[1]["id"]
    accounts[0].update(note='she said "hi",\nthen left', score=3, ratio=0.1, flag=True)
    accounts[1].update(note="", score="three")
    (data / "accounts.jsonl").write_text("".join(json.dumps(a) + "\n" for a in accounts))
    extra = [
        {
            "id": "tricky:1",
            "account_id": a0,
            "posted_at": "2021-05-05T10:00:00.123456Z",
            "text": '  line one\r\nline "two", #Tag @nobody_here https://example.org/x?a=1,b  ',
            "repost_of": "not-in-data:9",
            "likes": 4,
            "mood": "calm",
        },
        {"id": "tricky:2", "account_id": a1, "posted_at": "2021-05-06", "text": ""},
        {
            "id": "tricky:3",
            "account_id": a1,
            "posted_at": "2021-05-07T00:00:00+02:00",
            "text": "ünïcödé 😀 #Ünï",
            "reply_to": "tricky:1",
            "mood": 7,
        },
        {
            "id": "tricky:4",
            "account_id": "nobody",
            "posted_at": "2021-05-07",
            "text": "x #Orphan https://orphan.example/x",
        },
    ]
    with (data / "posts.jsonl").open("a") as fh:
        fh.write("".join(json.dumps(p) + "\n" for p in extra))
    # The same post ids again, in a second posts file: MERGE folds them into the first.
    again = [
        {
            "id": "tricky:1",
            "account_id": a0,
            "posted_at": "2021-05-04T00:00:00Z",
            "text": "edited",
            "shares": 2,
            "hashtags": ["Other"],
        },
        {"id": "tricky:2", "account_id": a0, "posted_at": "2021-05-06", "mentions": ["x"]},
    ]
    with gzip.open(data / "posts.jsonl.gz", "wt") as fh:
        fh.write("".join(json.dumps(p) + "\n" for p in again))
    return data


def test_bulk_builds_the_transactional_graph_with_the_same_rejects(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = graph.settings
    for path in (GOOD, BROKEN, _tricky(tmp_path)):
        rej_t, rej_b = tmp_path / f"{path.name}-t.jsonl", tmp_path / f"{path.name}-b.jsonl"
        t_report, t_print = _transactional(graph, path, rejects_path=rej_t)
        b_report, b_print = _after_bulk(settings, path, rejects_path=rej_b)
        assert b_print == t_print, path
        _same_report(b_report, t_report)
        assert rej_b.exists() == rej_t.exists()
        if rej_t.exists():
            assert rej_b.read_text() == rej_t.read_text()
    assert t_report.rejected == 1 and t_report.loaded["posts"] == 1505


def test_bulk_schema_and_provenance(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = graph.settings
    report = _bulk(settings, GOOD)
    with _fresh(settings) as g:
        names = {r["name"] for r in g.read("SHOW CONSTRAINTS YIELD name")}
        names |= {
            r["name"] for r in g.read("SHOW INDEXES YIELD name, state WHERE state = 'ONLINE'")
        }
        for stmt in schema_statements():
            assert stmt.split()[2] in names, stmt
        run = g.read("MATCH (r:IngestRun {id: $id}) RETURN r", {"id": report.run_id})[0]["r"]
        assert run["status"] == "complete" and run["loaded"] == 16 and run["rejected"] == 0
        assert run["started_at"] < run["finished_at"]
        files = g.read(
            "MATCH (:IngestRun {id: $id})-[l:LOADED]->(f:SourceFile) RETURN count(f) AS n",
            {"id": report.run_id},
        )
        assert files[0]["n"] == 7
        # The unique constraints hold on the imported data: a duplicate is refused.
        with pytest.raises(Exception, match="already exists"):
            g.write("CREATE (:Account {id: 'ig:1'})")


def test_transactional_ingest_adds_to_a_bulk_loaded_graph(graph, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = graph.settings
    first, second = tmp_path / "first", tmp_path / "second"
    generate_dataset(first, accounts=80, posts=800, seed=21)
    generate_dataset(second, accounts=90, posts=900, interactions=100, seed=22)
    with _fresh(settings) as g:
        wipe_graph(g)
        load_dataset(g, first, progress=False)
        load_dataset(g, second, progress=False)
        both = fingerprint(g)
    _bulk(settings, first)
    with _fresh(settings) as g:
        report = load_dataset(g, second, progress=False)
        assert report.rejected == 0
        assert fingerprint(g) == both


def test_refuses_a_server_it_does_not_manage(tmp_path) -> None:
    for uri in (
        "bolt://10.20.30.40:7687",
        "neo4j+s://abcd1234.databases.neo4j.io",
        "neo4j://db.example.org:7687",
    ):
        s = Settings(NEO4J_URI=uri, NEO4J_PASSWORD="whatever-pw", CIBGRAPH_HOME=str(tmp_path))
        with pytest.raises(bulk.BulkRefused, match="transactional ingest"):
            bulk.check_managed(s)
    s = Settings(NEO4J_URI="bolt://127.0.0.1:1", CIBGRAPH_BOLT_PORT=2, NEO4J_PASSWORD="whatever-pw")
    with pytest.raises(bulk.BulkRefused, match="not the local server"):
        bulk.check_managed(s)
    env = {"NEO4J_URI": "neo4j+s://abcd1234.databases.neo4j.io", "NEO4J_PASSWORD": "x" * 10}
    proc = subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", "ingest", str(GOOD), "--bulk", "--no-progress"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, **env},
    )
    assert proc.returncode == 2
    assert "Refused" in proc.stderr and "Aura" in proc.stderr


def test_a_failed_import_leaves_the_previous_database(graph, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    settings = graph.settings
    data = tmp_path / "data"
    generate_dataset(data, accounts=50, posts=400, seed=9)
    _, before = _transactional(graph, GOOD)
    real_run = bulk.run_import

    def broken_import(cmd: list[str], env: dict[str, str], echo: Any) -> Any:
        # A relationship to a node that is not in the files: the real tool fails on it.
        bad = tmp_path / "bad.csv"
        bad.write_text(':START_ID(Post),:END_ID(Post)\n"no-such-post","neither"\n')
        return real_run([*cmd, f"--relationships=REPOST_OF={bad}"], env, echo)

    monkeypatch.setattr(bulk, "run_import", broken_import)
    with pytest.raises(bulk.BulkError, match="database is unchanged"):
        _bulk(settings, data)
    with _fresh(settings) as g:
        assert fingerprint(g) == before

    # A failure once the new database is in place: the previous one comes back.
    monkeypatch.setattr(bulk, "run_import", real_run)

    def failing_finish(*args: Any, **kw: Any) -> None:
        raise RuntimeError("simulated failure after the import")

    monkeypatch.setattr(bulk, "_finish", failing_finish)
    with pytest.raises(bulk.BulkError, match="previous database is back"):
        _bulk(settings, data)
    with _fresh(settings) as g:
        assert fingerprint(g) == before
    monkeypatch.undo()
    shutil.rmtree(bulk._Dirs(bulk.server.Layout(settings.server_home)).failed)


def test_import_files_quote_what_csv_makes_hard(tmp_path) -> None:
    """No server: the files' rows for values a naive CSV writer gets wrong."""
    with ImportFiles(tmp_path / "csv", tmp_path / "spool") as out:
        row = {"id": 'a"1', "props": {"platform": "x", "handle": "h", "handle_norm": "h"}}
        out.add("accounts", [row], {})
        groups = out.finish({"id": "run:1", "status": "running"})
    acc = next(g for g in groups if g.name == "Account")
    assert (
        acc.header.read_text()
        == "id:ID(Account),handle:string,handle_norm:string,platform:string\n"
    )
    assert acc.data.read_text() == '"a""1","h","h","x"\n'
    assert not acc.multiline


@pytest.mark.realdata
@pytest.mark.slow
def test_bulk_equals_transactional_on_real_exports(graph, shared_data, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Every adapter's real data, cut to a size a test can load twice: rows spread
    over several lines (CooRTweet), ads, profiles joined onto authors, and the
    IRA tweets of one folder of authors."""
    import csv

    csv.field_size_limit(sys.maxsize)
    ira = tmp_path / "ira"
    ira.mkdir()
    src = shared_data / "ira-tweets-by-author"
    shutil.copytree(src / "F", ira / "F")
    for f in ("authors.csv", "authors_tweet_general_statistics.csv"):
        shutil.copy(src / f, ira / f)
    coortweet = tmp_path / "coortweet"
    coortweet.mkdir()
    for table in (shared_data / "coortweet").glob("*.csv"):
        with (
            table.open(newline="", encoding="utf-8") as fh,
            (coortweet / table.name).open("w", newline="", encoding="utf-8") as out,
        ):
            w = csv.writer(out)
            for i, row in enumerate(csv.reader(fh)):
                if i > 12_000:
                    break
                w.writerow(row)
    loads = (
        ("coortweet", coortweet),
        ("hpsci-ads", shared_data / "hpsci-ira-facebook-ads"),
        ("twitter-users", shared_data / "nbc-ira-twitter-users"),
        ("ira-tweets", ira),
    )
    for fmt, path in loads:
        t_report, t_print = _transactional(graph, path, fmt, tolerate_rejects=True)
        b_report, b_print = _after_bulk(graph.settings, path, fmt, tolerate_rejects=True)
        assert b_print == t_print, fmt
        _same_report(b_report, t_report)
        assert t_report.total_loaded > 0
    with _fresh(graph.settings) as g:
        wipe_graph(g)
