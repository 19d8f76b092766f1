"""The `notes` Typer app: global options, and the commands from notes_cli.commands."""

import os
import sys
from typing import Annotated

import typer

from notes_cli.commands import (
    backup,
    history,
    notes,
    pins,
    search,
    serve,
    tags,
    transfer,
    trash,
    where,
)
from notes_cli.errors import NotesGroup, silence_stdout
from notes_cli.state import CliState
from notes_cli.usage import use_plain_usage
from notes_core import __version__
from notes_core.settings import Settings

app = typer.Typer(
    cls=NotesGroup,
    name="notes",
    help="Notes from the terminal, from pipelines and over HTTP, in one durable store.",
    no_args_is_help=True,
    # --install-completion / --show-completion; Typer imports its completion code either way.
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"notes {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="TARGET",
            help="Store to use: a SQLite file path or a SQLAlchemy URL "
            "(default: $NOTES_DB, else notes.db in the user data dir).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_print_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Notes from the terminal, from pipelines and over HTTP, in one durable store."""
    ctx.obj = CliState(settings=Settings.from_env(os.environ, db=db))


for module in (notes, pins, search, where, serve, trash, history, transfer, backup, tags):
    module.register(app)
use_plain_usage(app)


def main() -> None:
    status: str | int | None = 0
    try:
        app()
    except SystemExit as exc:
        status = exc.code
    try:
        # Output still buffered meets a closed pipe here, after the command returned.
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    sys.exit(status)
