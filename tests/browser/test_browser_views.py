"""Network views in real headless Chromium (Debian's /usr/bin/chromium).

Each page must render the expected nodes, make no request that leaves the
machine, and show an injected bio as text without running it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from _serve_support import (
    ARGS,
    CHROMIUM,
    READER_KEY,
    XSS_BIO,
    api_settings,
    give_group_its_items,
    seed,
    write_catalogue,
)

from cibgraph.viz.render import ViewData, ViewEdge, ViewNode, render_view

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


class Watched:
    """A page with every request and dialog recorded."""

    def __init__(self, browser: Any, headers: dict[str, str] | None = None) -> None:
        self.context = browser.new_context(extra_http_headers=headers or {})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)
        # Any script the data managed to run would flip this flag.
        self.page.add_init_script(
            "window.__xss = false; window.alert = function () { window.__xss = true; };"
        )

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, url: str) -> Any:
        self.page.goto(url)
        self.page.wait_for_function("window.network !== undefined", timeout=30_000)
        self.page.wait_for_function("window.cibgraphStabilized === true", timeout=60_000)
        return self.page

    def outside_requests(self) -> list[str]:
        out = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in {"file", "data", "blob", "about"}:
                continue
            if parts.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out

    def assert_safe(self) -> None:
        assert self.outside_requests() == []
        assert self.dialogs == []
        assert self.page.evaluate("window.__xss") is False

    def close(self) -> None:
        self.context.close()


def _sample(n: int) -> ViewData:
    nodes = [
        ViewNode(
            f"x:{i}",
            f"user{i}",
            "Account",
            f"g{i % 3}",
            float(i),
            {"handle": f"user{i}", "bio": "plain"},
        )
        for i in range(n)
    ]
    # The injected bio sits on the most active node, so the cap keeps it.
    nodes.append(
        ViewNode("x:evil", "evil", "Account", "g0", 1000.0, {"handle": "evil", "bio": XSS_BIO})
    )
    edges = [ViewEdge(f"x:{i}", f"x:{i + 1}", "link") for i in range(n - 1)]
    edges.append(ViewEdge("x:evil", "x:1", "<script>alert(3)</script>"))
    return ViewData("Sample <b>view</b>", nodes, edges)


def _hover(page: Any, node_id: str) -> str:
    pos = page.evaluate(
        "(id) => { const p = network.canvasToDOM(network.getPositions([id])[id]);"
        " const r = document.getElementById('network').getBoundingClientRect();"
        " return {x: p.x + r.left, y: p.y + r.top}; }",
        node_id,
    )
    page.mouse.move(pos["x"] + 1, pos["y"] + 1)
    page.mouse.move(pos["x"], pos["y"])
    page.wait_for_selector("div.vis-tooltip", state="visible", timeout=10_000)
    return page.eval_on_selector("div.vis-tooltip", "el => el.textContent")  # type: ignore[no-any-return]


def test_offline_file_renders_capped_nodes_and_escapes_the_bio(
    browser: Any, tmp_path: Path
) -> None:
    html = render_view(_sample(40), browser_url="http://127.0.0.1:7474/browser/", cap=15)
    f = tmp_path / "view.html"
    f.write_text(html, encoding="utf-8")
    w = Watched(browser)
    try:
        page = w.open(f.as_uri())
        assert page.evaluate("network.body.data.nodes.length") == 15
        cap = page.locator("#cap")
        assert cap.is_visible() and "Showing 15 of 41 nodes" in cap.inner_text()
        assert page.title() == "Sample <b>view</b>"
        assert page.evaluate("network.physics.options.enabled") is False
        # Tooltip on hover: shown as text, no element made from it.
        tip = _hover(page, "x:evil")
        assert XSS_BIO in tip
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        # Search by handle selects the node and shows its details as text.
        page.fill("#search", "@EVIL")
        page.press("#search", "Enter")
        assert page.evaluate("network.getSelectedNodes()") == ["x:evil"]
        details = page.locator("#details").inner_text()
        assert XSS_BIO in details
        link = page.locator("#details a").get_attribute("href")
        assert link is not None and link.startswith("http://127.0.0.1:7474/browser/?cmd=edit&arg=")
        legend = page.locator("#legend").inner_text()
        assert "g0" in legend and "g1" in legend
        time.sleep(0.5)  # let any stray handler fire before checking
        w.assert_safe()
    finally:
        w.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def live_api(graph, tmp_path: Path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    import uvicorn

    from cibgraph.api.app import create_app
    from cibgraph.cypher.catalogue import load_dir

    seed(graph)
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
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    t.join(10)


def test_group_view_from_the_api(browser: Any, live_api: str, graph) -> None:  # type: ignore[no-untyped-def]
    from cibgraph.viz.data import group_view

    give_group_its_items(graph)
    expected = group_view(graph, "g1")
    # 3 members + 3 shared texts (see _serve_support.seed).
    assert len(expected.nodes) == 6
    assert sum(1 for n in expected.nodes if n.kind == "Item") == 3
    w = Watched(browser, {"X-API-Key": READER_KEY})
    try:
        page = w.open(f"{live_api}/views/groups/g1/network")
        assert page.evaluate("network.body.data.nodes.length") == len(expected.nodes)
        assert page.evaluate("network.body.data.edges.length") == page.evaluate(
            "JSON.parse(document.getElementById('view-data').textContent).edges.length"
        )
        assert XSS_BIO in _hover(page, "x:1")
        assert page.evaluate("document.querySelectorAll('img').length") == 0
        w.assert_safe()
        assert any(u.startswith(live_api) for u in w.requests)
    finally:
        w.close()


def test_query_and_account_views_from_the_api(browser: Any, live_api: str) -> None:
    w = Watched(browser, {"X-API-Key": READER_KEY})
    try:
        page = w.open(f"{live_api}/views/queries/coordinated_pairs?min_weight=3")
        # Pairs with weight >= 3: x:1-x:2, x:4-x:5, x:1-x:3 -> five accounts.
        assert page.evaluate("network.body.data.nodes.length") == 5
        assert page.evaluate("network.body.data.edges.length") == 3
        page = w.open(f"{live_api}/views/accounts/x:2")
        ids = set(page.evaluate("network.body.data.nodes.getIds()"))
        assert {"x:2", "x:1", "x:3"} <= ids and "x:6" not in ids
        w.assert_safe()
    finally:
        w.close()
