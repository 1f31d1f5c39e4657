"""The Neo4j Browser guide and the favourites zip, both made from the catalogue.

A Browser guide is an HTML fragment: `<article class="guide">` holding a
`<carousel>` of `<slide>`s; a `<pre class="code runnable">` block pastes its
text into the editor when clicked. Browser strips scripts and `on*`
attributes from guides; everything here is escaped anyway.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from html import escape

from cibgraph.cypher.catalogue import Param, StoredQuery


def param_line(p: Param) -> str:
    """`:param name => value` (Browser 5 syntax); required ones get a placeholder."""
    if p.required:
        placeholder = {
            "str": '""',
            "int": "0",
            "float": "0.0",
            "bool": "false",
            "date": 'date("2020-01-01")',
            "datetime": 'datetime("2020-01-01T00:00:00Z")',
        }
        value = "[]" if p.type.startswith("list[") else placeholder.get(p.type, "null")
        return f":param {p.name} => {value}"
    return f":param {p.name} => {p.default_text}"


def _params_block(q: StoredQuery) -> str:
    if not q.params:
        return "<p>No parameters.</p>"
    rows = "".join(
        f"<tr><td><code>{escape(p.name)}</code></td><td>{escape(p.type)}</td>"
        f"<td>{'required' if p.required else escape(p.default_text)}</td>"
        f"<td>{escape(p.help)}</td></tr>"
        for p in q.params
    )
    lines = "\n".join(param_line(p) for p in q.params)
    return (
        '<table class="table"><tr><th>parameter</th><th>type</th><th>default</th>'
        f"<th>meaning</th></tr>{rows}</table>"
        "<p>Set the parameters first (click, then run; edit the values as needed):</p>"
        f'<pre class="pre-scrollable code runnable">{escape(lines)}</pre>'
    )


def render_guide(queries: Iterable[StoredQuery], title: str = "cibgraph investigation") -> str:
    queries = list(queries)
    index = "".join(f"<li><b>{escape(q.name)}</b>: {escape(q.description)}</li>" for q in queries)
    slides = [
        '<slide class="row-fluid">'
        '<div class="col-sm-3">'
        f"<h3>{escape(title)}</h3>"
        '<p class="lead">Stored queries for finding coordinated inauthentic behaviour.</p>'
        '</div><div class="col-sm-9">'
        "<p>One slide per stored query. Click a grey block to copy it into the editor, "
        "then run it. Parameter blocks use <code>:param</code>.</p>"
        f"<ol>{index}</ol></div></slide>"
    ]
    for i, q in enumerate(queries, 1):
        columns = (
            f"<p>Columns: <code>{escape(', '.join(q.columns))}</code></p>" if q.columns else ""
        )
        slides.append(
            f'<slide class="row-fluid" data-query="{escape(q.name)}">'
            '<div class="col-sm-3">'
            f"<h3>{i}. {escape(q.name)}</h3>"
            f'<p class="lead">{escape(q.description)}</p>'
            '</div><div class="col-sm-9">'
            f"{_params_block(q)}"
            "<p>The query (read-only):</p>"
            f'<pre class="pre-scrollable code runnable">{escape(q.cypher)}</pre>'
            f"{columns}</div></slide>"
        )
    return (
        '<article class="guide">\n<carousel class="deck container-fluid">\n'
        + "\n".join(slides)
        + "\n</carousel>\n</article>\n"
    )


def favourite_text(q: StoredQuery) -> str:
    """One `.cypher` favourite: Browser names it after the first comment line."""
    lines = [f"// {q.name}: {q.description}"]
    for p in q.params:
        note = " (required: set a value)" if p.required else ""
        lines.append(f"// {param_line(p)}{note}" + (f"  -- {p.help}" if p.help else ""))
    lines.append(q.cypher.rstrip().rstrip(";") + ";")
    return "\n".join(lines) + "\n"


def catalogue_zip(queries: Iterable[StoredQuery]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for q in queries:
            zf.writestr(f"cibgraph/{q.name}.cypher", favourite_text(q))
    return buf.getvalue()
