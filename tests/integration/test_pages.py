"""Page data, formatting, the case file, the Browser stylesheet and the guide's overview."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import networkx as nx
import pytest
from _detect_planted import COORDINATED, plant
from _serve_support import READER_KEY, write_catalogue
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from cibgraph.api.app import create_app
from cibgraph.api.guide import GROUPS_TABLE, OVERVIEW, render_guide
from cibgraph.case import csv_text
from cibgraph.cli import app as cli_app
from cibgraph.cypher.catalogue import cypher_literal, load_dir
from cibgraph.detect import run_detection
from cibgraph.settings import Settings
from cibgraph.verdicts import carry_verdicts, record_verdict
from cibgraph.viz.charts import timeline_svg
from cibgraph.viz.pages import fmt_lag, fmt_time, item_kind, parse_items, thumbnail
from cibgraph.viz.report import readable

# ---------------------------------------------------------------- pure


def test_times_and_lags_read_as_an_analyst_writes_them() -> None:
    assert fmt_time("2018-08-14T09:00:12.000000000+00:00") == "2018-08-14 09:00:12 UTC"
    assert fmt_time(1534237212) == "2018-08-14 09:00:12 UTC"
    assert fmt_time("2018-08-14T11:00:12+02:00") == "2018-08-14 09:00:12 UTC"
    assert [fmt_lag(s) for s in (0, 14, 60, 185, 7260, 90000)] == [
        "+0 s",
        "+14 s",
        "+1 min",
        "+3 min 5 s",
        "+2 h 1 min",
        "+1 d 1 h",
    ]
    assert readable("2017-10-10T16:09:59.000000000+00:00") == "2017-10-10 16:09:59 UTC"
    assert readable("sha256:" + "ab" * 32) == "sha256:abababababab…"
    assert readable(["a", "b"]) == "a, b" and readable(None) == ""


def test_evidence_items_use_kind_and_preview_when_given() -> None:
    ev = {
        "items": [
            {
                "item": "img:sha256:" + "a" * 64,
                "posts": [{"account_id": "m1", "post_id": "p", "at": 5}],
            },
            {
                "item": "text:k",
                "kind": "text",
                "preview": "hello",
                "posts": [
                    {"account_id": "m1", "post_id": "p1", "at": 1},
                    {"account_id": "outsider", "post_id": "p2", "at": 2},
                    {"account_id": "m2", "post_id": "p3", "at": "bad time"},
                ],
            },
            {"item": "x", "posts": "not a list"},
        ]
    }
    items = parse_items(ev, {"m1", "m2"})
    assert [i["item"] for i in items] == ["img:sha256:" + "a" * 64, "text:k"]
    assert [p["post_id"] for p in items[1]["posts"]] == ["p1"]  # members with a time only
    assert [item_kind(i) for i in items] == ["image", "text"]
    assert parse_items("not json", {"m1"}) == [] and parse_items({"facts": {}}, set()) == []


def test_thumbnail_from_a_local_file_only(tmp_path: Path) -> None:
    Image.new("RGB", (400, 300), "red").save(tmp_path / "a.png")
    uri = thumbnail("a.png", [tmp_path])
    assert uri is not None and uri.startswith("data:image/png;base64,")
    assert thumbnail("missing.png", [tmp_path]) is None
    (tmp_path / "not.png").write_text("<svg onload=alert(1)>")
    assert thumbnail("not.png", [tmp_path]) is None


def test_chart_text_is_escaped_and_never_mathtext() -> None:
    svg = timeline_svg(
        ["$x$ <b>", "</script><img src=x>"], [(0, 1e9), (1, 1e9 + 5)], [[(0, 1e9), (1, 1e9 + 5)]]
    )
    assert "<b>" not in svg and "<img" not in svg and "</script>" not in svg
    assert "&lt;b&gt;" in svg and "$x$" in svg
    assert svg.count('id="lane-') == 2 and svg.count("<use ") >= 2


def test_csv_cells_never_run_as_formulas() -> None:
    text = csv_text(
        [{"a": '=HYPERLINK("x")', "b": "+1", "c": "plain, with comma"}], ["a", "b", "c"]
    )
    row = next(csv.DictReader(io.StringIO(text)))
    assert row == {"a": '\'=HYPERLINK("x")', "b": "'+1", "c": "plain, with comma"}


# ---------------------------------------------------------------- against the server


@pytest.fixture()
def detected(graph):  # type: ignore[no-untyped-def]
    plant(graph)
    run_detection(graph)
    carry_verdicts(graph)
    graph.write(
        "MATCH (a:Account {id: 't:c2'}) SET a.handle = $h, a.bio = $b",
        {"h": "=cmd|calc", "b": "<img src=x onerror=alert(1)>"},
    )
    gid = graph.read("MATCH (g:Group)<-[:MEMBER_OF]-(:Account {id: 't:c1'}) RETURN g.id AS id")[0][
        "id"
    ]
    record_verdict(graph, "group", gid, "confirmed", "same images </script>", "ana")
    return graph, gid


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(str(a["id"]))


def test_case_file_zip_parses(detected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    graph, gid = detected
    out = tmp_path / "case.zip"
    result = CliRunner().invoke(cli_app, ["export", "case", gid, "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        folder = names[0].split("/")[0]
        assert all(n.startswith(folder + "/") and ".." not in n for n in names)
        files = {n.split("/", 1)[1]: zf.read(n).decode("utf-8") for n in names}
    expected = {"group.html", "group.graphml", "case.json"} | {
        f"{t}.{ext}"
        for t in ("members", "evidence", "timeline", "verdicts")
        for ext in ("csv", "json")
    }
    assert set(files) == expected
    ev = json.loads(
        graph.read("MATCH (g:Group {id: $id}) RETURN g.evidence_json AS e", {"id": gid})[0]["e"]
    )
    marks = sum(len(it["posts"]) for it in ev["items"])
    evidence = list(csv.DictReader(io.StringIO(files["evidence.csv"])))
    assert len(evidence) == marks == len(json.loads(files["evidence.json"]))
    assert all(r["post_id"] and r["posted_at"].endswith("Z") for r in evidence)
    members = list(csv.DictReader(io.StringIO(files["members.csv"])))
    assert sorted(r["account_id"] for r in members) == sorted(COORDINATED)
    assert "'=cmd|calc" in [r["handle"] for r in members]  # not a formula
    timeline = json.loads(files["timeline.json"])
    assert sum(len(r["shared_items"]) for r in timeline) == marks
    verdicts = json.loads(files["verdicts.json"])
    assert [v["verdict"] for v in verdicts] == ["confirmed"] and verdicts[0]["by"] == "ana"
    assert (
        next(csv.DictReader(io.StringIO(files["verdicts.csv"])))["note"] == "same images </script>"
    )
    g = nx.parse_graphml(files["group.graphml"])
    assert {n for n, d in g.nodes(data=True) if d["kind"] == "account"} == set(COORDINATED)
    assert len(ev["items"]) == sum(1 for _, d in g.nodes(data=True) if d["kind"] != "account")
    parser = _Tags()
    parser.feed(files["group.html"])
    assert {"timeline-chart", "evidence-table", "members-table", "verdict-history"} <= set(
        parser.ids
    )
    assert (
        "<img src=x" not in files["group.html"]
        and "same images </script>" not in files["group.html"]
    )
    summary = json.loads(files["case.json"])
    assert summary["group_id"] == gid and summary["verdict"]["verdict"] == "confirmed"
    bad = CliRunner().invoke(
        cli_app, ["export", "case", "no-such-group", "-o", str(tmp_path / "x.zip")]
    )
    assert bad.exit_code == 2 and "no group" in bad.output


def test_browser_overview_returns_styled_virtual_nodes(detected) -> None:  # type: ignore[no-untyped-def]
    graph, gid = detected
    with graph.session(read_only=True) as session:  # records keep labels; .data() would not
        rows = list(session.run(OVERVIEW))
    accounts = {r["account"].element_id: r["account"] for r in rows}
    assert sorted(a["id"] for a in accounts.values()) == sorted(COORDINATED)
    assert all("InGroup1" in a.labels for a in accounts.values())
    groups = {r["group"]["id"]: r["group"] for r in rows}
    assert list(groups) == [gid]
    assert any(lbl.startswith("Score") for lbl in groups[gid].labels)
    coordinated = [rel for r in rows for rel in r["coordinated"]]
    assert len(coordinated) == 3 and all(rel["weight"] for rel in coordinated)
    table = graph.read(GROUPS_TABLE.replace("{base}", cypher_literal("http://localhost:8000")))
    assert table[0]["page"] == f"http://localhost:8000/views/groups/{gid}"
    assert table[0]["verdict"] == "confirmed"


def test_style_and_guide_are_served_to_browser(tmp_path: Path) -> None:
    cat = load_dir(write_catalogue(tmp_path / "q"))
    settings = Settings(CIBGRAPH_API_KEYS=f"{READER_KEY}:reader")
    app = create_app(settings, catalogue=cat)
    origin = f"http://localhost:{urlsplit(settings.browser_url).port}"  # Browser's own page
    with TestClient(app) as c:
        style = c.get("/style.grass", headers={"Origin": origin})
        guide = c.get("/guide", headers={"Origin": origin}).text
    assert style.status_code == 200 and style.headers["access-control-allow-origin"] == origin
    text = style.text
    assert 'node.Account { caption: "{handle}"' in text
    assert "node.InGroup1 {" in text and "node.Score5 { diameter" in text
    assert 'relationship.COORDINATED_WITH { caption: "{weight}"' in text
    first = guide.split("</slide>")[0]
    assert ":style http://testserver/style.grass" in first
    assert "/views/groups/" in first
    # Query slides link their results to the pages.
    assert "http://testserver/views/accounts/ACCOUNT_ID" in guide
    shipped = render_guide([], api_base="http://x")
    assert "apoc.create.vNode" in shipped
