"""`notes export` and `notes import`: notes out to files and pipes, and back in.

Both stream: export writes each note as the store hands it over, import hands the store
each record as the reader parses it, so a million notes never sit in memory. Neither
leaves half a result behind: an export to a file or folder appears whole or not at all,
and an import is one transaction.
"""

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from notes_cli.completion import complete_tag
from notes_cli.state import open_notes
from notes_core.errors import InvalidInput, NotesError

if TYPE_CHECKING:
    from notes_core.models import Note
    from notes_core.transfer.readers import ImportSource


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ExportFormat(StrEnum):
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    markdown = "markdown"


class ImportFormat(StrEnum):
    auto = "auto"
    jsonl = "jsonl"
    json = "json"
    markdown = "markdown"
    jrnl = "jrnl"


def export(
    ctx: typer.Context,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", "-f", help="jsonl (one note per line), json, csv or markdown."),
    ] = ExportFormat.jsonl,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="PATH",
            help="A file to write (replaced when complete) instead of stdout ('-'); for "
            "markdown, a new or empty folder (required).",
        ),
    ] = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            metavar="TAG",
            help="Only notes with this tag (repeatable: all of them).",
            autocompletion=complete_tag,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            metavar="D", help="Only notes created at or after D (2026-11-25, 7d, yesterday)."
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="D", help="Only notes created before D.")
    ] = None,
    trash: Annotated[
        bool, typer.Option("--trash", help="Include the notes in the trash (with trashed_at).")
    ] = False,
) -> None:
    """Write every note, oldest first, as jsonl (the default), json, csv or markdown.

    JSON notes are exactly those of `notes list --format json`; `notes import` reads
    jsonl, json and markdown back with their dates and tags. With --output FILE the file
    appears only once it is complete (a new one readable by you alone); markdown writes
    one `{id}-{first words}.md` per note with YAML front matter into a new or empty
    folder, and never touches a folder that holds anything.

    Example: notes export --tag work --since 30d > work.jsonl
    """
    from notes_core.dates import parse_moment

    if fmt is ExportFormat.markdown and output is None:
        raise typer.BadParameter(
            "required with --format markdown: a new or empty folder to write one .md "
            "file per note into",
            param_hint="--output",
        )
    if output is not None and str(output) == "-":
        if fmt is ExportFormat.markdown:
            raise typer.BadParameter(
                "markdown is written to a folder, not to stdout: give a new or empty folder",
                param_hint="--output",
            )
        output = None  # stdout, as `-o -` means to most tools
    start = parse_moment(since) if since is not None else None
    end = parse_moment(until) if until is not None else None
    with open_notes(ctx) as notes:
        if output is not None and notes.holds_file(output.expanduser()):
            raise typer.BadParameter(
                f"{output} is the store itself: export to another file", param_hint="--output"
            )
        folder = _empty_folder(output) if fmt is ExportFormat.markdown and output else None

        # Called once the output is ready: the stream holds a read transaction from the
        # call on, which only reading it to the end (or closing it) gives back.
        def selected() -> Iterator["Note"]:
            return notes.export(tags=tag or [], since=start, until=end, trash=trash)

        if folder is not None:
            _write_markdown(selected, folder)
            return
        with _output(output) as out:
            _write_notes(selected(), fmt, out, trash)


# --- writers ---------------------------------------------------------------------------


def _write_notes(notes: Iterable["Note"], fmt: "ExportFormat", out: BinaryIO, trash: bool) -> None:
    """jsonl, json or csv exactly as `notes list` writes them (through the same writer),
    with `trashed_at` when the trash is in."""
    import io

    from notes_cli.output import Format, print_notes

    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        print_notes(notes, Format(fmt.value), trash=trash, out=text)
        text.flush()
    finally:
        text.detach()  # `out` belongs to the caller


# --- where an export goes ----------------------------------------------------------------


