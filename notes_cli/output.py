"""Rendering notes: Rich tables for people, plain formats for scripts, streamed.

Note content is data, never markup: the table gets it as `rich.text.Text`, never as a
string Rich would parse, and the people formats (`table`, `plain`) show control
characters escaped (see `visible`). Machine formats write the exact text.
"""

import csv
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from datetime import datetime

    from rich.table import Table
    from rich.text import Text

    from notes_core.library import SearchHit
    from notes_core.models import Note, Revision

# What a terminal acts on instead of printing: C0 controls, DEL, C1 controls (ESC and CSI
# start the sequences that retitle, clear or recolour it; CR overwrites the line), and the
# bidirectional controls that reorder what is shown (Trojan Source, CVE-2021-42574), plus
# the Unicode line and paragraph separators. `\r\n` is matched whole so a line break can
# become one space.
_CONTROLS = re.compile(
    "\r\n|[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_SPACES = ("\t", "\n", "\r\n")


@dataclass(frozen=True, slots=True)
class Visible:
    """Text made safe to show, and where things are in it."""

    text: str
    spans: list[tuple[int, int]]  # the spans given to `visible`, moved to match `text`
    escapes: list[tuple[int, int]]  # where the escapes are in `text`


def visible(text: str, spans: Sequence[tuple[int, int]] = (), *, one_line: bool = True) -> Visible:
    """`text` with control characters escaped as `\\x1b`, `\\r`, `\\u202e` (Python's notation).

    With `one_line`, tabs and line breaks become one space instead (the table and plain
    formats); else they are escaped too (an error line). `spans` are (start, end) offsets
    into `text`, such as search highlights; they come back moved to cover the same
    characters. A backslash in the text is shown as it is.
    """
    if not spans and _CONTROLS.search(text) is None:
        return Visible(text, [], [])  # the common case: nothing to do
    parts: list[str] = []
    escapes: list[tuple[int, int]] = []
    moves: list[tuple[int, int, int]] = []  # (start, end) in `text`, and its new length
    last = length = 0
    for match in _CONTROLS.finditer(text):
        start, end = match.span()
        char = match.group()
        parts.append(text[last:start])
        length += start - last
        if one_line and char in _SPACES:
            shown = " "
        else:
            shown = "".join(_NAMED.get(c) or _code(c) for c in char)
            escapes.append((length, length + len(shown)))
        parts.append(shown)
        moves.append((start, end, len(shown)))
        length += len(shown)
        last = end
    parts.append(text[last:])
    moved = [(_moved(start, moves), _moved(end, moves)) for start, end in spans]
    return Visible("".join(parts), moved, escapes)


def _code(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _moved(offset: int, moves: list[tuple[int, int, int]]) -> int:
    """Where `offset` in the original text is once each replaced run got its new length."""
    shift = 0
    for start, end, length in moves:
        if start >= offset:
            break
        if end > offset:  # inside a run (between \r and \n): its start
            return start + shift
        shift += length - (end - start)
    return offset + shift


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


class HistoryFormat(StrEnum):
    table = "table"
    plain = "plain"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def choose_history_format(chosen: HistoryFormat | None, as_json: bool) -> HistoryFormat:
    """As `choose_format`, for the versions of a note (which have no `ids` format)."""
    if as_json:
        return HistoryFormat.json
    if chosen is not None:
        return chosen
    return HistoryFormat.table if sys.stdout.isatty() else HistoryFormat.plain


def first_line(text: str) -> str:
    """The first line, as the people formats show it (the CR of a CRLF line end dropped)."""
    return text.split("\n", 1)[0].removesuffix("\r")


def print_notes(
    notes: Iterable["Note"], fmt: Format, *, trash: bool = False, out: TextIO | None = None
) -> None:
    """Write notes to `out` (stdout) in `fmt`; machine formats never hold more than one
    note. `notes list`, `notes trash` and `notes export` all write through here.

    With `trash` (notes in the trash), `plain` and the table show when each was trashed
    instead of when it was created, and `csv` adds a `trashed_at` column; JSON carries
    `trashed_at` for every note in the trash.
    """
    out = out or sys.stdout
    if fmt is Format.table:
        empty = "The trash is empty." if trash else "No notes."
        _table(((note, None) for note in notes), trash=trash, empty=empty)
    elif fmt is Format.ids:
        for note in notes:
            out.write(f"{note.id}\n")
    elif fmt is Format.plain:
        for note in notes:
            out.write(_plain_fields(note, trash=trash) + "\n")
    elif fmt is Format.csv:
        writer = csv.writer(out, lineterminator="\n")
        header = ["id", "created_at", "updated_at", "tags", "text"]
        writer.writerow([*header, "trashed_at"] if trash else header)
        for note in notes:
            fields = csv_fields(note)
            writer.writerow([*fields, _timestamp(note.trashed_at)] if trash else fields)
    else:
        from notes_core.schemas import note_public

        documents = (note_public(note).model_dump_json() for note in notes)
        _json_lines(documents, lines=fmt is Format.jsonl, out=out)


def print_hits(hits: Iterable["SearchHit"], fmt: Format) -> None:
    """Write search hits to stdout in `fmt`, with the snippet as an extra field."""
    out = sys.stdout
    if fmt is Format.table:
        _table(((hit.note, hit) for hit in hits), search=True, empty="No matches.")
    elif fmt is Format.ids:
        for hit in hits:
            out.write(f"{hit.note.id}\n")
    elif fmt is Format.plain:
        for hit in hits:
            out.write(f"{_plain_fields(hit.note)}\t{visible(hit.snippet).text}\n")
    elif fmt is Format.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "created_at", "updated_at", "tags", "text", "snippet"])
        for hit in hits:
            writer.writerow([*csv_fields(hit.note), hit.snippet])
    else:
        from notes_core.schemas import NoteHit

        documents = (NoteHit.of_hit(hit).model_dump_json() for hit in hits)
        _json_lines(documents, lines=fmt is Format.jsonl)


