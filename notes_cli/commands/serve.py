"""`notes serve`."""

import os
from typing import Annotated

import typer

from notes_cli.state import CliState


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=0, max=65535)] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="NOTES_TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every endpoint with notes "
            "(default: $NOTES_TOKEN). Needed to listen beyond loopback.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1)] = 1,
    max_body: Annotated[
        int,
        typer.Option(
            "--max-body",
            envvar="NOTES_MAX_BODY",
            help="Largest request body in bytes; bigger ones get 413.",
            min=1,
        ),
    ] = 4 * 1024 * 1024,
) -> None:
    """Serve the HTTP API on the same store as the CLI.

    Example: NOTES_TOKEN=$(openssl rand -hex 16) notes serve --host 0.0.0.0 --port 8080
    """
    import uvicorn

    from notes_api.settings import check_bind
    from notes_core.engine import open_store
    from notes_core.location import resolve_url

    check_bind(host, token)
    state: CliState = ctx.obj
    # Fail here, with one line, before anything listens: a bad --db never starts a server.
    open_store(state.db).close()
    # Workers are separate processes: they read the settings from the environment.
    os.environ["NOTES_DB"] = resolve_url(state.db).render_as_string(hide_password=False)
    os.environ["NOTES_MAX_BODY"] = str(max_body)
    if token:
        os.environ["NOTES_TOKEN"] = token
    else:
        os.environ.pop("NOTES_TOKEN", None)
    typer.echo(f"notes: serving on http://{host}:{port} (Ctrl-C stops)", err=True)
    uvicorn.run(
        "notes_api.main:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
