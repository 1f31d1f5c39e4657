"""`cibgraph queries` and `cibgraph query NAME -p key=value ...`."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from cibgraph.cypher.catalogue import CatalogueError, ParamError, load_catalogue
from cibgraph.cypher.runner import UnknownQuery, format_rows, get_query, run_stored


def register(app: typer.Typer) -> None:
    app.command("queries")(list_queries)
    app.command("query")(query)


def list_queries(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the stored queries and their parameters."""
    try:
        catalogue = load_catalogue()
    except CatalogueError as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from e
    if as_json:
        out = [
            {
                "name": q.name,
                "description": q.description,
                "columns": list(q.columns),
                "params": [
                    {
                        "name": p.name,
                        "type": p.type,
                        "default": p.default_text,
                        "required": p.required,
                        "minimum": p.minimum,
                        "maximum": p.maximum,
                        "help": p.help,
                    }
                    for p in q.params
                ],
            }
            for q in catalogue.values()
        ]
        typer.echo(json.dumps(out, indent=2))
        return
    table = Table("query", "parameters", "description", show_lines=True)
    for q in catalogue.values():
        params = "\n".join(
            f"{p.name}: {p.type}"
            + (" (required)" if p.required else f" = {p.default_text}")
            + (f" {p.bounds_text}" if p.bounds_text else "")
            for p in q.params
        )
        table.add_row(q.name, params, q.description)
    Console().print(table)


def query(
    name: str = typer.Argument(..., help="Stored query name (see `cibgraph queries`)."),
    param: list[str] = typer.Option([], "-p", "--param", help="key=value; repeatable."),
    fmt: str = typer.Option("table", "--format", "-f", help="json, csv or table."),
    limit: int | None = typer.Option(None, help="At most this many rows."),
    offset: int = typer.Option(0, help="Skip this many rows."),
) -> None:
    """Run a stored query read-only and print its rows."""
    from cibgraph.db import Graph

    raw: dict[str, str] = {}
    for item in param:
        if "=" not in item:
            typer.secho(f"Error: -p {item!r} is not key=value", fg=typer.colors.RED, err=True)
            raise typer.Exit(2)
        key, value = item.split("=", 1)
        raw[key.strip()] = value
    if fmt not in {"json", "csv", "table"}:
        typer.secho(f"Error: unknown format {fmt!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    try:
        # Checked before connecting: a bad value is refused even with no server around.
        get_query(name).bind(raw)
    except UnknownQuery as e:
        typer.secho(f"Error: no stored query named {name!r}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    except ParamError as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    with Graph() as graph:
        result = run_stored(graph, name, raw, limit=limit, offset=offset)
    if fmt == "table":
        table = Table(*(result.rows[0].keys() if result.rows else ["(no rows)"]))
        for r in result.rows:
            table.add_row(
                *(
                    json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v
                    for v in r.values()
                )
            )
        Console().print(table)
        typer.echo(f"{len(result.rows)} of {result.total} rows", err=True)
    else:
        typer.echo(format_rows(result.rows, fmt))
