"""`notes path`."""

import typer

from notes_cli.state import CliState
from notes_core.location import describe, resolve_url


def path(ctx: typer.Context) -> None:
    """Print where the store is: its file path, or its URL with any password masked.

    Example: du -h "$(notes path)"
    """
    state: CliState = ctx.obj
    typer.echo(describe(resolve_url(state.settings.db)))


def register(app: typer.Typer) -> None:
    app.command("path")(path)
