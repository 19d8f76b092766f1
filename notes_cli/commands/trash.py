"""`notes trash`, `restore` and `purge`: the other side of `notes rm`."""

from typing import Annotated

import typer

from notes_cli.commands.notes import (
    FormatOption,
    JsonOption,
    LimitOption,
    SinceOption,
    TagOption,
    UntilOption,
    moments,
)
from notes_cli.output import choose_format, print_notes
from notes_cli.state import open_notes
from notes_core.validation import parse_note_id


def trash(
    ctx: typer.Context,
    tag: TagOption = None,
    limit: LimitOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the notes in the trash, most recently trashed first.

    The formats are those of `notes list`, with when each note was trashed: plain is
    id<TAB>trashed_at<TAB>tags<TAB>first line; csv adds a trashed_at column; JSON notes
    carry "trashed_at". --since/--until keep the notes created in that range.

    Example: notes trash --tag scratch --format ids | xargs notes purge
    """
    start, end = moments(since, until)
    with open_notes(ctx) as notes:
        trashed = notes.trashed(tags=tag or [], limit=limit, since=start, until=end)
        print_notes(trashed, choose_format(fmt, as_json), trash=True)


IdsArgument = Annotated[list[str], typer.Argument(metavar="ID...", help="Ids in the trash.")]


def restore(ctx: typer.Context, note_ids: IdsArgument) -> None:
    """Bring notes back from the trash, unchanged.

    Text, tags and dates are as they were. All or nothing: if any id is not in the trash,
    none is restored.

    Example: notes restore 42
    """
    numbers = [parse_note_id(value) for value in note_ids]
    with open_notes(ctx) as notes:
        notes.restore(numbers)


def purge(
    ctx: typer.Context,
    note_ids: Annotated[
        list[str] | None, typer.Argument(metavar="[ID]...", help="Ids in the trash.")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Every note in the trash.")] = False,
) -> None:
    """Delete notes in the trash for good, with their history.

    There is no undo, and no question is asked. All or nothing: if any id is not in the
    trash, none is deleted. --all empties the trash and says how many notes it held.

    Example: notes purge --all
    """
    if note_ids and everything:
        ctx.fail("give the ids of the notes to purge, or --all, not both")
    if not note_ids and not everything:
        ctx.fail("give the ids of the notes to purge, or --all to empty the trash")
    if everything:
        with open_notes(ctx) as notes:
            count = notes.purge_all()
        typer.echo(f"purged {count} {'note' if count == 1 else 'notes'}", err=True)
        return
    numbers = [parse_note_id(value) for value in note_ids or []]
    with open_notes(ctx) as notes:
        notes.purge(numbers)


def register(app: typer.Typer) -> None:
    app.command("trash")(trash)
    app.command("restore")(restore)
    app.command("purge")(purge)