def _plain_fields(note: "Note", *, trash: bool = False) -> str:
    when = _timestamp(note.trashed_at if trash else note.created_at)
    tags = visible(",".join(note.tags)).text
    return f"{note.id}\t{when}\t{tags}\t{visible(first_line(note.text)).text}"


def _timestamp(moment: "datetime | None") -> str:
    return "" if moment is None else moment.isoformat(timespec="microseconds")


def csv_fields(note: "Note") -> list[str | int]:
    return [
        note.id,
        _timestamp(note.created_at),
        _timestamp(note.updated_at),
        ",".join(note.tags),
        note.text,
    ]


def _json_lines(documents: Iterator[str], *, lines: bool, out: TextIO | None = None) -> None:
    """One JSON document per line (jsonl), or one array of them, written as they come."""
    out = out or sys.stdout
    if lines:
        for document in documents:
            out.write(document + "\n")
        return
    out.write("[")
    separator = "\n"
    for document in documents:
        out.write(separator + document)
        separator = ",\n"
    out.write("]\n" if separator == "\n" else "\n]\n")


def print_history(revisions: Iterable["Revision"], fmt: HistoryFormat) -> None:
    """Write the versions of a note to stdout in `fmt`, as they come (oldest first)."""
    out = sys.stdout
    if fmt is HistoryFormat.table:
        _history_table(revisions)
    elif fmt is HistoryFormat.plain:
        for version in revisions:
            tags = visible(",".join(version.tags)).text
            line = visible(first_line(version.text)).text
            out.write(f"{version.revision}\t{_timestamp(version.updated_at)}\t{tags}\t{line}\n")
    elif fmt is HistoryFormat.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["revision", "updated_at", "current", "tags", "text"])
        for version in revisions:
            writer.writerow(
                [
                    version.revision,
                    _timestamp(version.updated_at),
                    "true" if version.current else "false",
                    ",".join(version.tags),
                    version.text,
                ]
            )
    else:
        from notes_core.schemas import RevisionPublic

        documents = (RevisionPublic.of(version).model_dump_json() for version in revisions)
        _json_lines(documents, lines=fmt is HistoryFormat.jsonl)


def _local(moment: "datetime") -> str:
    """`moment` in local time for a table, as `2026-11-25 14:00`; in UTC, marked so
    (`9999-12-31 23:59 UTC`), when local time would leave the years 1 to 9999."""
    try:
        return _minutes(moment.astimezone())
    except (OverflowError, ValueError, OSError):
        from datetime import UTC

        return _minutes(moment.astimezone(UTC)) + " UTC"


def _minutes(moment: "datetime") -> str:
    # Not strftime("%Y"): glibc writes the year 1 as "1", not "0001".
    return f"{moment.year:04d}-{moment:%m-%d %H:%M}"


def _new_table() -> "Table":
    from rich.table import Table

    return Table(box=None, header_style="bold", pad_edge=False)


def _print_table(table: "Table", *, empty: str) -> None:
    from rich.console import Console
    from rich.text import Text

    # Content reaches Rich only as Text; with markup, emoji codes and highlighting off
    # here too, no string printed can be read as anything but characters.
    # NO_COLOR (set and not empty) turns every style off, bold, dim and reverse too:
    # Rich's own reading of it drops only colours.
    no_style = os.environ.get("NO_COLOR", "") != ""
    console = Console(
        markup=False, emoji=False, highlight=False, color_system=None if no_style else "auto"
    )
    if table.row_count:
        console.print(table)
    else:
        console.print(Text(empty, style="dim"))


def _table(
    rows: Iterable[tuple["Note", "SearchHit | None"]],
    *,
    search: bool = False,
    trash: bool = False,
    empty: str,
) -> None:
    table = _new_table()
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("trashed" if trash else "created", style="dim", no_wrap=True)
    table.add_column("tags", style="green")
    table.add_column("match" if search else "text", overflow="ellipsis", no_wrap=True)
    for note, hit in rows:
        if hit is not None:
            body = _cell(hit.snippet, hit.highlights)
        else:
            body = _cell(first_line(note.text))
        when = note.trashed_at if trash and note.trashed_at else note.created_at
        table.add_row(str(note.id), _local(when), _cell(", ".join(note.tags)), body)
    _print_table(table, empty=empty)


def _history_table(revisions: Iterable["Revision"]) -> None:
    table = _new_table()
    # A mark before the current version, as `git branch` marks the current branch.
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("rev", justify="right", style="cyan", no_wrap=True)
    table.add_column("date", style="dim", no_wrap=True)
    table.add_column("tags", style="green")
    table.add_column("text", overflow="ellipsis", no_wrap=True)
    for version in revisions:
        table.add_row(
            "*" if version.current else "",
            str(version.revision),
            _local(version.updated_at),
            _cell(", ".join(version.tags)),
            _cell(first_line(version.text)),
        )
    _print_table(table, empty="No versions.")


def _cell(content: str, highlights: Sequence[tuple[int, int]] = ()) -> "Text":
    """A table cell: the content as plain characters, escapes in reverse video (so they
    differ from a backslash typed in the note), matched words highlighted."""
    from rich.text import Text

    shown = visible(content, highlights)
    cell = Text(shown.text)
    for start, end in shown.escapes:
        cell.stylize("reverse", start, end)
    for start, end in shown.spans:
        cell.stylize("bold yellow", start, end)
    return cell
