"""`notes serve`."""

import errno
import os
import socket
from typing import Annotated

import typer

from notes_cli.state import CliState
from notes_core.errors import InvalidSettings


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(metavar="HOST", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(metavar="PORT", help="Port to listen on.", min=0, max=65535)
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            metavar="TOKEN",
            help="Require 'Authorization: Bearer TOKEN' on every endpoint with notes "
            "(default: $NOTES_TOKEN). Printable ASCII, no spaces. Needed to listen beyond "
            "loopback.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[int, typer.Option(metavar="N", help="Worker processes.", min=1)] = 1,
    max_body: Annotated[
        int | None,
        typer.Option(
            "--max-body",
            metavar="BYTES",
            help="Largest request body in bytes; bigger ones get 413 "
            "(default: $NOTES_MAX_BODY, else 4 MiB).",
            min=1,
            show_default=False,
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            metavar="NAME",
            help="A host name clients may use in the Host header, besides the loopback "
            "names (repeatable; *.example.com matches subdomains). Without it, a loopback "
            "server answers only loopback names, and one beyond loopback any name "
            "(also: $NOTES_ALLOWED_HOSTS, comma-separated).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the HTTP API on the same store as the CLI.

    Example: NOTES_TOKEN=$(openssl rand -hex 16) notes serve --host 0.0.0.0 --port 8080
    """
    import dataclasses

    import uvicorn

    from notes_api.settings import check_bind, host_for_header, is_loopback, is_wildcard_bind
    from notes_core.library import Notes
    from notes_core.location import resolve_url
    from notes_core.settings import ANY_HOST, LOOPBACK_HOSTS, allowed_hosts, split_names

    state: CliState = ctx.obj
    from_env = state.settings  # --db and the NOTES_* variables, read once at start
    extra = [name for raw in allowed_host or [] for name in split_names(raw)]
    extra += [name for name in from_env.allowed_hosts if name not in LOOPBACK_HOSTS]
    if not extra and not is_loopback(host):
        # Beyond loopback the token guards every note, whatever the Host says.
        extra = [ANY_HOST]
    elif not is_wildcard_bind(host):
        extra.append(host_for_header(host))  # e.g. --host 127.0.0.2, or a LAN address
    token = token or from_env.token
    check_bind(host, token)
    # Checks the token and the names: one Error line before anything opens.
    settings = dataclasses.replace(
        from_env,
        db=resolve_url(from_env.db).render_as_string(hide_password=False),
        token=token,
        max_body=max_body or from_env.max_body,
        allowed_hosts=allowed_hosts(extra),
    )
    # The address first: a port in use neither creates nor opens a store.
    listening = _listen(host, port)
    # Fail here, with one line, before anything serves: a bad --db never starts a server.
    with Notes.open(settings) as notes:
        if not notes.store.is_sqlite:
            from notes_core.event_loop import check_available

            check_available()  # the server's driver, before "Created a new store"
        if notes.store.created:
            typer.echo(f"Created a new store at {notes.location}", err=True)
    # uvicorn's workers are processes started from an import path: they rebuild the same
    # settings from this environment with Settings.from_env (notes_api/main.py).
    os.environ.update(settings.to_env())
    typer.echo(f"notes: serving on http://{host}:{port} (Ctrl-C stops)", err=True)
    config = uvicorn.Config(
        "notes_api.main:app_from_env",
        factory=True,
        workers=workers,
        log_level="warning",
        access_log=False,
        server_header=False,
        # On SIGTERM or Ctrl-C, requests in flight get this long to finish; idle
        # keep-alive connections are closed at once.
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
    )
    server = uvicorn.Server(config)
    # What uvicorn.run does, with our socket in place of the one it would bind.
    try:
        if workers == 1:
            server.run(sockets=[listening])
        else:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[listening]).run()
    except KeyboardInterrupt:
        pass  # Ctrl-C: uvicorn re-raises it once it has shut down
    if workers == 1 and not server.started:
        raise typer.Exit(1)  # the app failed to start; uvicorn logged why


GRACEFUL_SECONDS = 10


def _listen(host: str, port: int) -> socket.socket:
    """A socket listening on host:port, ready to hand to uvicorn.

    Bound here rather than by uvicorn, so that a port in use is one `Error:` line and
    exit 1 (uvicorn logs `[Errno 98]` and exits 3), and "serving on" is said only once
    the address is really ours. A test bind closed before uvicorn binds again would race
    with any other process taking the port in between; this socket is the one served.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    # As uvicorn does: a restart may rebind while old connections sit in TIME_WAIT.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise InvalidSettings(f"port {port} on {host} is in use; try --port N") from None
        raise InvalidSettings(f"cannot listen on {host} port {port}: {exc.strerror}") from None
    sock.set_inheritable(True)  # for worker processes
    return sock


BACKLOG = 2048  # uvicorn's default


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
