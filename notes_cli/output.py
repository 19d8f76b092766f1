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

    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from notes_core.library import SearchHit
    from notes_core.models import Note, Revision, TagCount

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


class ShowFormat(StrEnum):
    """`notes show`: the note's text exactly, or its JSON document."""

    text = "text"
    json = "json"


class RecordFormat(StrEnum):
    """The formats of lists that are not notes (versions of a note, tags): no `ids`."""

    table = "table"
    plain = "plain"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def choose_record_format(chosen: RecordFormat | None, as_json: bool) -> RecordFormat:
    """As `choose_format`, for versions of a note and tags."""
    if as_json:
        return RecordFormat.json
    if chosen is not None:
        return chosen
    return RecordFormat.table if sys.stdout.isatty() else RecordFormat.plain


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


def print_history(revisions: Iterable["Revision"], fmt: RecordFormat) -> None:
    """Write the versions of a note to stdout in `fmt`, as they come (oldest first)."""
    out = sys.stdout
    if fmt is RecordFormat.table:
        _history_table(revisions)
    elif fmt is RecordFormat.plain:
        for version in revisions:
            tags = visible(",".join(version.tags)).text
            line = visible(first_line(version.text)).text
            out.write(f"{version.revision}\t{_timestamp(version.updated_at)}\t{tags}\t{line}\n")
    elif fmt is RecordFormat.csv:
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
        _json_lines(documents, lines=fmt is RecordFormat.jsonl)


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

    # One space either side of a cell, none at the table's edges: `_fit` counts on it.
    return Table(box=None, header_style="bold", pad_edge=False, padding=(0, 1))


# The text column gets at least this many cells when the tags must wrap (unless the
# terminal is so narrow that half the room left is less).
_TEXT_AT_LEAST = 12


def _fit(table: "Table", console: "Console") -> None:
    """Give the columns of a notes table their widths for the console's terminal.

    Rich, left alone, squeezes a table too wide for the terminal by shrinking every
    column evenly, down to nothing: the id (which `show`, `edit` and `rm` need) and the
    tags vanished and the date became `2026-1…` as soon as one note's first line was
    long. Here every column but the last two keeps its full width (ids, dates, marks),
    the tags (second to last) may wrap, and the text (last) is what shrinks, ending in
    an ellipsis.
    """
    from rich.measure import Measurement

    width, options = console.width, console.options

    # Per column: its longest word (the narrowest it can wrap to), and its longest line.
    measured = [
        [Measurement.get(console, options, cell) for cell in [column.header, *column.cells]]
        for column in table.columns
    ]
    natural = [max(size.maximum for size in sizes) for sizes in measured]
    longest_tag = max(size.minimum for size in measured[-2])
    padding = 2 * (len(natural) - 1)  # see _new_table: 1 + 1 between columns, 0 at the edges
    *fixed, tags, text = natural
    rest = width - padding - sum(fixed)
    for column, needed in zip(table.columns, fixed, strict=False):
        column.width = needed  # never squeezed
    if tags + text <= rest:
        return  # everything fits as it is
    # The tags get what they need up to half the room left (more if the text is short);
    # the text gets the rest, at least a few characters (half the room on a narrow one).
    # A tag is folded over lines only when even one tag a line would starve the text.
    tags_width = min(tags, max(rest // 2, rest - text, longest_tag))
    tags_width = min(tags_width, max(rest - _TEXT_AT_LEAST, rest // 2))
    tags_width = max(tags_width, min(tags, len("tags")), 1)
    table.columns[-2].width = tags_width
    table.columns[-1].width = max(rest - tags_width, 1)


def _print_table(table: "Table", *, empty: str, fit: bool = False) -> None:
    """Print `table` (`empty` if it has no rows); with `fit`, a table of notes or versions
    whose last two columns are the tags and the text, sized by `_fit`."""
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
        if fit:
            _fit(table, console)
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
    rows = list(rows)  # a table is printed whole: its widths depend on every row
    # Pinned notes come first in a listing; a mark says why an old note is at the top.
    pins = any(note.pinned for note, _ in rows)
    table = _new_table()
    if pins:
        table.add_column("", style="bold", no_wrap=True)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("trashed" if trash else "created", style="dim", no_wrap=True)
    # Tags fold rather than end in an ellipsis: a tag is a name to type, shown whole.
    table.add_column("tags", style="green", overflow="fold")
    table.add_column("match" if search else "text", overflow="ellipsis", no_wrap=True)
    for note, hit in rows:
        if hit is not None:
            body = _cell(hit.snippet, hit.highlights)
        else:
            body = _cell(first_line(note.text))
        when = note.trashed_at if trash and note.trashed_at else note.created_at
        mark = ["*" if note.pinned else ""] if pins else []
        table.add_row(*mark, str(note.id), _local(when), _cell(", ".join(note.tags)), body)
    _print_table(table, empty=empty, fit=True)


def _history_table(revisions: Iterable["Revision"]) -> None:
    table = _new_table()
    # A mark before the current version, as `git branch` marks the current branch.
    table.add_column("", style="bold", no_wrap=True)
    table.add_column("rev", justify="right", style="cyan", no_wrap=True)
    table.add_column("date", style="dim", no_wrap=True)
    table.add_column("tags", style="green", overflow="fold")
    table.add_column("text", overflow="ellipsis", no_wrap=True)
    for version in revisions:
        table.add_row(
            "*" if version.current else "",
            str(version.revision),
            _local(version.updated_at),
            _cell(", ".join(version.tags)),
            _cell(first_line(version.text)),
        )
    _print_table(table, empty="No versions.", fit=True)


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


def print_tags(tags: Iterable["TagCount"], fmt: RecordFormat) -> None:
    """Write the tags in use and their counts to stdout in `fmt` (the formats of
    `notes history`: table, plain `name<TAB>count`, json, jsonl, csv `name,count`)."""
    out = sys.stdout
    if fmt is RecordFormat.table:
        table = _new_table()
        table.add_column("tag", style="green", overflow="fold")  # a name to type: whole
        table.add_column("notes", justify="right", style="cyan", no_wrap=True)
        for tag in tags:
            table.add_row(_cell(tag.name), f"{tag.count:,}")
        _print_table(table, empty="No tags.")
    elif fmt is RecordFormat.plain:
        for tag in tags:
            out.write(f"{visible(tag.name).text}\t{tag.count}\n")
    elif fmt is RecordFormat.csv:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "count"])
        writer.writerows([tag.name, tag.count] for tag in tags)
    else:
        from notes_core.schemas import TagPublic

        documents = (TagPublic.of(tag).model_dump_json() for tag in tags)
        _json_lines(documents, lines=fmt is RecordFormat.jsonl)
