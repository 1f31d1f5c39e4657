"""`cibgraph neo4j start | stop | status | logs | install`."""

from __future__ import annotations

import json
import time

import typer

from cibgraph.neo4j_local import server
from cibgraph.settings import SettingsError, get_settings

app = typer.Typer(help="Run the local Neo4j 5.26 Community server (no Docker needed).")


def _fail(e: Exception) -> None:
    typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


@app.command()
def install(force: bool = typer.Option(False, help="Fetch the jars again.")) -> None:
    """Fetch Neo4j, Neo4j Browser and APOC core from Maven Central into CIBGRAPH_HOME."""
    s = get_settings()
    try:
        layout = server.install(s, force=force)
    except server.ServerError as e:
        _fail(e)
    typer.echo(f"Installed {layout.install_marker.read_text().strip()} in {layout.home}")


@app.command()
def start() -> None:
    """Start the server (or report the running one) and wait until Bolt answers."""
    try:
        server.start(get_settings(), echo=typer.echo)
    except SettingsError as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    except server.ServerError as e:
        _fail(e)


@app.command()
def stop() -> None:
    """Shut the server down cleanly; data is kept."""
    server.stop(get_settings(), echo=typer.echo)


@app.command()
def status(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Say whether the server runs, where, and which version answers."""
    info = server.status(get_settings())
    if as_json:
        typer.echo(json.dumps(info, indent=2))
        return
    for k, v in info.items():
        typer.echo(f"{k:>10}: {v}")
    if not info["running"]:
        raise typer.Exit(3)


@app.command()
def logs(
    lines: int = typer.Option(50, "-n", "--lines", help="How many lines."),
    follow: bool = typer.Option(False, "-f", "--follow", help="Keep printing new lines."),
) -> None:
    """Print the tail of the server log."""
    layout = server.Layout(get_settings().server_home)
    path = layout.logs / "neo4j.log"
    if not path.exists():
        path = layout.console_log
    if not path.exists():
        typer.echo("(no log yet)")
        return
    typer.echo("\n".join(path.read_text(errors="replace").splitlines()[-lines:]))
    if follow:
        with open(path, errors="replace") as f:
            f.seek(0, 2)
            try:
                while True:
                    line = f.readline()
                    if line:
                        typer.echo(line.rstrip("\n"))
                    else:
                        time.sleep(0.5)
            except KeyboardInterrupt:
                pass
