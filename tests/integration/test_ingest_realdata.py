"""Every real file in ../shared/data loaded through its adapter, with counts a
reader can check: the expected figures are computed here from the files with
the csv module, independently of the adapters, and checked against the
figures the data README states."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cibgraph.ingest import load_dataset
from cibgraph.ingest.verify import wipe_graph

pytestmark = [pytest.mark.realdata, pytest.mark.slow]
csv.field_size_limit(sys.maxsize)

LOADS = (
    ("ira-tweets", "ira-tweets-by-author"),
    ("twitter-users", "nbc-ira-twitter-users"),
    ("hpsci-ads", "hpsci-ira-facebook-ads"),
    ("coortweet", "coortweet"),
)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


@pytest.fixture(scope="module")
def real(neo4j_server, shared_data) -> Iterator[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """All real datasets loaded once into the (wiped) test database."""
    from cibgraph.db import Graph

    graph = Graph(neo4j_server)
    wipe_graph(graph)
    reports = {
        fmt: load_dataset(graph, shared_data / folder, fmt, progress=False) for fmt, folder in LOADS
    }
    yield {"graph": graph, "reports": reports, "data": shared_data}
    # Leave an empty database: the shared `graph` fixture's wipe is sized for small graphs.
    wipe_graph(graph)
    graph.close()


def q(real: dict[str, Any], cypher: str, **params: Any) -> Any:
    rows = real["graph"].read(cypher, params, timeout=300)
    return next(iter(rows[0].values()))


def test_ira_tweets_rows_and_authors(real) -> None:  # type: ignore[no-untyped-def]
    files = [
        p
        for p in sorted((real["data"] / "ira-tweets-by-author").rglob("*.csv"))
        if p.parent.name != "ira-tweets-by-author"
    ]
    rows = authors = retweets = 0
    handles: set[str] = set()
    for f in files:
        for row in _rows(f):
            rows += 1
            handles.add(row["author_id"].lower())
            retweets += row["retweet"] == "1"
    authors = len(handles)
    # The README: "about 277,000 tweets", authors filed under E, F, G, H and 1_9.
    assert 270_000 < rows < 285_000 and 370 <= authors <= 390
    report = real["reports"]["ira-tweets"]
    assert report.rejected == 0
    assert report.loaded == {"accounts": authors, "posts": rows}
    assert q(real, "MATCH (p:Post) WHERE p.id STARTS WITH 'twitter:ira:' RETURN count(p)") == rows
    assert (
        q(
            real,
            "MATCH (a:Account)-[:POSTED]->() WHERE a.id STARTS WITH 'twitter:' "
            "RETURN count(DISTINCT a)",
        )
        == authors
    )
    assert (
        q(
            real,
            "MATCH (p:Post {is_repost: true}) WHERE p.id STARTS WITH 'twitter:ira:' "
            "RETURN count(p)",
        )
        == retweets
    )
    # Hashtags, mentions and links from the text.
    assert q(real, "MATCH (:Post)-[:TAGGED]->(h:Hashtag) RETURN count(DISTINCT h)") > 1000
    assert (
        q(
            real,
            "MATCH (p:Post)-[:MENTIONS]->() WHERE p.id STARTS WITH 'twitter:ira:' "
            "RETURN count(DISTINCT p)",
        )
        > 1000
    )
    assert (
        q(
            real,
            "MATCH (p:Post)-[:LINKS_TO]->(:Url)-[:ON_DOMAIN]->(:Domain {name: 't.co'}) "
            "RETURN count(DISTINCT p)",
        )
        > 1000
    )
    # No post ended up with a stub author.
    assert q(real, "MATCH (a:Account)-[:POSTED]->() WHERE a.stub RETURN count(a)") == 0


def test_twitter_users_join_onto_tweet_authors(real) -> None:  # type: ignore[no-untyped-def]
    users = list(_rows(real["data"] / "nbc-ira-twitter-users" / "users.csv"))
    assert len(users) == 454  # the README's figure
    assert real["reports"]["twitter-users"].loaded == {"accounts": 454}
    authors = {
        row["author_id"].lower()
        for f in (real["data"] / "ira-tweets-by-author").glob("*/*.csv")
        for row in _rows(f)
    }
    matching = {u["screen_name"].lower() for u in users} & authors
    dated = {u["screen_name"].lower() for u in users if u["created_at"].strip()} & authors
    assert matching, "the README says most screen names match tweet authors"
    # Every profile is an account keyed like the tweet authors (no duplicates) ...
    ids = sorted({"twitter:" + u["screen_name"].lower() for u in users})
    assert q(
        real, "MATCH (a:Account) WHERE a.id IN $ids AND a.stub IS NULL RETURN count(a)", ids=ids
    ) == len(ids)
    assert q(
        real, "MATCH (a:Account)-[:POSTED]->() WHERE a.id IN $ids RETURN count(DISTINCT a)", ids=ids
    ) == len(matching)
    # ... and those with a creation date give it to the author.
    assert q(
        real,
        "MATCH (a:Account)-[:POSTED]->() WHERE a.id STARTS WITH 'twitter:' "
        "AND a.created_at IS NOT NULL RETURN count(DISTINCT a)",
    ) == len(dated)
    first = users[0]
    acc = real["graph"].read(
        "MATCH (a:Account {id: $id}) RETURN a", {"id": "twitter:" + first["screen_name"].lower()}
    )[0]["a"]
    assert acc["display_name"] == first["name"] and acc["bio"] == first["description"]
    assert (
        acc["created_at"].isoformat().startswith("2009-01-07T04:38:02")
    )  # Wed Jan 07 04:38:02 +0000 2009


def test_hpsci_ads(real) -> None:  # type: ignore[no-untyped-def]
    rows = list(_rows(real["data"] / "hpsci-ira-facebook-ads" / "ads.csv"))
    assert len(rows) == 3517
    report = real["reports"]["hpsci-ads"]
    assert report.rejected == 0 and report.loaded["ads"] == 3517
    assert q(real, "MATCH (a:Ad) RETURN count(a)") == 3517
    assert q(real, "MATCH (a:Ad) WHERE NOT (a)-[:SPONSORED_BY]->(:Sponsor) RETURN count(a)") == 0
    no_spend = sum(1 for r in rows if r["Ad Spend"].strip() in ("None", ""))
    assert q(real, "MATCH (a:Ad) WHERE a.spend IS NULL RETURN count(a)") == no_spend
    rub = sum(1 for r in rows if r["Ad Spend"].strip().endswith("RUB"))
    assert q(real, "MATCH (a:Ad {currency: 'RUB'}) RETURN count(a)") == rub
    ad = real["graph"].read(
        "MATCH (a:Ad {id: 'facebook:ad:hpsci:330'})-[:SPONSORED_BY]->(s) "
        "OPTIONAL MATCH (b:Account)-[:BOUGHT]->(a) RETURN a, s.name AS sponsor, b.id AS buyer"
    )[0]
    assert ad["a"]["spend"] == 88.45 and ad["a"]["currency"] == "RUB"
    assert ad["a"]["started_at"].isoformat().startswith("2015-06-15T14:22:00")  # 07:22 PDT
    assert ad["sponsor"] == "Black Matters" and ad["buyer"] == "facebook:page:black-matters"


def test_coortweet_tables(real) -> None:  # type: ignore[no-untyped-def]
    ge = list(_rows(real["data"] / "coortweet" / "german_elections.csv"))
    posts = {(r["account_id"], r["post_id"]) for r in ge if r["post_id"]}
    missing_post = sum(1 for r in ge if not r["post_id"])
    phashes = {r["phash_id"] for r in ge if r["post_id"] and r["phash_id"]}
    rt = [tuple(r.values()) for r in _rows(real["data"] / "coortweet" / "russian_coord_tweets.csv")]
    report = real["reports"]["coortweet"]
    # Rows without a post id, and exact repeats of a retweet row, are reported.
    assert report.rejected == missing_post + (len(rt) - len(set(rt)))
    assert q(
        real,
        "MATCH (p:Post) WHERE p.id STARTS WITH 'coortweet:' "
        "AND NOT p.id STARTS WITH 'coortweet:rt:' AND p.stub IS NULL "
        "RETURN count(p)",
    ) == len(posts)
    assert q(real, "MATCH (p:Post) WHERE p.id STARTS WITH 'coortweet:rt:' RETURN count(p)") == len(
        set(rt)
    )
    assert q(
        real, "MATCH (i:Image) WHERE i.key STARTS WITH 'coortweet-phash:' RETURN count(i)"
    ) == len(phashes)
    objects = {r[0] for r in rt}
    assert q(
        real,
        "MATCH (:Post)-[:REPOST_OF]->(t:Post {stub: true}) "
        "WHERE t.id STARTS WITH 'coortweet:' RETURN count(DISTINCT t)",
    ) == len(objects)


def test_second_load_changes_no_count(real) -> None:  # type: ignore[no-untyped-def]
    """Every dataset again, except that of the 277k tweets only the authors under
    `E/` are reloaded (the same adapter and writer, a sixth of the time). That
    subset is a new set of input files, so it adds its own IngestRun and a
    LOADED link to each (already known) SourceFile, and nothing else."""
    graph = real["graph"]
    before = graph.counts()
    for fmt, folder in LOADS[1:]:
        report = load_dataset(graph, real["data"] / folder, fmt, progress=False)
        assert report.run_id == real["reports"][fmt].run_id
    again = load_dataset(
        graph, real["data"] / "ira-tweets-by-author" / "E", "ira-tweets", progress=False
    )
    assert again.loaded["posts"] > 10_000 and again.rejected == 0
    e_files = len(list((real["data"] / "ira-tweets-by-author" / "E").rglob("*.csv")))
    assert graph.counts() == {
        "nodes": before["nodes"] + 1,
        "relationships": before["relationships"] + e_files,
    }
