"""The `cibgraph` command line. Each subsystem registers its own commands."""

from __future__ import annotations

import importlib

import typer

from cibgraph.neo4j_local.cli import app as neo4j_app

app = typer.Typer(
    help="cibgraph: find coordinated inauthentic behaviour in a Neo4j graph.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(neo4j_app, name="neo4j")

# Modules exposing `register(app)`; each adds its commands (ingest, query, serve ...).
COMMAND_MODULES = [
    "cibgraph.ingest.cli",
    "cibgraph.cypher.cli",
    "cibgraph.detect.cli",
    "cibgraph.api.cli",
    "cibgraph.viz.cli",
    "cibgraph.demo",
    "cibgraph.verdicts",
    "cibgraph.case",
]

for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as e:
        if e.name != _name:
            raise
        continue
    _module.register(app)


if __name__ == "__main__":
    app()
