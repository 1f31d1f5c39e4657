"""`cibgraph serve`: the REST API under uvicorn."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str | None = typer.Option(None, help="Bind address (default: settings, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: settings, 8000)."),
    workers: int = typer.Option(1, help="uvicorn worker processes."),
) -> None:
    """Serve the REST API, the network views and the Neo4j Browser guide."""
    import uvicorn

    from cibgraph.api.app import create_app
    from cibgraph.api.security import KeyConfigError
    from cibgraph.settings import get_settings

    settings = get_settings()
    try:
        application = create_app(settings)
    except KeyConfigError as e:
        typer.secho(f"Error: {e}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from e
    h = host or settings.api_host
    p = port or settings.api_port
    typer.echo(f"API: http://{h}:{p}/  docs: http://{h}:{p}/docs  guide: http://{h}:{p}/guide")
    if workers > 1:
        uvicorn.run(
            "cibgraph.api.app:create_app",
            factory=True,
            host=h,
            port=p,
            workers=workers,
            log_level="info",
        )
    else:
        uvicorn.run(application, host=h, port=p, log_level="info")
