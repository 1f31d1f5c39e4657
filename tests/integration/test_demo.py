"""The demo's pieces (report, exports, API keys) and, when detection's synthesiser is
installed, the whole `cibgraph demo` end to end on a small scenario."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import networkx as nx
import pytest
from _serve_support import XSS_BIO, seed

from cibgraph.api.security import parse_keys
from cibgraph.demo import build_report, ensure_api_keys, slug
from cibgraph.settings import Settings


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        href = dict(attrs).get("href")
        if href:
            self.hrefs.append(href)


def test_api_keys_are_generated_once_into_env(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("NEO4J_PASSWORD=abcdefghij\nCIBGRAPH_API_KEYS=\n")
    settings, key, where = ensure_api_keys(Settings(CIBGRAPH_API_KEYS=""), env)
    keys = parse_keys(settings.api_keys)
    assert keys[key] == "reader" and sorted(keys.values()) == ["admin", "analyst", "reader"]
    text = env.read_text()
    assert "NEO4J_PASSWORD=abcdefghij" in text and text.count("CIBGRAPH_API_KEYS=") == 1
    assert stat.S_IMODE(env.stat().st_mode) == 0o600 and where == str(env.resolve())
    # Configured keys are kept as they are.
    again, key2, _ = ensure_api_keys(settings, env)
    assert again.api_keys == settings.api_keys and key2 == key


def test_slug_is_safe_and_distinct() -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", slug("../../etc/passwd <x>"))
    assert slug("a/b") != slug("a:b")


def test_report_and_exports_from_a_graph(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(graph)
    index = build_report(
        graph,
        tmp_path,
        source="test <graph>",
        evaluation={"same_text": {"precision": 1.0, "recall": 0.5, "f1": 0.667}},
        evaluation_note="",
        stages=[],
        ingest=[],
    )
    html = index.read_text()
    parser = Links()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert "three accounts posting &lt;b&gt;identical&lt;/b&gt; text" in html
    assert "test &lt;graph&gt;" in html
    assert "<td>0.667</td>" in html
    views = [h for h in parser.hrefs if h.startswith("groups/")]
    assert len(views) == 2
    for h in views:
        page = (index.parent / h).read_text()
        assert XSS_BIO not in page and "page-data" in page
    for h in parser.hrefs:
        assert (index.parent / h).exists(), h
    g = nx.read_graphml(tmp_path / "export" / "coordination.graphml")
    assert sorted(g.nodes) == ["x:1", "x:2", "x:3", "x:4", "x:5"]
    assert g.number_of_edges() == 4 and g.nodes["x:4"]["group"] == "g2"
    groups = json.loads((tmp_path / "export" / "groups.json").read_text())
    assert [x["id"] for x in groups] == ["g1", "g2"]
    assert groups[0]["members"][0]["id"] == "x:1"


@pytest.mark.slow
def test_demo_end_to_end_small_scenario(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`cibgraph demo` on a small scenario ends with the report written and the API up."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, CIBGRAPH_API_KEYS="", CIBGRAPH_API_PORT=str(port))
    log = tmp_path / "demo.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cibgraph.cli",
                "demo",
                "--scale",
                "0.02",
                "--out",
                str(tmp_path / "out"),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
            env=env,
        )
    try:
        deadline = time.monotonic() + 600
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                up = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
            except httpx.HTTPError:
                up = False
            if up:
                break
            time.sleep(1)
        text = log.read_text()
        assert up, text[-4000:]
        assert "Investigation ready" in text and f":play http://localhost:{port}/guide" in text
        keys = parse_keys(
            (tmp_path / ".env").read_text().split("CIBGRAPH_API_KEYS=")[1].splitlines()[0]
        )
        reader = next(k for k, r in keys.items() if r == "reader")
        assert reader in text  # the printed key is a working one
        groups = httpx.get(
            f"http://127.0.0.1:{port}/groups", headers={"X-API-Key": reader}, timeout=30
        ).json()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    n_groups = graph.read("MATCH (g:Group) RETURN count(g) AS n")[0]["n"]
    assert n_groups > 0 and groups["total"] == n_groups
    out_dir = tmp_path / "out"
    index = (out_dir / "report" / "index.html").read_text()
    parser = Links()
    parser.feed(index)
    assert len([h for h in parser.hrefs if h.startswith("groups/")]) == min(n_groups, 50)
    assert nx.read_graphml(out_dir / "export" / "coordination.graphml").number_of_nodes() > 0
    exported = json.loads((out_dir / "export" / "groups.json").read_text())
    assert len(exported) == n_groups
    evaluation = json.loads((out_dir / "export" / "evaluation.json").read_text())
    assert isinstance(evaluation, dict) and evaluation  # the scenario has ground truth
