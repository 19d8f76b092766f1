"""Tables on narrow and wide terminals (papercut 1), and `notes show`'s shared format
options (papercut 11). Tables are read from real `notes` processes writing to a
pseudo-terminal whose window size is set, as a shell's would be, with COLUMNS unset."""

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
from datetime import UTC, datetime

import pytest

from notes_core.library import Notes
from tests.serving import NOTES

LONG = "A first line much longer than any terminal is wide: " + "word " * 60
TAGS = [f"tag-number-{i}" for i in range(1, 13)]
# Notes added at a fixed moment: the table shows it in the TZ given to `notes`.
MOMENT = datetime(2026, 11, 25, 20, 28, 5, tzinfo=UTC)
KOLKATA = "2026-11-26 01:58"  # UTC+05:30, no summer time


def on_terminal(columns: int, *args: str, **env: str) -> list[str]:
    """What `notes ARGS` shows on a terminal `columns` wide, as lines (without styles, the
    padding at the ends of lines, or the terminal's CRs)."""
    controller, device = pty.openpty()
    try:
        # struct winsize: rows, columns, and two unused pixel sizes.
        fcntl.ioctl(device, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        # COLUMNS unset: the width comes from the window size, as in a shell.
        base = {name: value for name, value in os.environ.items() if name != "COLUMNS"}
        result = subprocess.run(
            [NOTES, *args],
            stdout=device,
            stderr=subprocess.PIPE,
            env={**base, "NO_COLOR": "1", "TERM": "xterm-256color", **env},
            timeout=60,
            check=True,
        )
        assert result.stderr == b""
        os.close(device)
        device = -1
        chunks = []
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the other end is closed and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if device != -1:
            os.close(device)
        os.close(controller)
    text = b"".join(chunks).decode()
    return [line.rstrip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def assert_rows(lines: list[str], columns: int, header: str) -> None:
    """Every line fits; every note's row shows its id, full date and a tag."""
    assert all(len(line) <= columns for line in lines), lines
    assert re.fullmatch(header, lines[0]), lines[0]
    rows = {int(m.group(1)): m for line in lines[1:] if (m := ROW.match(line))}
    assert sorted(rows) == [1, 2, 3], lines
    for row in rows.values():
        assert row.group(2) == KOLKATA
    tagged = "\n".join(lines)
    # Every tag is there whole (tags may wrap between tags, never inside one here).
    for tag in [*TAGS, "quite-a-long-tag-name"]:
        assert tag in tagged, (tag, lines)


ROW = re.compile(r"^\s*(\d+)  (\d{4}-\d\d-\d\d \d\d:\d\d)  ")


@pytest.mark.parametrize("columns", [60, 80, 200])
def test_list_shows_id_date_and_tags_at_any_width(db_target: str, columns: int) -> None:
    add_at(db_target, MOMENT)
    lines = on_terminal(columns, "--db", db_target, "list", TZ="Asia/Kolkata")
    assert_rows(lines, columns, r"id  created\s+tags\s+text")
    # The long first line is what gives way, ending in an ellipsis (but not at 200
    # columns for the 70-character one).
    [long_row] = [line for line in lines if line.lstrip().startswith("1  ")]
    assert long_row.endswith("…")
    assert ("x" * 70 in "\n".join(lines)) is (columns == 200)


@pytest.mark.parametrize("columns", [60, 80])
def test_search_shows_id_date_and_tags_on_a_narrow_terminal(db_target: str, columns: int) -> None:
    add_at(db_target, MOMENT)
    with Notes.open(db_target) as notes:
        notes.update(2, text="short word")  # so that every note matches
        notes.update(3, text="x" * 70 + " word")
    lines = on_terminal(columns, "--db", db_target, "search", "word", TZ="Asia/Kolkata")
    assert_rows(lines, columns, r"id  created\s+tags\s+match")


@pytest.mark.parametrize("columns", [60, 80])
def test_pinned_notes_are_marked_first_in_the_table(db_target: str, columns: int) -> None:
    add_at(db_target, MOMENT)
    with Notes.open(db_target) as notes:
        notes.pin([1])
    lines = on_terminal(columns, "--db", db_target, "list", TZ="Asia/Kolkata")
    assert all(len(line) <= columns for line in lines), lines
    assert re.fullmatch(r"\s*id  created\s+tags\s+text", lines[0]), lines[0]
    rows = [m.groups() for line in lines[1:] if (m := re.match(r"^([* ])\s+(\d+)  ", line))]
    assert rows == [("*", "1"), (" ", "3"), (" ", "2")], lines


def test_machine_formats_keep_utc_iso_dates(db_target: str) -> None:
    add_at(db_target, MOMENT)
    env = {**os.environ, "TZ": "Asia/Kolkata"}
    plain = subprocess.run(
        [NOTES, "--db", db_target, "list", "--format", "plain"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    ).stdout
    assert "\t2026-11-25T20:28:05.000000+00:00\t" in plain.splitlines()[0]


def test_trash_and_history_tables_keep_their_ids_dates_and_tags(db_target: str) -> None:
    add_at(db_target, MOMENT)
    with Notes.open(db_target) as notes:
        notes.update(1, text=LONG + " changed")
        notes.trash([3])
    history = on_terminal(60, "--db", db_target, "history", "1", TZ="Asia/Kolkata")
    assert all(len(line) <= 60 for line in history)
    versions = [m for line in history if (m := re.match(r"^[* ] +(\d)  (\S+ \S+)  ", line))]
    assert [m.group(1) for m in versions] == ["1", "2"], history
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", m.group(2)) for m in versions)
    assert all(tag in "\n".join(history) for tag in TAGS)
    trash = on_terminal(60, "--db", db_target, "trash", TZ="Asia/Kolkata")
    assert all(len(line) <= 60 for line in trash)
    assert re.match(r"^\s*3  \d{4}-\d\d-\d\d \d\d:\d\d  quite-a-long-tag-name", trash[1])


def add_at(db: str, moment: datetime) -> None:
    """Three notes created (and last changed) at `moment`: 1 has a long first line and
    many tags, 2 is short with none, 3 has a 70-character first line and one long tag."""
    from notes_core.library import ImportRecord

    def record(text: str, tags: list[str]) -> ImportRecord:
        return ImportRecord(text, tags, moment, moment, None, source="test")

    with Notes.open(db) as notes:
        notes.import_records(
            [
                record(LONG, TAGS),
                record("short", []),
                record("x" * 70 + "\nsecond line", ["quite-a-long-tag-name"]),
            ]
        )


# --- notes show: the shared format options ------------------------------------------------


def show(db: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NOTES, "--db", db, "show", *args], capture_output=True, text=True, timeout=60
    )


def test_show_takes_the_shared_format_options(db_target: str) -> None:
    with Notes.open(db_target) as notes:
        notes.add("first draft", tags=["t"])
        notes.update(1, text="final text")
    assert show(db_target, "1").stdout == "final text\n"
    assert show(db_target, "1", "--format", "TEXT").stdout == "final text\n"
    as_json = json.loads(show(db_target, "1", "--json").stdout)
    assert (as_json["id"], as_json["text"], as_json["tags"]) == (1, "final text", ["t"])
    assert json.loads(show(db_target, "1", "-f", "Json").stdout) == as_json
    # --rev N with either format.
    assert show(db_target, "1", "--rev", "1").stdout == "first draft\n"
    first = json.loads(show(db_target, "1", "--rev", "1", "--json").stdout)
    assert (first["revision"], first["text"]) == (1, "first draft")


def test_show_with_an_unknown_format_is_a_usage_error(db_target: str) -> None:
    with Notes.open(db_target) as notes:
        notes.add("kept")
    result = show(db_target, "1", "--format", "yaml")
    assert (result.returncode, result.stdout) == (2, "")
    assert "'yaml' is not one of 'text', 'json'" in result.stderr
