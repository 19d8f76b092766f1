"""`notes tags` (every tag in use, with its count) and `notes tag rename`."""

from typing import Annotated

import typer

from notes_cli.commands.history import RecordFormatOption
from notes_cli.commands.notes import JsonOption
from notes_cli.errors import NotesGroup
from notes_cli.output import choose_record_format, print_tags
from notes_cli.state import open_notes


def tags(
    ctx: typer.Context,
    fmt: RecordFormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """List every tag in use, with how many notes carry it, by name.

    Notes in the trash are not counted; a tag only they carry is not listed. plain is
    name<TAB>count; csv is name,count; JSON tags are {"name", "count"}.

    Example: notes tags --format plain | sort -t$'\\t' -k2 -rn | head
    """
    with open_notes(ctx) as notes:
        found = notes.tags()
    print_tags(found, choose_record_format(fmt, as_json))


tag_app = typer.Typer(
    cls=NotesGroup,
    name="tag",
    help="Change a tag on every note that carries it.\n\nExample: notes tag rename todo errands",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@tag_app.command("rename")
def rename(
    ctx: typer.Context,
    old: Annotated[str, typer.Argument(metavar="OLD", help="The tag to rename.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="Its new name.")],
) -> None:
    """Rename a tag on every note that carries it, merging into NEW if that exists.

    A note with both tags ends with NEW once. Notes in the trash are not edited: they
    keep OLD. Each changed note keeps its previous version (see notes history) and its
    updated_at moves. Names are normalised as tags are: Errands is
    errands. Prints how many notes changed, on stderr.

    Example: notes tag rename todo errands
    """
    with open_notes(ctx) as notes:
        renamed = notes.rename_tag(old, new)
    noun = "note" if renamed.notes == 1 else "notes"
    typer.echo(f"Renamed tag {renamed.old} to {renamed.new} on {renamed.notes} {noun}", err=True)


def register(app: typer.Typer) -> None:
    app.command("tags")(tags)
    app.add_typer(tag_app)
