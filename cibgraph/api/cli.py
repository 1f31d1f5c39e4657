"""`cibgraph serve`: the REST API under uvicorn."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: str | None = typer.Option(None, help="Bind address (default: settings, 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: settings, 8000)."),
    workers: int | None = typer.Option(
        None, help="uvicorn worker processes (default: settings, CIBGRAPH_API_WORKERS, 2)."
    ),
) -> None:
    """Serve the REST API, the network views and the Neo4j Browser guide."""
    import os
    import tempfile

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
    n = workers or settings.api_workers
    if n > 1:
        # Each worker builds its own app from the environment; they share the heavy-query
        # slots through lock files in one directory (api/limits.py).
        if settings.api_slot_dir is None:
            os.environ["CIBGRAPH_API_SLOT_DIR"] = tempfile.mkdtemp(prefix="cibgraph-api-slots-")
        uvicorn.run(
            "cibgraph.api.app:create_app",
            factory=True,
            host=h,
            port=p,
            workers=n,
            log_level="info",
        )
    else:
        uvicorn.run(application, host=h, port=p, log_level="info")