@contextmanager
def _output(path: Path | None) -> Iterator[BinaryIO]:
    """stdout, or `path` written whole: into a hidden file beside it, renamed over it once
    complete, so a failed export leaves no half file and a reader never sees one.

    A FIFO or a device (/dev/null) is written directly, as shell `>` would: it cannot be
    replaced, and must not be.
    """
    if path is None:
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    target = Path(os.path.realpath(path.expanduser()))  # through a symlink, as `>` writes
    if target.is_dir():
        raise InvalidInput(f"{path} is a folder: --output needs a file name for this format")
    if target.exists() and not target.is_file():
        with _writing(path), target.open("wb") as special:
            yield special
        return
    # A new file is private, like the store it comes from; one replaced keeps its mode.
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o600
    with _writing(path):
        handle, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    partial = Path(name)
    try:
        with _writing(path), os.fdopen(handle, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())  # the data is on disk before the name points at it
            os.chmod(partial, mode)
            os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    """OSErrors of writing `path` (a full disk, no permission) as one error line."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise NotesError(f"cannot write {path}: {reason}; nothing was exported") from None


def _empty_folder(path: Path) -> Path:
    """`path` if it is a folder with nothing in it, or does not exist yet."""
    folder = path.expanduser()
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{path} is not a folder: markdown export writes a folder of files")
    if folder.is_dir():
        with _writing(path), os.scandir(folder) as entries:
            if next(entries, None) is not None:
                raise InvalidInput(
                    f"{path} is not empty: export to a new or empty folder "
                    "(an export never overwrites files)"
                )
    return folder


def _write_markdown(selected: Callable[[], Iterator["Note"]], folder: Path) -> None:
    """One markdown file per note in `folder` (created if missing), all or none: the
    files are written in a hidden folder inside it and moved up once every one is done."""
    from notes_core.transfer.markdown import markdown_document, markdown_filename

    created = not folder.exists()
    with _writing(folder):
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".notes-export-"))
    try:
        with _writing(folder):
            for note in selected():
                _write_new_file(staging / markdown_filename(note), markdown_document(note), note)
            _move_files_up(staging, folder)
            staging.rmdir()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with suppress(OSError):
                folder.rmdir()  # only if nothing else has appeared in it meanwhile
        raise


def _write_new_file(path: Path, content: bytes, note: "Note") -> None:
    handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as file:
        file.write(content)
        file.flush()  # before the time is set: a later write would change it
        # The file's time is the note's: file managers, zk and Obsidian sort by it.
        stamp = (note.updated_at - EPOCH) // timedelta(microseconds=1) * 1000
        os.utime(file.fileno(), ns=(stamp, stamp))


def _move_files_up(staging: Path, folder: Path) -> None:
    # Entries renamed away while a folder is being read may or may not be listed again:
    # read it until it is empty.
    while True:
        with os.scandir(staging) as entries:
            moved = 0
            for entry in entries:
                os.rename(entry.path, folder / entry.name)
                moved += 1
        if not moved:
            return


# --- import ------------------------------------------------------------------------------


def import_(
    ctx: typer.Context,
    path: Annotated[
        str | None,
        typer.Argument(
            metavar="[PATH|-]",
            help="A file, a folder of .md files, or '-' for stdin (the default).",
        ),
    ] = None,
    fmt: Annotated[
        ImportFormat,
        typer.Option(
            "--format",
            "-f",
            help="auto (from the name and the first bytes), jsonl, json, markdown or jrnl "
            "(the output of jrnl --format json).",
        ),
    ] = ImportFormat.auto,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            metavar="TAG",
            help="Add this tag to every imported note (repeatable).",
            autocompletion=complete_tag,
        ),
    ] = None,
) -> None:
    """Add notes from a file, a folder or stdin, keeping their dates; all or nothing.

    Reads what `notes export` writes (jsonl, json, markdown), markdown files with front
    matter (zk, Obsidian, nb, Joplin) and `jrnl --format json`. A note with the same text
    and created_at as one already stored is skipped, so importing twice adds nothing. A
    bad record stops the import with its line number or file name, and nothing is added.
    Prints `imported N, skipped M` on stderr.

    Example: notes export | notes --db ~/new.db import
    """
    from notes_core.transfer.readers import ImportSource

    target = path or "-"
    if target == "-" and sys.stdin.isatty():
        typer.echo("Reading notes from stdin; end with Ctrl-D.", err=True)
    with ImportSource.open(target, stdin=sys.stdin.buffer) as source:
        records = source.records(fmt.value)
        with open_notes(ctx) as notes, _progress(source) as progress:
            result = notes.import_records(records, tags=tag or [], progress=progress)
    typer.echo(f"imported {result.imported}, skipped {result.skipped}", err=True)


@contextmanager
def _progress(source: "ImportSource") -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar on stderr while the import runs, only when stderr is a terminal:
    first how far through the input it has read and checked (when its size is known),
    then how many of the notes are written."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[records]:,} notes"),
        TimeElapsedColumn(),
    ]
    console = Console(stderr=True, markup=False, emoji=False, highlight=False)
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("reading", total=source.total_bytes or None, records=0)

        def advance(checked: int, written: int) -> None:
            if not written:
                bar.update(task, completed=source.bytes_read, records=checked)
            else:
                bar.update(
                    task, description="writing", total=checked, completed=written, records=written
                )

        yield advance


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_)
