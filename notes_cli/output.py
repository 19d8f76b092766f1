"""Rendering notes: Rich tables for people, plain formats for scripts, streamed."""

import csv
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notes_core.models import Note
    from notes_core.repository import SearchHit


class Format(StrEnum):
    table = "table"
    plain = "plain"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    ids = "ids"


def choose_format(chosen: Format | None, as_json: bool) -> Format:
    """`--json` wins; otherwise a table on a terminal and plain lines in a pipe."""
    if as_json:
        return Format.json
    if chosen is not None:
        return chosen
    return Format.table if sys.stdout.isatty() else Format.plain


def one_line(text: str) -> str:
    """The same characters on one line (offsets into it stay valid)."""
    return text.replace("\r", " ").replace("\n", " ").replace("\t", " ")


def first_line(text: str) -> str:
    # Tabs would shift the plain format's columns.
    return text.split("\n", 1)[0].rstrip("\r").replace("\t", " ")


def print_notes(notes: Iterable["Note"], fmt: Format) -> None:
    """Write notes to stdout in `fmt`; machine formats never hold more than one note."""
    out = sys.stdout
    if fmt is Format.table:
        _table(((note, None) for note in notes), search=False)
    elif fmt is Format.ids:
        for note in notes:
            out.write(f"{note.id}\n")
    elif fmt is Format.plain:
        for note in notes:
            out.write(_plain_fields(note) + "\n")
    elif fmt is Format.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "created_at", "updated_at", "tags", "text"])
        for note in notes:
            writer.writerow(_csv_fields(note))
    else:
        from notes_core.schemas import NotePublic

        _json_lines((NotePublic.of(note).model_dump_json() for note in notes), fmt)


def print_hits(hits: Iterable["SearchHit"], fmt: Format) -> None:
    """Write search hits to stdout in `fmt`, with the snippet as an extra field."""
    out = sys.stdout
    if fmt is Format.table:
        _table(((hit.note, hit) for hit in hits), search=True)
    elif fmt is Format.ids:
        for hit in hits:
            out.write(f"{hit.note.id}\n")
    elif fmt is Format.plain:
        for hit in hits:
            out.write(f"{_plain_fields(hit.note)}\t{one_line(hit.snippet)}\n")
    elif fmt is Format.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "created_at", "updated_at", "tags", "text", "snippet"])
        for hit in hits:
            writer.writerow([*_csv_fields(hit.note), hit.snippet])
    else:
        from notes_core.schemas import NoteHit

        _json_lines((NoteHit.of_hit(hit).model_dump_json() for hit in hits), fmt)


def _plain_fields(note: "Note") -> str:
    created = note.created_at.isoformat(timespec="microseconds")
    return f"{note.id}\t{created}\t{','.join(note.tags)}\t{first_line(note.text)}"


def _csv_fields(note: "Note") -> list[str | int]:
    return [
        note.id,
        note.created_at.isoformat(timespec="microseconds"),
        note.updated_at.isoformat(timespec="microseconds"),
        ",".join(note.tags),
        note.text,
    ]


def _json_lines(documents: Iterator[str], fmt: Format) -> None:
    out = sys.stdout
    if fmt is Format.jsonl:
        for document in documents:
            out.write(document + "\n")
        return
    out.write("[")
    separator = "\n"
    for document in documents:
        out.write(separator + document)
        separator = ",\n"
    out.write("]\n" if separator == "\n" else "\n]\n")


def _table(rows: Iterable[tuple["Note", "SearchHit | None"]], *, search: bool) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("created", style="dim", no_wrap=True)
    table.add_column("tags", style="green")
    table.add_column("match" if search else "text", overflow="ellipsis", no_wrap=True)
    count = 0
    for note, hit in rows:
        if hit is not None:
            body = Text(one_line(hit.snippet))
            for start, end in hit.highlights:
                body.stylize("bold yellow", start, end)
        else:
            body = Text(first_line(note.text))
        table.add_row(
            str(note.id),
            note.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
            ", ".join(note.tags),
            body,
        )
        count += 1
    console = Console()
    if count:
        console.print(table)
    else:
        console.print("[dim]No notes.[/dim]" if not search else "[dim]No matches.[/dim]")
