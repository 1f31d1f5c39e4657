"""The group page, the account page and the report index in real headless Chromium.

On the planted graph (tests/_detect_planted.py) after detection, with an injected
bio, display name, caption and verdict note: each page shows the expected lanes
and marks, makes no request that leaves the machine, and runs nothing from the
data. A screenshot of each page is saved under out/screenshots/ (not committed).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from _detect_planted import COORDINATED, plant
from _serve_support import ARGS, CHROMIUM, READER_KEY, api_settings, write_catalogue
from test_browser_views import Watched, _free_port

from cibgraph.detect import run_detection
from cibgraph.verdicts import carry_verdicts, record_verdict

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "out" / "screenshots"
XSS = "<img src=x onerror=alert(1)></script><script>alert(2)</script>"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def planted(graph: Any) -> str:
    """Detect on the planted graph, poison the texts a page shows; return the group id."""
    plant(graph)
    run_detection(graph)
    carry_verdicts(graph)
    graph.write(
        "MATCH (a:Account) WHERE a.id IN $ids SET a.bio = $x, a.display_name = $x",
        {"ids": COORDINATED, "x": XSS},
    )
    # A caption on every post of the coordinated accounts (so on the evidence's texts too).
    graph.write(
        "MATCH (a:Account)-[:POSTED]->(p:Post) WHERE a.id IN $ids SET p.text = $x",
        {"ids": COORDINATED, "x": "caption " + XSS},
    )
    gid = graph.read("MATCH (g:Group)<-[:MEMBER_OF]-(a:Account {id: 't:c1'}) RETURN g.id AS id")[0][
        "id"
    ]
    record_verdict(graph, "group", gid, "needs_review", "note " + XSS, "ana")
    record_verdict(graph, "account", "t:c1", "confirmed", "note " + XSS, "ana")
    return str(gid)


def expected_marks(graph: Any, gid: str) -> tuple[int, int]:
    row = graph.read(
        "MATCH (g:Group {id: $id}) RETURN g.evidence_json AS ev, g.size AS size", {"id": gid}
    )[0]
    items = json.loads(row["ev"])["items"]
    return row["size"], sum(len(it["posts"]) for it in items)


@pytest.fixture()
def live(graph, tmp_path: Path) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    import uvicorn

    from cibgraph.api.app import create_app
    from cibgraph.cypher.catalogue import load_dir

    gid = planted(graph)
    app = create_app(
        api_settings(graph.settings), catalogue=load_dir(write_catalogue(tmp_path / "q"))
    )
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    t = threading.Thread(target=server.run, daemon=True)
    t.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", gid
    server.should_exit = True
    t.join(10)


def _inert(w: Watched) -> None:
    page = w.page
    time.sleep(0.3)  # let any stray handler fire first
    w.assert_safe()
    # No element was made from the data: the only images are our own thumbnails (data:).
    srcs = page.evaluate("[...document.querySelectorAll('img')].map(i => i.getAttribute('src'))")
    assert all(s.startswith("data:image/png;base64,") for s in srcs), srcs
    assert page.evaluate("document.querySelectorAll('script:not([id=page-data])').length") == 2


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_group_page_lanes_marks_and_inert_data(browser: Any, live: tuple[str, str], graph) -> None:  # type: ignore[no-untyped-def]
    base, gid = live
    size, marks = expected_marks(graph, gid)
    assert size == 3 and marks > 0
    w = Watched(browser, {"X-API-Key": READER_KEY})
    try:
        page = _open(w, f"{base}/views/groups/{quote(gid)}")
        # One lane per member, one mark per post of a shared item.
        assert page.locator("#timeline-chart g[id^='lane-']").count() == size
        assert page.locator("#timeline-chart g#shared-marks use").count() == marks
        assert page.locator("#timeline-chart").get_attribute("data-marks") == str(marks)
        assert page.locator("#members-table tr[data-account]").count() == size
        # The network: members only by default, items on demand.
        assert page.evaluate("network.body.data.nodes.length") == size
        n_items = page.evaluate(
            "JSON.parse(document.getElementById('page-data').textContent).network.items.length"
        )
        page.click("#expand-all")
        assert page.evaluate("network.body.data.nodes.length") == size + n_items
        page.click("#expand-all")
        assert page.evaluate("network.body.data.nodes.length") == size
        page.evaluate("cibgraphView.showEdge('e0')")
        assert "Show these items" in page.locator("#details").inner_text()
        # The injected texts are on the page as text.
        body = page.locator("body").inner_text()
        assert "note " + XSS in body and "caption " + XSS in body
        page.evaluate("cibgraphView.showNode('t:c1')")
        assert XSS in page.locator("#details").inner_text()
        # Share since a date recomputes in the page.
        page.fill("#since", "2100-01-01")
        page.dispatch_event("#since", "change")
        assert page.locator("#share-posts").inner_text() == "0%"
        _inert(w)
        _shot(page, "group.png")
    finally:
        w.close()


def test_account_page(browser: Any, live: tuple[str, str]) -> None:
    base, _ = live
    w = Watched(browser, {"X-API-Key": READER_KEY})
    try:
        page = _open(w, f"{base}/views/accounts/t:c1")
        assert page.locator("#timeline-chart g[id^='lane-']").count() == 1
        rows = page.locator("#neighbours-table tr").all_inner_texts()
        # The other two members are neighbours, each with the items they co-posted.
        for handle in ("anna_weber92", "annaweber_93"):
            (row,) = [r for r in rows if handle in r]
            assert "none stored" not in row and "+" in row, row
        assert "confirmed" in page.locator("h1").inner_text()
        assert "note " + XSS in page.locator("#verdict-history").inner_text()
        assert XSS in page.locator("#profile-table").inner_text()
        ids = set(page.evaluate("network.body.data.nodes.getIds()"))
        assert {"t:c1", "t:c2", "t:c3"} <= ids
        _inert(w)
        _shot(page, "account.png")
    finally:
        w.close()


def test_report_pages_offline(browser: Any, graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from cibgraph.demo import build_report

    gid = planted(graph)
    size, marks = expected_marks(graph, gid)
    index = build_report(
        graph,
        tmp_path,
        source="planted " + XSS,
        evaluation={"co_posting": {"precision": 1.0, "recall": 1.0}},
        evaluation_note="",
        stages=[],
        ingest=[],
    )
    w = Watched(browser)
    try:
        page = w.page
        page.goto(index.as_uri())
        assert page.locator("#groups-table tr[id^='group-']").count() == 1
        assert "needs review" in page.locator("#groups-table").inner_text()
        assert "6.2" in page.locator("#groups-table").inner_text()  # tactic ids shown
        assert "planted " + XSS in page.locator("body").inner_text()
        _inert_static(w)
        _shot(page, "report-index.png")
        page.click("#groups-table a")
        _settled(page)
        assert page.locator("#timeline-chart g#shared-marks use").count() == marks
        assert page.locator("#timeline-chart g[id^='lane-']").count() == size
        _inert(w)
        _shot(page, "report-group.png")
        page.click("#members-table a >> nth=0")
        _settled(page)
        assert page.locator("#profile-table").count() == 1
        _inert(w)
        _shot(page, "report-account.png")
    finally:
        w.close()


def _open(w: Watched, url: str) -> Any:
    w.page.goto(url)
    _settled(w.page)
    return w.page


def _settled(page: Any) -> None:
    """Wait for the network's layout. Polled from here: wait_for_function compiles its
    predicate with eval, which the page's CSP (rightly) forbids."""
    page.wait_for_load_state("load")
    deadline = time.monotonic() + 60
    while not page.evaluate("window.cibgraphStabilized === true"):
        assert time.monotonic() < deadline, "the network never settled"
        time.sleep(0.1)


def _inert_static(w: Watched) -> None:
    time.sleep(0.3)
    w.assert_safe()
    assert w.page.evaluate("document.querySelectorAll('img, script').length") == 0
