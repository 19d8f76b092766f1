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
            "(default: $NOTES_TOKEN). Printable ASCII, no spaces. Needed to listen beyond "
            "loopback.",
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
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            envvar="NOTES_ALLOWED_HOSTS",
            metavar="NAME",
            help="A host name clients may use in the Host header, besides the loopback "
            "names (repeatable; *.example.com matches subdomains). Without it, a loopback "
            "server answers only loopback names, and one beyond loopback any name.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the HTTP API on the same store as the CLI.

    Example: NOTES_TOKEN=$(openssl rand -hex 16) notes serve --host 0.0.0.0 --port 8080
    """
    import uvicorn

    from notes_api.settings import (
        ANY_HOST,
        Settings,
        allowed_hosts,
        check_bind,
        host_for_header,
        is_loopback,
        is_wildcard_bind,
        split_names,
    )
    from notes_core.engine import open_store
    from notes_core.location import resolve_url

    token = token or None  # an empty NOTES_TOKEN is no token
    extra = [name for raw in allowed_host or [] for name in split_names(raw)]
    if not extra and not is_loopback(host):
        # Beyond loopback the token guards every note, whatever the Host says.
        extra = [ANY_HOST]
    elif not is_wildcard_bind(host):
        extra.append(host_for_header(host))  # e.g. --host 127.0.0.2, or a LAN address
    check_bind(host, token)
    # Checks the token and the names; fails with one line before anything opens.
    Settings(token=token, max_body=max_body, allowed_hosts=allowed_hosts(extra))
    state: CliState = ctx.obj
    # Fail here, with one line, before anything listens: a bad --db never starts a server.
    open_store(state.db).close()
    # Workers are separate processes: they read the settings from the environment.
    os.environ["NOTES_DB"] = resolve_url(state.db).render_as_string(hide_password=False)
    os.environ["NOTES_MAX_BODY"] = str(max_body)
    os.environ["NOTES_ALLOWED_HOSTS"] = ",".join(extra)
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
