"""`notes add`, `list`, `show`, `edit` and `rm` (which moves notes to the trash)."""

import shlex
import sys
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import typer

from notes_cli.completion import complete_tag
from notes_cli.output import Format, ShowFormat, choose_format, print_notes
from notes_cli.state import open_notes
from notes_core.errors import NoteChanged, NoteInTrash, NoteNotFound
from notes_core.models import Note
from notes_core.validation import parse_note_id, parse_version

TagOption = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", "-t", metavar="TAG", help="A tag (repeatable).", autocompletion=complete_tag
    ),
]
LimitOption = Annotated[
    int | None, typer.Option("--limit", "-n", metavar="N", help="At most N notes.")
]
FormatOption = Annotated[
    Format | None,
    typer.Option(
        "--format",
        "-f",
        help="Output format (default: table on a terminal, plain in a pipe).",
        case_sensitive=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
MOMENTS = "D: 2026-11-25 (local midnight), 2026-11-25T13:00[+01:00], 30m, 12h, 7d, 2w, today"
SinceOption = Annotated[
    str | None,
    typer.Option(metavar="D", help=f"Only notes created at or after D. {MOMENTS}, yesterday."),
]
UntilOption = Annotated[
    str | None, typer.Option(metavar="D", help="Only notes created before D (same forms).")
]


class SortOrder(StrEnum):
    created = "created"
    updated = "updated"


def moments(since: str | None, until: str | None) -> tuple[datetime | None, datetime | None]:
    """--since and --until as UTC moments (None when not given). Raises InvalidInput, so a
    bad value is one `Error:` line before anything is read or printed."""
    from notes_core.dates import parse_moment  # only commands with dates need it

    start = None if since is None else parse_moment(since)
    end = None if until is None else parse_moment(until)
    return start, end


def read_stdin() -> bytes:
    """The text piped in, without the trailing newlines that `echo` and editors add."""
    if sys.stdin.isatty():
        typer.echo("Reading the note from stdin; end it with Ctrl-D.", err=True)
    return sys.stdin.buffer.read().rstrip(b"\r\n")


def text_from(words: list[str] | None) -> str | bytes | None:
    """TEXT words joined by one space; `-` (or, for add, nothing) means stdin."""
    if not words:
        return None
    if words == ["-"]:
        return read_stdin()
    return " ".join(words)


def add(
    ctx: typer.Context,
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help="The note; '-' reads stdin; none opens the editor on a terminal, else reads stdin."
        ),
    ] = None,
    tag: TagOption = None,
) -> None:
    """Add a note and print its id.

    With no TEXT: on a terminal, opens $VISUAL, else $EDITOR, else vi (as git commit
    does; an empty note adds nothing); in a pipe, reads stdin.

    Example: git log -1 --format=%B | notes add --tag commits
    """
    content = text_from(text)
    if content is None and sys.stdin.isatty():
        add_in_editor(ctx, tag or [])
        return
    if content is None:
        content = read_stdin()
    with open_notes(ctx) as notes:
        note = notes.add(content, tags=tag or [])
    typer.echo(note.id)


def add_in_editor(ctx: typer.Context, tags: list[str]) -> None:
    """Write a new note in the editor and add it; if the store refuses it (too long, the
    store unreachable), what was written is kept in a file the error names."""
    from notes_cli.editor import EditorError, keep_text, write_text
    from notes_core.errors import NotesError
    from notes_core.validation import clean_tags

    clean_tags(tags)  # a bad tag is an error before anything is written, not after
    content = write_text()
    try:
        with open_notes(ctx) as notes:
            note = notes.add(content, tags=tags)
    except NotesError as exc:
        kept = shlex.quote(str(keep_text(content, "add")))
        raise EditorError(f"{exc}; the note you wrote is in {kept}") from None
    typer.echo(note.id)


def list_(
    ctx: typer.Context,
    tag: TagOption = None,
    limit: LimitOption = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="D",
            help=f"Only notes created (with --sort updated: changed) at or after D. {MOMENTS}, "
            "yesterday.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            metavar="D", help="Only notes created (--sort updated: changed) before D (same forms)."
        ),
    ] = None,
    sort: Annotated[
        SortOrder,
        typer.Option(
            "--sort",
            help="created: newest first (by id); updated: most recently changed first, and "
            "--since/--until then filter on when a note was last changed.",
            case_sensitive=False,
        ),
    ] = SortOrder.created,
    pinned: Annotated[bool, typer.Option("--pinned", help="Only the pinned notes.")] = False,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """List notes, pinned ones first, each group newest first; repeated --tag means all of
    them.

    --since and --until take an ISO date (local midnight) or date-time, or 30m, 12h, 7d,
    2w (that long ago), today, yesterday; --until is exclusive. With either, notes are in
    order of creation date (which differs from id order only for imported notes).

    Example: notes list --sort updated --since 7d --tag work
    """
    start, end = moments(since, until)
    with open_notes(ctx) as notes:
        found = notes.iterate(
            tags=tag or [], limit=limit, since=start, until=end, sort=sort.value, pinned=pinned
        )
        print_notes(found, choose_format(fmt, as_json))


