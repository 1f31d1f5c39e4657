"""`meta-ad-library`: Ad Library API responses and JSONL, against the real server."""

from __future__ import annotations

import json
from pathlib import Path

from _adapter_support import FIXTURES, load, load_twice, one, rejects

DIR = FIXTURES / "meta_ad_library"


def _ads_in_fixtures() -> list[dict]:  # type: ignore[type-arg]
    page = json.loads((DIR / "ads_archive_page1.json").read_text())["data"]
    lines = (DIR / "ads_archive_older.jsonl").read_text().splitlines()
    return page + [json.loads(x) for x in lines if x.strip()]


def test_loads_responses_and_jsonl_and_reloads_unchanged(graph) -> None:  # type: ignore[no-untyped-def]
    ads = _ads_in_fixtures()
    pages = {a["page_id"] for a in ads}
    report = load_twice(graph, DIR, "meta-ad-library")
    assert report.rejected == 0
    assert report.loaded == {"accounts": len(pages), "ads": len(ads)}
    assert one(graph, "MATCH (a:Ad) RETURN count(a)") == len(ads)
    bought = graph.read(
        "MATCH (p:Account)-[:BOUGHT]->(a:Ad)-[:SPONSORED_BY]->(s:Sponsor) "
        "RETURN a.id AS ad, p.id AS page, s.name AS sponsor ORDER BY ad"
    )
    by_ad = {r["ad"]: r for r in bought}
    first = by_ad["facebook:ad:1023456789012345"]
    assert first["page"] == "facebook:page:101010101010101"
    assert first["sponsor"] == "Patriot Voice Movement"  # bylines
    assert by_ad["facebook:ad:3045678901234567"]["sponsor"] == "SMITH FOR OHIO"  # funding_entity
    assert by_ad["facebook:ad:4056789012345678"]["sponsor"] == "Shoe Shop"  # no disclaimer
    ad = graph.read("MATCH (a:Ad {id: 'facebook:ad:1023456789012345'}) RETURN a")[0]["a"]
    assert (ad["spend"], ad["spend_lower"], ad["spend_upper"]) == (100.0, 100, 199)
    assert (ad["impressions"], ad["impressions_upper"]) == (10000, 14999)
    assert ad["currency"] == "USD" and ad["publisher_platforms"] == "facebook,instagram"
    assert ad["started_at"].iso_format().startswith("2024-09-02T00:00:00")
    assert ad["landing_page"] == "https://patriotvoice.example/join"
    tags = graph.read(
        "MATCH (:Ad {id: 'facebook:ad:1023456789012345'})-[:TAGGED]->(h:Hashtag) RETURN h.name AS t"
    )
    assert [t["t"] for t in tags] == ["securethevote"]
    open_range = graph.read("MATCH (a:Ad {id: 'facebook:ad:1023456789012346'}) RETURN a")[0]["a"]
    assert open_range["impressions"] == 1000000 and "impressions_upper" not in open_range
    older = graph.read("MATCH (a:Ad {id: 'facebook:ad:3045678901234567'}) RETURN a")[0]["a"]
    assert older["ended_at"].iso_format().startswith("2019-06-01T00:00:00")  # `+0000` read


def test_broken_input_rejects_by_line_and_path_and_keeps_the_rest(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = (DIR / "ads_archive_page1.json").read_text()
    third = text.index('"id": "2034567890123456"')
    (tmp_path / "truncated.json").write_text(text[: third + 60])
    cut_line = text[: text.rindex("{", 0, third)].count("\n") + 1  # where the ad starts
    good = json.loads((DIR / "ads_archive_older.jsonl").read_text().splitlines()[0])
    lines = [
        json.dumps(good),
        json.dumps({**good, "id": "9000000000000001", "ad_delivery_start_time": "02/05/2019"}),
        json.dumps(
            {**good, "id": "9000000000000002", "bylines": "Caf\u00e9 PAC"}, ensure_ascii=False
        ),
        json.dumps({**good, "id": "9000000000000003", "spend": {"lower_bound": "lots"}}),
        json.dumps({**good, "id": "9000000000000004", "ad_creative_bodies": ["x" * 2_000_000]}),
        '{"id": "9000000000000005", "page_id": "1", "bylines": "Cut',
    ]
    raw = "\n".join(lines).encode().replace("Caf\u00e9".encode(), b"Caf\xe9")
    (tmp_path / "ads.jsonl").write_bytes(raw + b"\n")
    report = load(graph, tmp_path, "meta-ad-library")
    got = rejects(report)
    assert ("truncated.json", cut_line, "data[2]") in got
    assert ("ads.jsonl", 2, "ad_delivery_start_time") in got
    assert ("ads.jsonl", 3, "") in got  # not UTF-8
    assert ("ads.jsonl", 4, "spend.lower_bound") in got
    assert ("ads.jsonl", 6, "") in got  # truncated line
    assert report.rejected == 5
    reasons = " ".join(r.reason for r in report.rejects)
    assert "not UTF-8" in reasons and "truncated" in reasons and "RFC 3339" in reasons
    # Good records are all there, the huge body in full (a documented tolerance).
    assert report.loaded["ads"] == 2 + 2
    huge = one(graph, "MATCH (a:Ad {id: 'facebook:ad:9000000000000004'}) RETURN size(a.text)")
    assert huge == 2_000_000


def test_a_file_of_one_ad_per_line_of_responses(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = json.loads((DIR / "ads_archive_page1.json").read_text())
    path = tmp_path / "pages.jsonl"
    path.write_text(json.dumps(page) + "\n" + json.dumps({"data": [], "paging": {}}) + "\n")
    report = load(graph, path, "meta-ad-library")
    assert report.rejected == 0 and report.loaded["ads"] == len(page["data"])
