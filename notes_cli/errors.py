"""The CLI's one translation of core errors: `Error: ...` on stderr, exit status 1."""

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from notes_cli.output import visible
from notes_core.errors import NotesError


class NotesGroup(TyperGroup):
    """Runs every command with core errors turned into one line and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader went away (`notes list | head -n 3`): stop quietly, as git does.
            silence_stdout()
            raise typer.Exit(0) from None
        except NotesError as exc:
            # Messages may repeat user input (a path, a tag): escape its control
            # characters and line breaks so the error stays one harmless line.
            typer.echo(f"Error: {visible(str(exc), one_line=False).text}", err=True)
            raise typer.Exit(1) from None


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that flushing what is left of its buffer (now, or as
    Python exits) cannot fail again on a closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
