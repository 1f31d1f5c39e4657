"""The guide played in the real Neo4j Browser (served by the test server), in headless Chromium.

Neo4j Browser itself asks for web fonts and telemetry; those requests are
aborted here so nothing leaves the machine, and the test records them only
to make sure our own pages never add to them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from _serve_support import ARGS, CHROMIUM, live_server

from cibgraph.cypher.catalogue import load_catalogue

pytestmark = pytest.mark.browser


@pytest.fixture()
def api_url(neo4j_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from cibgraph.api.app import create_app

    with live_server(create_app(neo4j_server), host="localhost") as base:
        yield base


def test_play_guide_in_neo4j_browser(neo4j_server, api_url: str) -> None:  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    catalogue = load_catalogue()
    if not catalogue:
        pytest.skip("the shipped catalogue is empty")
    from playwright.sync_api import sync_playwright

    settings = neo4j_server
    blocked: list[str] = []

    def guard(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname not in {
            "127.0.0.1",
            "localhost",
        }:
            blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
            ctx.route("**/*", guard)
            page = ctx.new_page()
            page.goto(
                f"http://127.0.0.1:{settings.http_port}/browser/"
                f"?dbms=neo4j://neo4j@127.0.0.1:{settings.bolt_port}"
            )
            page.wait_for_selector("text=Connect to Neo4j", timeout=60_000)
            page.fill("input[data-testid=password]", settings.password())
            page.click("button[data-testid=connect]")
            page.wait_for_selector("text=neo4j$", timeout=30_000)
            page.locator(".monaco-editor").first.click()
            page.keyboard.type(f":play {api_url}/guide")
            page.keyboard.press("Enter")
            page.wait_for_selector("text=cibgraph investigation", timeout=30_000)
            # The first slide applies the investigation stylesheet served by the API.
            assert (
                page.locator(f"pre.runnable:has-text(':style {api_url}/style.grass')").count() == 1
            )
            n = len(catalogue) + 1
            assert page.locator(f"text=1 / {n}").count() == 1
            seen = []
            for i in range(2, n + 1):
                page.locator("button.next-slide").first.click()
                page.wait_for_selector(f"text={i} / {n}", timeout=10_000)
                heading = page.locator("h3", has_text=f"{i - 1}. ").first.inner_text()
                seen.append(heading.split(". ", 1)[1].strip())
            assert seen == list(catalogue)
            # A runnable block copies its query into the editor.
            page.locator("pre.runnable").last.click()
            editor = page.locator(".monaco-editor").first.inner_text()
            last = list(catalogue.values())[-1]
            assert last.cypher.splitlines()[0].strip()[:30] in editor.replace("\u00a0", " ")
            # The stylesheet loads into Browser from the API (which answers Browser's origin).
            page.locator(".monaco-editor").first.click()
            page.keyboard.press("Control+A")
            page.keyboard.type(f":style {api_url}/style.grass")
            page.keyboard.press("Enter")
            # Browser shows the stylesheet it loaded, with our selectors.
            page.wait_for_selector("text=InGroup1", timeout=30_000)
            assert page.locator("text=Score5").count() >= 1
            shots = Path(__file__).resolve().parents[2] / "out" / "screenshots"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "browser-style.png"))
        finally:
            browser.close()
    assert all(urlsplit(u).hostname not in {"127.0.0.1", "localhost"} for u in blocked)
