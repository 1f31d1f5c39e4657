"""Ad Library ads checked against the FEC registry: ingest → `cibgraph detect` →
`unregistered_ad_sponsors`, through the command line, on the real server."""

from __future__ import annotations

import json
from pathlib import Path

from _adapter_support import FIXTURES, cli, copy, load

from cibgraph.cypher.runner import run_stored

ADS = FIXTURES / "meta_ad_library" / "ads_archive_page1.json"
FEC = FIXTURES / "fec" / "cm.txt"


def test_registered_committee_written_differently_counts_as_registered(
    graph, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    registry = tmp_path / "fec"
    registry.mkdir()
    (registry / "cm.txt").write_text(
        "C00700001|CITIZENS FOR X INC|A TREASURER|||ALEXANDRIA|VA|22201|U|Q|NON|Q|||\n"
    )
    ad = {
        "id": "5000000000000001",
        "page_id": "777",
        "page_name": "X Page",
        "bylines": "Citizens for X, Inc.",
        "ad_delivery_start_time": "2024-10-01",
        "spend": {"lower_bound": "100", "upper_bound": "199"},
        "currency": "USD",
    }
    decoy = {**ad, "id": "5000000000000002", "bylines": "Citizens for Y, Inc."}
    # no "paid for by" at all: the page stands in as sponsor, which is no disclaimer
    silent = {k: v for k, v in ad.items() if k != "bylines"} | {"id": "5000000000000003"}
    ads = tmp_path / "ads"
    ads.mkdir()
    (ads / "ads.json").write_text(json.dumps({"data": [ad, decoy, silent], "paging": {}}))
    # Either order of loading gives the same answer.
    assert load(graph, ads, "meta-ad-library").rejected == 0
    assert load(graph, registry, "fec-committees").rejected == 0
    out = run_stored(graph, "unregistered_ad_sponsors", {}).rows
    assert [r["sponsor"] for r in out] == ["Citizens for Y, Inc."]
    assert graph.read(
        "MATCH (ad:Ad {id: 'facebook:ad:5000000000000003'})-[:SPONSORED_BY]->(s:Sponsor) "
        "RETURN ad.sponsor_from AS f, s.name AS name"
    ) == [{"f": "page", "name": "X Page"}]
    registered = graph.read(
        "MATCH (:Ad {id: 'facebook:ad:5000000000000001'})-[:SPONSORED_BY]->(s:Sponsor) RETURN s"
    )[0]["s"]
    assert registered["registered"] is True and registered["registration_id"] == "C00700001"


def test_end_to_end_ads_and_registry_through_detect(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(ADS.read_text())["data"]
    registry = {line.split("|")[1] for line in FEC.read_text().splitlines() if line}
    # The planted case: one sponsor with no committee, one registered under another spelling.
    assert {a["bylines"] for a in data} == {
        "Patriot Voice Movement",
        "Citizens for Clean Water, Inc.",
    }
    assert "CITIZENS FOR CLEAN WATER INC" in registry
    ads_dir = tmp_path / "ads"
    copy(ADS, ads_dir)
    for args in (
        ("ingest", str(FEC), "--format", "fec-committees"),
        ("ingest", str(ads_dir), "--format", "meta-ad-library"),
        ("detect",),
    ):
        done = cli(*args, "--no-progress") if args[0] == "ingest" else cli(*args, "--json")
        assert done.returncode == 0, done.stderr
    out = run_stored(graph, "unregistered_ad_sponsors", {}).rows
    assert len(out) == 1
    planted = out[0]
    assert planted["sponsor"] == "Patriot Voice Movement"
    assert planted["account_ids"] == ["facebook:page:101010101010101"]
    assert planted["ads"] == 2 and planted["spend"] == 100 + 5000  # lower bounds, summed
    assert planted["currencies"] == ["USD"]
