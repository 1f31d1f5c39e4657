"""`cibgraph view ...` writes self-contained pages from the real graph."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from _serve_support import XSS_BIO, give_group_its_items, seed


def _view(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cibgraph.cli", "view", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _data(page: Path) -> dict:  # type: ignore[type-arg]
    m = re.search(
        r'<script type="application/json" id="view-data">(.*?)</script>', page.read_text(), re.S
    )
    assert m is not None
    return json.loads(m.group(1))  # type: ignore[no-any-return]


def test_view_commands(graph, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seed(graph)
    give_group_its_items(graph)
    out = tmp_path / "g.html"
    r = _view("group", "g1", "-o", str(out))
    assert r.returncode == 0, r.stderr
    data = _data(out)
    ids = {n["id"] for n in data["nodes"]}
    assert {"x:1", "x:2", "x:3"} <= ids and "x:4" not in ids
    # the shared texts are the items; hashtags are context, not items
    assert sum(1 for i in ids if i.startswith("text:")) == 3 and "Hashtag:campaign" not in ids
    assert XSS_BIO not in out.read_text()
    evil = next(n for n in data["nodes"] if n["id"] == "x:1")
    assert ["bio", XSS_BIO] in evil["tooltip"]

    out = tmp_path / "q.html"
    r = _view("query", "co_posting_pairs", "-p", "window_seconds=600", "-o", str(out))
    assert r.returncode == 0, r.stderr
    # Every seeded account posts the same three texts one minute apart: all six pair up.
    assert {n["id"] for n in _data(out)["nodes"]} == {f"x:{i}" for i in range(1, 7)}

    out = tmp_path / "a.html"
    assert _view("account", "x:4", "-o", str(out)).returncode == 0
    assert {n["id"] for n in _data(out)["nodes"]} == {"x:4", "x:5"}

    bad = _view("group", "nope", "-o", str(tmp_path / "x.html"))
    assert bad.returncode == 2 and "no group with id 'nope'" in bad.stderr
    bad = _view(
        "query", "co_posting_pairs", "-p", "window_seconds=soon", "-o", str(tmp_path / "x.html")
    )
    assert bad.returncode == 2 and "window_seconds" in bad.stderr
