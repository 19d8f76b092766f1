"""The `notes` Typer app: global options, and the commands from notes_cli.commands.

Typer builds a command (its options, from the function's signature) for every command
the app holds, each time `notes` runs: a third of what `notes add` spent beyond its
imports, with twenty commands. So `main()` builds an app with only the commands of the
module the command line names (all of them for help, completion, `--version` or a name it
does not know, which then gets Typer's own error). `app`, the whole app, is built on
first use, for tests and tools.
"""

import importlib
import os
import sys
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

import typer

from notes_cli.errors import NotesGroup, silence_stdout
from notes_cli.state import CliState
from notes_cli.usage import use_plain_usage
from notes_core import __version__
from notes_core.settings import Settings

# Each command's module in notes_cli.commands, in the order `notes --help` lists them
# (tests/test_cli.py checks this against what the modules register).
COMMAND_MODULES = {
    "add": "notes",
    "list": "notes",
    "show": "notes",
    "edit": "notes",
    "rm": "notes",
    "pin": "pins",
    "unpin": "pins",
    "search": "search",
    "path": "where",
    "serve": "serve",
    "trash": "trash",
    "restore": "trash",
    "purge": "trash",
    "history": "history",
    "revert": "history",
    "export": "transfer",
    "import": "transfer",
    "backup": "backup",
    "tags": "tags",
    "tag": "tags",
}
ALL_MODULES = tuple(dict.fromkeys(COMMAND_MODULES.values()))


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"notes {__version__}")
        raise typer.Exit()


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


def make_app(modules: Iterable[str] = ALL_MODULES) -> typer.Typer:
    """The app with the commands of `modules` (names in notes_cli.commands)."""
    made = typer.Typer(
        cls=NotesGroup,
        name="notes",
        help="Notes from the terminal, from pipelines and over HTTP, in one durable store.",
        no_args_is_help=True,
        # --install-completion / --show-completion; Typer imports its completion code
        # either way.
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    made.callback()(main_options)
    for name in modules:
        importlib.import_module(f"notes_cli.commands.{name}").register(made)
    use_plain_usage(made)
    return made


def modules_for(arguments: Sequence[str]) -> tuple[str, ...]:
    """The command modules a command line needs: the one its command is in, else all."""
    if os.environ.get("_NOTES_COMPLETE"):
        return ALL_MODULES  # shell completion: every command is a candidate
    rest = list(arguments)
    while rest:
        word = rest.pop(0)
        if word == "--db":
            if rest:
                rest.pop(0)  # its value
            continue
        if word.startswith("--db="):
            continue
        module = COMMAND_MODULES.get(word)
        return (module,) if module is not None else ALL_MODULES
    return ALL_MODULES


_whole_app: list[typer.Typer] = []


def __getattr__(name: str) -> Any:
    if name == "app":
        if not _whole_app:
            _whole_app.append(make_app())
        return _whole_app[0]
    raise AttributeError(f"module 'notes_cli.app' has no attribute {name!r}")


def main() -> None:
    status: str | int | None = 0
    try:
        make_app(modules_for(sys.argv[1:]))()
    except SystemExit as exc:
        status = exc.code
    try:
        # Output still buffered meets a closed pipe here, after the command returned.
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    sys.exit(status)
