"""Hostile note content: never read as Rich markup, never reaching a terminal raw.

A note can come from anyone with API access, so what `notes list` prints on a teammate's
terminal must not be able to crash it, plant links or emoji, retitle or clear the
terminal, hide text or overwrite a line. Machine formats keep the text exactly.
"""

import csv
import io
import json
import os
import pty
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from notes_cli.app import app
from notes_cli.output import Format, print_hits, print_notes
from notes_core.models import Note
from notes_core.repository import SearchHit

NOTES = str(Path(sys.executable).parent / "notes")

MARKUP_TAGS = [":warning:", "[/bold]", "[link=https://evil.example]x"]  # as stored: sorted
MARKUP_TEXT = (
    "[bold]loud[/bold] [link=https://evil.example]click[/link] :warning: [/] "
    "555 0100 3.14 True None 'quoted' https://plain.example/?q=1"  # Rich would colour these
)

# A terminal title, a screen clear, a colour, concealed text, a carriage return that
# overwrites the line, a C1 CSI, DEL and a right-to-left override (Trojan Source).
HOSTILE = (
    "\x1b]0;pwned\x07 wipe\x1b[2J \x1b[31mred \x1b[8mhid\rover \x9b2J\x7f \u202eevil\u202c friday"
)
SHOWN = (
    "\\x1b]0;pwned\\x07 wipe\\x1b[2J \\x1b[31mred \\x1b[8mhid\\rover \\x9b2J\\x7f "
    "\\u202eevil\\u202c friday"
)
# What every snippet of it holds (PostgreSQL's snippet starts a few words in).
SNIPPET_SHOWN = "hid\\rover \\x9b2J\\x7f \\u202eevil\\u202c friday"
RAW = ["\x1b", "\x07", "\r", "\x9b", "\x7f", "\u202e", "\u202c"]

SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own styling, when colour is forced


