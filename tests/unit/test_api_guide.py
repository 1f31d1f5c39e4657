"""The Neo4j Browser guide and the favourites zip, from the catalogue."""

from __future__ import annotations

import html
import io
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _serve_support import READER_KEY, write_catalogue
from fastapi.testclient import TestClient

from cibgraph.api.app import create_app
from cibgraph.api.guide import favourite_text, param_line, render_guide
from cibgraph.cypher.catalogue import StoredQuery, load_catalogue, load_dir, parse_query
from cibgraph.settings import Settings


class Slides(HTMLParser):
    """Collect each slide's query name, runnable blocks and text."""

    def __init__(self) -> None:
        super().__init__()
        self.slides: list[dict[str, object]] = []
        self.article = False
        self.carousel = False
        self._pre = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "article" and a.get("class") == "guide":
            self.article = True
        if tag == "carousel":
            self.carousel = True
        if tag == "slide":
            self.slides.append({"name": a.get("data-query"), "runnable": [], "text": ""})
        if tag == "pre" and "runnable" in (a.get("class") or "").split():
            self._pre = True
            self.slides[-1]["runnable"].append("")  # type: ignore[attr-defined]

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self._pre = False

    def handle_data(self, data: str) -> None:
        if not self.slides:
            return
        if self._pre:
            self.slides[-1]["runnable"][-1] += data  # type: ignore[index]
        self.slides[-1]["text"] += data  # type: ignore[operator]


def _check_guide(html: str, catalogue: dict[str, StoredQuery]) -> None:
    p = Slides()
    p.feed(html)
    assert p.article and p.carousel
    by_name = {s["name"]: s for s in p.slides if s["name"]}
    assert set(by_name) == set(catalogue)
    for q in catalogue.values():
        slide = by_name[q.name]
        assert q.cypher in slide["runnable"]  # type: ignore[operator]
        assert q.description in slide["text"]  # type: ignore[operator]
        for prm in q.params:
            assert param_line(prm) in "\n".join(slide["runnable"])  # type: ignore[arg-type]


def test_guide_over_http_has_every_query(tmp_path: Path) -> None:
    cat = load_dir(write_catalogue(tmp_path / "q"))
    app = create_app(Settings(CIBGRAPH_API_KEYS=f"{READER_KEY}:reader"), catalogue=cat)
    with TestClient(app) as c:
        r = c.get("/guide")  # no key: Browser fetches it itself
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    _check_guide(r.text, cat)
    text = html.unescape(r.text)
    assert ":param min_weight => 1" in text
    assert ':param since => datetime("2000-01-01T00:00:00+00:00")' in text


def test_shipped_catalogue_guide() -> None:
    cat = load_catalogue()
    if not cat:
        pytest.skip("the shipped catalogue (cibgraph/cypher/*.cypher) is empty")
    with TestClient(create_app(Settings(CIBGRAPH_API_KEYS=""))) as c:
        page = c.get("/guide").text
    _check_guide(page, cat)


def test_guide_escapes_catalogue_text() -> None:
    q = parse_query(
        "// name: tricky\n// description: finds <b>bold</b> & more\n"
        '// param: s str = "x" : a <script> value\nMATCH (a:Account) WHERE a.handle < $s '
        "RETURN a.id AS account_id\n"
    )
    page = render_guide([q])
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<script>" not in page
    _check_guide(page, {"tricky": q})


def test_catalogue_zip_holds_one_cypher_file_per_query(tmp_path: Path) -> None:
    cat = load_dir(write_catalogue(tmp_path / "q"))
    app = create_app(Settings(CIBGRAPH_API_KEYS=f"{READER_KEY}:reader"), catalogue=cat)
    with TestClient(app) as c:
        assert c.get("/queries.zip").status_code == 401
        r = c.get("/queries.zip", headers={"X-API-Key": READER_KEY})
    assert r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = sorted(zf.namelist())
    assert names == sorted(f"cibgraph/{n}.cypher" for n in cat)
    for q in cat.values():
        text = zf.read(f"cibgraph/{q.name}.cypher").decode()
        assert text == favourite_text(q)
        assert text.splitlines()[0] == f"// {q.name}: {q.description}"
        assert q.cypher in text
