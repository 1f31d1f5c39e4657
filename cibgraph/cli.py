"""The `cibgraph` command line. Each subsystem registers its own commands.

Every command shares one error path for what a user must fix (settings, an
unreachable or refusing server): one line on stderr, exit code 2, no traceback.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from neo4j.exceptions import AuthError, ConfigurationError, ServiceUnavailable, SessionExpired
from pydantic import ValidationError
from typer.core import TyperGroup

from cibgraph.neo4j_local.cli import app as neo4j_app
from cibgraph.settings import SettingsError

USAGE_ERROR = 2


def user_error(exc: BaseException) -> str | None:
    """The one line to print for an error the user can fix, or None for a bug."""
    from cibgraph.settings import get_settings

    def where() -> str:
        try:
            s = get_settings()
        except ValidationError:
            return "the configured server"
        return f"{s.neo4j_uri} (user {s.neo4j_user})"

    if isinstance(exc, SettingsError):
        return str(exc)
    if isinstance(exc, ValidationError):
        bad = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in exc.errors()
        )
        return f"invalid settings: {bad}"
    if isinstance(exc, AuthError):
        return f"Neo4j at {where()} refused the credentials; check NEO4J_USER and NEO4J_PASSWORD"
    if isinstance(exc, ServiceUnavailable | SessionExpired):
        return (
            f"cannot reach Neo4j at {where()}: start it with `cibgraph neo4j start` "
            "or set NEO4J_URI"
        )
    if isinstance(exc, ConfigurationError):
        return f"cannot use NEO4J_URI: {exc}"
    from cibgraph.api.security import KeyConfigError

    if isinstance(exc, KeyConfigError):
        return str(exc)
    return None


class OneErrorPath(TyperGroup):
    # `Any`: newer typer vendors its own click, whose Context older ones lack.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as e:
            line = user_error(e)
            if line is None:
                raise
            typer.secho(f"Error: {' '.join(line.split())}", fg=typer.colors.RED, err=True)
            raise typer.Exit(USAGE_ERROR) from e


app = typer.Typer(
    cls=OneErrorPath,
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