def invoke(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is the bug this file guards against
    return result


def ok(runner: CliRunner, *args: str) -> str:
    result = invoke(runner, *args)
    assert (result.exit_code, result.stderr) == (0, ""), result.stderr
    return result.stdout


@pytest.fixture
def coloured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich renders as for a colour terminal 300 columns wide (links and styles on)."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "300")


@pytest.fixture
def colourless(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich emits no escape sequence of its own, so any ESC in the output came from a note."""
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "300")


@pytest.fixture
def markup(runner: CliRunner, notes_db: str) -> str:
    args = [arg for tag in MARKUP_TAGS for arg in ("--tag", tag)]
    assert ok(runner, "add", MARKUP_TEXT, *args) == "1\n"
    return notes_db


@pytest.fixture
def hostile(runner: CliRunner, notes_db: str) -> str:
    assert ok(runner, "add", HOSTILE + "\nsecond line \x1b[2J") == "1\n"
    return notes_db


def assert_no_markup_interpreted(out: str, shown: str) -> None:
    assert "\x1b]8;" not in out  # no hyperlink
    assert "\u26a0" not in out  # no emoji
    text = SGR.sub("", out)
    for tag in MARKUP_TAGS:
        assert tag in text
    # Not one style inside `shown`: no highlighting of numbers or brackets either.
    assert shown in out


def assert_nothing_raw(out: str) -> None:
    leaked = [char for char in RAW if char in out]
    assert leaked == [], f"raw control characters reached the terminal: {leaked!r}"


@pytest.mark.usefixtures("coloured")
def test_table_shows_markup_in_tags_and_text_as_typed(runner: CliRunner, markup: str) -> None:
    assert_no_markup_interpreted(ok(runner, "list", "--format", "table"), MARKUP_TEXT)


@pytest.mark.usefixtures("coloured")
def test_search_table_shows_markup_in_tags_and_snippet_as_typed(
    runner: CliRunner, markup: str
) -> None:
    out = ok(runner, "search", "loud", "--format", "table")
    assert_no_markup_interpreted(out, "[/bold] [link=https://evil.example]click[/link] :warning")
    assert "\x1b[1;33mloud\x1b[0m[/bold] " in out  # only the matched word is styled


def test_plain_shows_markup_as_typed(runner: CliRunner, markup: str) -> None:
    (row,) = [line.split("\t") for line in ok(runner, "list", "--format", "plain").splitlines()]
    assert row[2:] == [",".join(MARKUP_TAGS), MARKUP_TEXT]


@pytest.mark.usefixtures("colourless")
def test_table_shows_control_characters_escaped(runner: CliRunner, hostile: str) -> None:
    out = ok(runner, "list", "--format", "table")
    assert_nothing_raw(out)
    assert SHOWN in out
    assert "second line" not in out  # the table shows the first line only


def test_plain_shows_control_characters_escaped(runner: CliRunner, hostile: str) -> None:
    out = ok(runner, "list", "--format", "plain")
    assert_nothing_raw(out)
    (row,) = [line.split("\t") for line in out.splitlines()]
    assert row[3] == SHOWN


def test_search_plain_shows_the_snippet_escaped(runner: CliRunner, hostile: str) -> None:
    out = ok(runner, "search", "friday", "--format", "plain")
    assert_nothing_raw(out)
    (row,) = [line.split("\t") for line in out.splitlines()]
    assert row[3] == SHOWN
    # The snippet is on one line: the note's line break becomes a space.
    assert SNIPPET_SHOWN + " second line \\x1b[2J" in row[4]
    assert row[4].strip("…") in SHOWN + " second line \\x1b[2J"


@pytest.mark.usefixtures("colourless")
def test_search_table_shows_the_snippet_escaped(runner: CliRunner, hostile: str) -> None:
    out = ok(runner, "search", "friday", "--format", "table")
    assert_nothing_raw(out)
    assert SNIPPET_SHOWN in out


@pytest.mark.usefixtures("coloured")
@pytest.mark.parametrize("word", ["friday", "over", "evil"])
def test_search_table_highlights_the_matched_word_after_escapes(
    runner: CliRunner, hostile: str, word: str
) -> None:
    # Every escape before the word lengthens the line: the highlight must move with it.
    out = ok(runner, "search", word, "--format", "table")
    assert f"\x1b[1;33m{word}\x1b[0m" in out
    for sequence in ("\x1b]0;", "\x1b[2J", "\x1b[31m", "\x1b[8m", "\r", "\x07", "\x9b"):
        assert sequence not in out
    assert SNIPPET_SHOWN in SGR.sub("", out)


@pytest.mark.usefixtures("coloured")
def test_table_marks_escapes_apart_from_a_typed_backslash(runner: CliRunner, notes_db: str) -> None:
    assert ok(runner, "add", "typed \\x1b real \x1b end") == "1\n"
    out = ok(runner, "list", "--format", "table")
    # What the user typed stays plain; the escape of a real ESC is in reverse video.
    assert "typed \\x1b real \x1b[7m\\x1b\x1b[0m end" in out


def test_show_json_jsonl_and_csv_keep_the_exact_text(runner: CliRunner, hostile: str) -> None:
    text = HOSTILE + "\nsecond line \x1b[2J"
    assert invoke(runner, "show", "1").stdout_bytes == (text + "\n").encode()
    assert json.loads(ok(runner, "show", "1", "--format", "json"))["text"] == text
    assert json.loads(ok(runner, "list", "--format", "json"))[0]["text"] == text
    assert json.loads(ok(runner, "list", "--format", "jsonl"))["text"] == text
    csv_out = invoke(runner, "list", "--format", "csv").stdout_bytes.decode()
    assert list(csv.reader(io.StringIO(csv_out, newline="")))[1][4] == text
    (hit,) = json.loads(ok(runner, "search", "friday", "--format", "json"))
    assert hit["text"] == text
    assert "\rover \x9b2J\x7f \u202eevil\u202c" in hit["snippet"]
    assert hit["snippet"].strip("…") in text
    csv_hits = invoke(runner, "search", "friday", "--format", "csv").stdout_bytes.decode()
    assert list(csv.reader(io.StringIO(csv_hits, newline="")))[1][4] == text


def old_note(tags: list[str]) -> Note:
    """A note as a store written before tags were checked for control characters holds it."""
    moment = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    return Note(id=7, text="x", tags=tags, created_at=moment, updated_at=moment)


@pytest.mark.usefixtures("colourless")
@pytest.mark.parametrize("fmt", [Format.plain, Format.table])
def test_tags_with_control_characters_are_shown_escaped(
    capsys: pytest.CaptureFixture[str], fmt: Format
) -> None:
    note = old_note(["\x1b[2Jwipe", "a\u202eb", "bell\x07"])
    print_notes([note], fmt)
    print_hits([SearchHit(note, "x", [(0, 1)])], fmt)
    out = capsys.readouterr().out
    assert_nothing_raw(out)
    separator = "," if fmt is Format.plain else ", "
    assert out.count(separator.join(["\\x1b[2Jwipe", "a\\u202eb", "bell\\x07"])) == 2


def test_an_error_repeating_control_characters_stays_one_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    # A path is user input that error messages repeat verbatim.
    folder = tmp_path / "evil\x1b]0;pwned\x07\nsecond\rline"
    folder.mkdir()
    result = invoke(runner, "--db", str(folder), "list")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.startswith("Error: ") and result.stderr.endswith("\n")
    assert result.stderr.count("\n") == 1
    assert_nothing_raw(result.stderr)
    assert "evil\\x1b]0;pwned\\x07\\nsecond\\rline" in result.stderr


def read_terminal(*args: str) -> str:
    """Run `notes` with stdout on a pseudo-terminal, as typed in a shell, and read its screen."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "COLUMNS": "300", "TERM": "xterm-256color"}
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    process = subprocess.Popen(
        [NOTES, *args], stdout=terminal, stderr=terminal, stdin=subprocess.DEVNULL, env=env
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == 0, b"".join(chunks)
    # The terminal turns each newline into CR LF; any other CR came from a note.
    return b"".join(chunks).decode().replace("\r\n", "\n")


def test_list_on_a_real_terminal_is_safe(runner: CliRunner, notes_db: str) -> None:
    args = [arg for tag in MARKUP_TAGS for arg in ("--tag", tag)]
    assert ok(runner, "add", MARKUP_TEXT, *args) == "1\n"
    assert ok(runner, "add", HOSTILE) == "2\n"
    screen = read_terminal("list")  # no --format: the default on a terminal is the table
    assert "Traceback" not in screen
    assert "\x1b]8;" not in screen and "\u26a0" not in screen
    for sequence in ("\x1b]0;", "\x1b[2J", "\x1b[31m", "\x1b[8m", "\r", "\x07", "\x9b"):
        assert sequence not in screen
    text = SGR.sub("", screen)
    assert SHOWN in text and MARKUP_TEXT in text
    assert all(tag in text for tag in MARKUP_TAGS)


def test_windows_line_ends_are_line_breaks_not_escapes(runner: CliRunner, notes_db: str) -> None:
    assert ok(runner, "add", "first line\r\nsecond line\r\nthird") == "1\n"
    (row,) = [line.split("\t") for line in ok(runner, "list", "-f", "plain").splitlines()]
    assert row[3] == "first line"
    (hit,) = [
        line.split("\t") for line in ok(runner, "search", "second", "-f", "plain").splitlines()
    ]
    assert hit[4] == "first line second line third"
