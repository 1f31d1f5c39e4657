"""`cibgraph view group|account|query ...`: write one self-contained HTML view."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cibgraph.viz.render import DEFAULT_CAP

view_app = typer.Typer(
    help="Write a self-contained network view (HTML, works offline).", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(view_app, name="view")


def _write(data, out: Path, cap: int) -> None:
    from cibgraph.settings import get_settings
    from cibgraph.viz.render import render_view

    html = render_view(data, browser_url=get_settings().browser_url, cap=cap)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    typer.echo(f"Wrote {out} ({len(data.nodes)} nodes, {len(data.edges)} links)")


def _fail(message: str) -> None:
    typer.secho(f"Error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(2)


@view_app.command("group")
def view_group(
    group_id: str = typer.Argument(..., help="Group id (see `cibgraph query groups`)."),
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("group.html"),
    cap: int = typer.Option(DEFAULT_CAP, help="Most nodes to draw."),
) -> None:
    """A group: its members, the items they co-posted, and the links between them."""
    from cibgraph.db import Graph
    from cibgraph.errors import NotFound
    from cibgraph.viz.data import group_view

    with Graph() as graph:
        try:
            data = group_view(graph, group_id)
        except NotFound as e:
            _fail(str(e))
    _write(data, out, cap)


@view_app.command("account")
def view_account(
    account_id: str = typer.Argument(..., help="Account id, e.g. twitter:123."),
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("account.html"),
    cap: int = typer.Option(DEFAULT_CAP, help="Most nodes to draw."),
) -> None:
    """An account and the accounts one hop away."""
    from cibgraph.db import Graph
    from cibgraph.errors import NotFound
    from cibgraph.viz.data import account_view

    with Graph() as graph:
        try:
            data = account_view(graph, account_id)
        except NotFound as e:
            _fail(str(e))
    _write(data, out, cap)


@view_app.command("query")
def view_query(
    name: str = typer.Argument(..., help="A stored query returning accounts or pairs."),
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="key=value; repeatable.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("query.html"),
    cap: int = typer.Option(DEFAULT_CAP, help="Most nodes to draw."),
) -> None:
    """The accounts or account pairs a stored query returns."""
    from cibgraph.cypher.catalogue import ParamError
    from cibgraph.cypher.runner import UnknownQuery
    from cibgraph.db import Graph
    from cibgraph.viz.data import query_view

    raw: dict[str, str] = {}
    for item in param or []:
        if "=" not in item:
            _fail(f"-p {item!r} is not key=value")
        key, value = item.split("=", 1)
        raw[key.strip()] = value
    with Graph() as graph:
        try:
            data = query_view(graph, name, raw)
        except UnknownQuery:
            _fail(f"no stored query named {name!r}")
        except (ParamError, ValueError) as e:
            _fail(str(e))
    _write(data, out, cap)
