"""`notes pin` and `notes unpin`: pinned notes come first in `notes list`."""

from typing import Annotated

import typer

from notes_cli.state import open_notes
from notes_core.validation import parse_note_id

IdsArgument = Annotated[list[str], typer.Argument(metavar="ID...", help="Note ids.")]


def pin(ctx: typer.Context, note_ids: IdsArgument) -> None:
    """Pin notes: `notes list` shows them first (`--pinned`: only them).

    Pinning is not an edit: no version is kept, no date moves. All or nothing: if any id
    is unknown or in the trash, nothing is pinned.

    Example: notes pin 42
    """
    numbers = [parse_note_id(value) for value in note_ids]
    with open_notes(ctx) as notes:
        notes.pin(numbers)


def unpin(ctx: typer.Context, note_ids: IdsArgument) -> None:
    """Unpin notes: they go back among the others, by date.

    Example: notes list --pinned --format ids | xargs notes unpin
    """
    numbers = [parse_note_id(value) for value in note_ids]
    with open_notes(ctx) as notes:
        notes.unpin(numbers)


def register(app: typer.Typer) -> None:
    app.command("pin")(pin)
    app.command("unpin")(unpin)
