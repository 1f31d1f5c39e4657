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

from cibgraph.cypher.catalogue import Param, StoredQuery, cypher_literal
from cibgraph.tactics import tactic_of

# Groups (sized by score) and their members (coloured by group) with their coordination
# links (captioned with the weight). Browser styles by label only, so the overview returns
# virtual nodes (APOC) labelled with a colour bucket (InGroupN) and a size bucket (ScoreN)
# that style.grass knows; the real nodes are untouched.
OVERVIEW = """MATCH (g:Group)
WITH g ORDER BY g.score DESC, g.id LIMIT 25
WITH collect(g) AS groups
UNWIND range(0, size(groups) - 1) AS rank
WITH groups[rank] AS g, rank
MATCH (a:Account)-[:MEMBER_OF]->(g)
WITH g, rank, collect(a) AS members
WITH g, members,
     apoc.create.vNode(['Group', 'Score' + toString(CASE WHEN g.score >= 8 THEN 5
       WHEN g.score >= 4 THEN 4 WHEN g.score >= 2 THEN 3 WHEN g.score >= 1 THEN 2 ELSE 1 END)],
       g {.id, .score, .size, .verdict, .changed_since_verdict, rank: rank + 1}) AS vg,
     [a IN members | apoc.create.vNode(['Account', 'InGroup' + toString(rank % 12 + 1)],
       a {.id, .handle, .display_name, group: g.id})] AS vs
UNWIND range(0, size(members) - 1) AS i
WITH vg, members, vs, i, members[i] AS x
OPTIONAL MATCH (x)-[c:COORDINATED_WITH]->(y:Account) WHERE y IN members
WITH vg, vs, i, [r IN collect({c: c, j: [k IN range(0, size(members) - 1)
       WHERE members[k] = y][0]}) WHERE r.c IS NOT NULL] AS out
RETURN vg AS group, vs[i] AS account,
       apoc.create.vRelationship(vs[i], 'MEMBER_OF', {}, vg) AS member_of,
       [r IN out | apoc.create.vRelationship(vs[i], 'COORDINATED_WITH',
         {weight: r.c.weight, shared: r.c.shared}, vs[r.j])] AS coordinated"""

GROUPS_TABLE = """MATCH (g:Group)
RETURN g.id AS group, g.score AS score, g.size AS size, g.signals AS signals,
       coalesce(g.verdict, '') AS verdict, coalesce(g.changed_since_verdict, false) AS changed,
       {base} + '/views/groups/' + g.id AS page
ORDER BY score DESC, size DESC, group"""


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


def _tactic(q: StoredQuery) -> str:
    t = tactic_of(q.name)
    if t is None:
        return ""
    return (
        f"<p>Online Operations Kill Chain: <b>{escape(t.id)} {escape(t.phase)}</b>: "
        f"{escape(t.tactic)}</p>"
    )


def _pages(q: StoredQuery, api_base: str | None) -> str:
    """Where a row's group or account has its page (the API's views need a key)."""
    if not api_base:
        return ""
    cols = set(q.columns)
    links = []
    if cols & {"group_id", "group"}:
        links.append(f"group: <code>{escape(api_base)}/views/groups/GROUP_ID</code>")
    if cols & {"account_id", "other_account_id", "account_ids", "members"} or not cols:
        links.append(f"account: <code>{escape(api_base)}/views/accounts/ACCOUNT_ID</code>")
    if not links:
        return ""
    return "<p>Each result's page (send your API key): " + "; ".join(links) + ".</p>"


def render_guide(
    queries: Iterable[StoredQuery],
    title: str = "cibgraph investigation",
    *,
    api_base: str | None = None,
) -> str:
    """The guide; with `api_base` (the API's address) the first slide applies its
    stylesheet and the slides link results to their pages."""
    queries = list(queries)
    index = "".join(f"<li><b>{escape(q.name)}</b>: {escape(q.description)}</li>" for q in queries)
    style = ""
    if api_base:
        table = GROUPS_TABLE.replace("{base}", cypher_literal(api_base))
        style = (
            "<p>First apply the investigation style (accounts captioned by handle and "
            "coloured by group, groups sized by score, coordination links showing their "
            "weight): click, then run.</p>"
            f'<pre class="code runnable">:style {escape(api_base)}/style.grass</pre>'
            "<p>The groups and their members (needs APOC):</p>"
            f'<pre class="pre-scrollable code runnable">{escape(OVERVIEW)}</pre>'
            "<p>The groups ranked, each with its page:</p>"
            f'<pre class="pre-scrollable code runnable">{escape(table)}</pre>'
        )
    slides = [
        '<slide class="row-fluid">'
        '<div class="col-sm-3">'
        f"<h3>{escape(title)}</h3>"
        '<p class="lead">Stored queries for finding coordinated inauthentic behaviour.</p>'
        '</div><div class="col-sm-9">'
        f"{style}"
        "<p>One slide per stored query. Click a grey block to copy it into the editor, "
        "then run it. Parameter blocks use <code>:param</code>.</p>"
        f"<ol>{index}</ol></div></slide>"
    ]
    for i, q in enumerate(queries, 1):
        columns = (
            (f"<p>Columns: <code>{escape(', '.join(q.columns))}</code></p>" if q.columns else "")
            + _tactic(q)
            + _pages(q, api_base)
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
