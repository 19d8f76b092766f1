"""`notes history` and `revert`: the versions every change of a note keeps.

`notes show ID --rev N` (in commands/notes.py) prints one of them.
"""

from typing import Annotated

import typer

from notes_cli.commands.notes import JsonOption
from notes_cli.output import RecordFormat, choose_record_format, print_history
from notes_cli.state import open_notes
from notes_core.validation import parse_note_id, parse_version

NoteIdArgument = Annotated[str, typer.Argument(metavar="ID", help="The note's id.")]
RecordFormatOption = Annotated[
    RecordFormat | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, plain in a pipe).",
        case_sensitive=False,
    ),
]


def history(
    ctx: typer.Context,
    note_id: NoteIdArgument,
    fmt: RecordFormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the versions of a note, oldest first.

    Every change of its text or tags keeps the version before it. Versions are numbered
    from 1; the last is the note as it is now (marked * in the table). plain is
    rev<TAB>updated_at<TAB>tags<TAB>first line; csv is revision,updated_at,current,tags,text;
    JSON versions carry note_id, revision, text, tags, updated_at and current.

    Example: notes history 42
    """
    number = parse_note_id(note_id)
    with open_notes(ctx) as notes:
        versions = notes.history(number)
    print_history(versions, choose_record_format(fmt, as_json))


def revert(
    ctx: typer.Context,
    note_id: NoteIdArgument,
    version: Annotated[
        str, typer.Argument(metavar="N", help="The version to bring back (see notes history).")
    ],
) -> None:
    """Make an old version of a note current again.

    Version N's text and tags become a new version: history is never rewritten, so the
    version reverted from stays in it too. Reverting to the current version changes
    nothing.

    Example: notes revert 42 1
    """
    number = parse_note_id(note_id)
    wanted = parse_version(version)
    with open_notes(ctx) as notes:
        notes.revert(number, wanted)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
    app.command("revert")(revert)
