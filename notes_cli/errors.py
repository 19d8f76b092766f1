"""The CLI's one translation of core errors: `Error: ...` on stderr, exit status 1."""

from typing import Any

import typer
from typer.core import TyperGroup

from notes_core.errors import NotesError


class NotesGroup(TyperGroup):
    """Runs every command with core errors turned into one line and exit status 1."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except NotesError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None