def show(
    ctx: typer.Context,
    note_id: Annotated[str, typer.Argument(metavar="ID", help="The note's id.")],
    fmt: Annotated[
        ShowFormat,
        typer.Option(
            "--format", "-f", help="text (the note exactly) or json.", case_sensitive=False
        ),
    ] = ShowFormat.text,
    as_json: JsonOption = False,
    rev: Annotated[
        str | None,
        typer.Option(
            "--rev",
            "-r",
            metavar="N",
            help="Version N of the note (1 is the oldest; see notes history ID).",
        ),
    ] = None,
) -> None:
    """Print one note's text exactly (or its JSON with --format json).

    With --rev N, version N of it instead (1 is the oldest; see notes history ID).

    Example: notes show 42 --rev 1 > first-draft.md
    """
    number = parse_note_id(note_id)
    version = None if rev is None else parse_version(rev)
    with open_notes(ctx) as notes:
        found = notes.get(number) if version is None else notes.revision(number, version)
    if as_json or fmt is ShowFormat.json:
        from notes_core.schemas import NotePublic, RevisionPublic

        if isinstance(found, Note):
            document = NotePublic.of(found).model_dump_json()
        else:
            document = RevisionPublic.of(found).model_dump_json()
        sys.stdout.write(document + "\n")
    else:
        text = found.text
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def edit(
    ctx: typer.Context,
    note_id: Annotated[str, typer.Argument(metavar="ID", help="The note's id.")],
    text: Annotated[
        list[str] | None, typer.Argument(help="New text; '-' reads stdin; none opens the editor.")
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            metavar="TAG",
            help="Add a tag (repeatable).",
            autocompletion=complete_tag,
        ),
    ] = None,
    untag: Annotated[
        list[str] | None,
        typer.Option(
            "--untag", metavar="TAG", help="Remove a tag (repeatable).", autocompletion=complete_tag
        ),
    ] = None,
) -> None:
    """Replace a note's text, change its tags, or (with neither) open it in the editor.

    The editor is $VISUAL, else $EDITOR, run whenever one is set (even in a script);
    else vi, with a terminal on stdin.

    Example: notes edit 42 --tag done --untag todo
    """
    number = parse_note_id(note_id)
    content = text_from(text)
    if content is None and not tag and not untag:
        edit_in_editor(ctx, number)
        return
    with open_notes(ctx) as notes:
        notes.update(number, text=content, add_tags=tag or [], remove_tags=untag or [])


def edit_in_editor(ctx: typer.Context, number: int) -> None:
    """Run the editor on the note's text and save the result, unless the note changed
    meanwhile: then nothing is overwritten and the edited text is kept in a file."""
    from notes_cli.editor import edit_text, keep_text

    with open_notes(ctx) as notes:
        note = notes.get(number)
    # No transaction stays open while the editor runs (that could be hours): the note's
    # etag, checked under the write lock, tells whether anyone wrote to it in between.
    content = edit_text(note.text, terminal=sys.stdin.isatty())
    if content is None:
        return
    try:
        with open_notes(ctx) as notes:
            notes.update(number, text=content, if_match=note.etag)
    except NoteChanged:
        kept = shlex.quote(str(keep_text(content, f"edit-{number}")))
        raise NoteChanged(
            number,
            f"note {number} changed while the editor was open, so your edit was not saved; "
            f"it is in {kept} (to apply it over the other change: notes edit {number} - < {kept})",
        ) from None
    except NoteNotFound:
        kept = shlex.quote(str(keep_text(content, f"edit-{number}")))
        consequence = f"it was deleted while the editor was open; your edit is in {kept}"
        raise NoteNotFound([number], consequence=consequence) from None
    except NoteInTrash:
        kept = shlex.quote(str(keep_text(content, f"edit-{number}")))
        consequence = (
            f"it was moved there while the editor was open, so your edit was not saved; "
            f"it is in {kept}"
        )
        raise NoteInTrash([number], consequence=consequence) from None


def rm(
    ctx: typer.Context,
    note_ids: Annotated[list[str], typer.Argument(metavar="ID...", help="Ids to move.")],
) -> None:
    """Move notes to the trash (undo with notes restore).

    All or nothing: if any id is unknown or already in the trash, none is moved.

    Example: notes list --tag scratch --format ids | xargs notes rm
    """
    numbers = [parse_note_id(value) for value in note_ids]
    with open_notes(ctx) as notes:
        notes.trash(numbers)


def register(app: typer.Typer) -> None:
    app.command("add")(add)
    app.command("list")(list_)
    app.command("show")(show)
    app.command("edit")(edit)
    app.command("rm")(rm)
