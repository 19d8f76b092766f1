"""Hostile inputs found by the review of issue 10: JSON nested thousands deep, a named pipe
in a vault, dates at the ends of the calendar in tables, a backup path that is a folder, a
foreign vault's `trashed: true`, and dates whose numbers are out of range. Each ends in
one `Error:` line (or a sensible result), never a traceback or a hang."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core.dates import has_iso_form, parse_moment, parse_timestamp
from notes_core.errors import BackupExists, InvalidImport, InvalidInput
from notes_core.library import Notes
from notes_core.models import Note
from notes_core.transfer.markdown import parse_markdown_document
from notes_core.transfer.readers import detect_format, read_markdown

NOTES = str(Path(sys.executable).parent / "notes")
DEEP = 100_000  # levels: far past any recursion limit
NEARLY_DEEP = 10_000  # a first line short enough for detect_format to parse whole
OLDEST = "0001-01-01T00:00:00+00:00"
NEWEST = "9999-12-31T23:59:59.999999+00:00"


def cli(runner: CliRunner, *args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback the user would see: fail loudly
    return result.exit_code, result.stdout, result.stderr


def everything(target: str) -> list[Note]:
    with Notes.open(target) as notes:
        return list(notes.export(trash=True))


@pytest.fixture
def seeded(notes_db: str) -> str:
    with Notes.open(notes_db) as notes:
        notes.add("already here", tags=["kept"])
    return notes_db


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the process's local zone (TZ + tzset) for one test, then restores it."""

    def use(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


# --- 1. JSON nested deeper than the decoder recurses ------------------------------------

GOOD = b'{"text": "fine"}'

NESTED = [
    pytest.param(
        "deep.json", nested(DEEP), (), "entry 1: the JSON is nested too deeply", id="array-auto"
    ),
    pytest.param(
        "deep.json",
        b"[" + GOOD + b", " + nested(DEEP) + b"]",
        ("-f", "json"),
        "entry 2: the JSON is nested too deeply",
        id="json-entry",
    ),
    pytest.param(
        "deep.jsonl",
        GOOD + b'\n{"text": ' + nested(DEEP) + b"}\n",
        (),
        "line 2: the JSON is nested too deeply",
        id="jsonl-auto-long-line",
    ),
    pytest.param(
        "deep.jsonl",
        b'{"text": ' + nested(NEARLY_DEEP) + b"}\n",
        (),
        "line 1: the JSON is nested too deeply",
        id="jsonl-auto-detected",  # the first line is read whole to detect the format
    ),
    pytest.param(
        "deep.jsonl",
        GOOD + b'\n{"text": ' + nested(DEEP) + b"}\n",
        ("-f", "jsonl"),
        "line 2: the JSON is nested too deeply",
        id="jsonl",
    ),
    pytest.param(
        "deep.json",
        b'{"tags": {}, "entries": [' + nested(NEARLY_DEEP) + b"]}",
        (),
        "entry 1: the JSON is nested too deeply",
        id="jrnl-auto",
    ),
    pytest.param(
        "deep.json",
        b'{"entries": [{"title": "t", "date": "2024-01-01"}, ' + nested(DEEP) + b"]}",
        ("-f", "jrnl"),
        "entry 2: the JSON is nested too deeply",
        id="jrnl-entry",
    ),
    pytest.param(
        "deep.json",
        b'{"tags": ' + nested(DEEP) + b', "entries": []}',
        ("-f", "jrnl"),
        "not a jrnl export: the JSON is nested too deeply",
        id="jrnl-tags",
    ),
]


@pytest.mark.parametrize(("name", "data", "options", "message"), NESTED)
def test_deeply_nested_json_is_one_error_line_and_nothing_is_imported(
    runner: CliRunner,
    seeded: str,
    tmp_path: Path,
    name: str,
    data: bytes,
    options: tuple[str, ...],
    message: str,
) -> None:
    before = everything(seeded)
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = cli(runner, "import", str(path), *options)
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: {message}") and err.count("\n") == 1, err
    assert everything(seeded) == before


def test_deeply_nested_json_on_stdin(runner: CliRunner, seeded: str) -> None:
    before = everything(seeded)
    code, out, err = cli(runner, "import", "-", input=b'{"text": ' + nested(NEARLY_DEEP) + b"}")
    assert (code, out, err) == (1, "", "Error: line 1: the JSON is nested too deeply to read\n")
    assert everything(seeded) == before


def test_detect_format_survives_a_deeply_nested_first_line() -> None:
    assert detect_format(None, b'{"text": ' + nested(NEARLY_DEEP) + b"}\n") == "jsonl"
    assert detect_format(None, b'{"entries": ' + nested(NEARLY_DEEP) + b"}\n") == "jrnl"


# --- 2. named pipes, sockets and devices in a folder ------------------------------------


def test_a_named_pipe_in_a_folder_is_skipped_not_waited_on(notes_db: str, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    (vault / "sub").mkdir(parents=True)
    (vault / "a.md").write_text("a real note")
    os.mkfifo(vault / "pipe.md")
    os.mkfifo(vault / "sub" / "pipe.md")
    os.symlink(vault / "pipe.md", vault / "link.md")  # a symlink to a pipe is one too
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(vault / "s.md"))
        result = subprocess.run(
            [NOTES, "import", str(vault)], capture_output=True, text=True, timeout=60
        )
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr == "imported 1, skipped 0\n"
    assert [note.text for note in everything(notes_db)] == ["a real note"]


def test_a_folder_of_named_pipes_alone_has_no_notes(notes_db: str, tmp_path: Path) -> None:
    vault = tmp_path / "v"
    vault.mkdir()
    os.mkfifo(vault / "pipe.md")
    result = subprocess.run(
        [NOTES, "import", str(vault)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {vault}: no .md files in this folder or below")
    assert everything(notes_db) == []


def test_a_file_that_became_a_pipe_is_refused_not_waited_on(tmp_path: Path) -> None:
    """The reader itself never blocks on a pipe (one may replace a file after the walk)."""
    pipe = tmp_path / "pipe.md"
    os.mkfifo(pipe)
    done = threading.Event()

    def writer() -> None:
        # Should the reader wait for a writer, one comes and goes: it reads an empty
        # note instead of hanging the test run.
        while not done.is_set():
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
            except OSError:  # no reader yet
                time.sleep(0.01)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with pytest.raises(InvalidImport, match=r"pipe\.md: not a regular file"):
            list(read_markdown(pipe))
    finally:
        done.set()
        thread.join()


# --- 3. tables of notes dated at the ends of the calendar --------------------------------


def extreme_notes(runner: CliRunner, folder: Path) -> None:
    """Imports notes 1-2 (years 1 and 9999) and 3-4 (in the trash then), then edits 1-2,
    so their first versions are dated so."""
    lines = [
        f'{{"text": "oldest", "created_at": "{OLDEST}"}}',
        f'{{"text": "newest", "created_at": "{NEWEST}"}}',
        f'{{"text": "trashed oldest", "created_at": "{OLDEST}", "trashed_at": "{OLDEST}"}}',
        f'{{"text": "trashed newest", "created_at": "{NEWEST}", "trashed_at": "{NEWEST}"}}',
    ]
    path = folder / "extremes.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert cli(runner, "import", str(path)) == (0, "", "imported 4, skipped 0\n")
    assert cli(runner, "edit", "1", "oldest, edited")[0] == 0
    assert cli(runner, "edit", "2", "newest, edited")[0] == 0


@pytest.mark.parametrize(
    ("zone", "local", "in_utc"),
    [
        ("Asia/Tokyo", "0001-01-01 09:18", "9999-12-31 23:59 UTC"),  # Tokyo's LMT: +9:18:59
        ("America/New_York", "9999-12-31 18:59", "0001-01-01 00:00 UTC"),
    ],
)
def test_tables_show_utc_where_local_time_leaves_the_calendar(
    runner: CliRunner,
    notes_db: str,
    tmp_path: Path,
    local_zone: Callable[[str], None],
    zone: str,
    local: str,
    in_utc: str,
) -> None:
    extreme_notes(runner, tmp_path)
    local_zone(zone)
    code, listed, err = cli(runner, "list", "--format", "table")
    assert (code, err) == (0, "")
    assert local in listed and in_utc in listed, listed
    code, trashed, err = cli(runner, "trash", "--format", "table")
    assert (code, err) == (0, "")
    assert local in trashed and in_utc in trashed, trashed
    histories = ""
    for note_id in ("1", "2"):
        code, history, err = cli(runner, "history", note_id, "--format", "table")
        assert (code, err) == (0, "")
        histories += history
    assert local in histories and in_utc in histories, histories


def test_the_year_1_has_four_digits_in_a_table(
    runner: CliRunner, notes_db: str, tmp_path: Path, local_zone: Callable[[str], None]
) -> None:
    extreme_notes(runner, tmp_path)
    local_zone("UTC")
    code, listed, _ = cli(runner, "list", "--format", "table")
    assert code == 0 and "0001-01-01 00:00" in listed and " 1-01-01" not in listed


# --- 4. a backup path that is a folder ----------------------------------------------------


def test_backup_into_an_existing_folder_asks_for_a_file_name(
    runner: CliRunner, sqlite_path: Path, tmp_path: Path
) -> None:
    assert cli(runner, "add", "a note")[0] == 0
    folder = tmp_path / "backups"
    folder.mkdir()
    for given in (str(folder), f"{folder}/"):
        code, out, err = cli(runner, "backup", given)
        assert (code, out) == (1, "")
        assert err == (
            f"Error: {folder} is a folder; give a file name, such as {folder}/notes.db\n"
        )
    assert list(folder.iterdir()) == []


def test_backup_to_a_path_ending_in_a_slash_writes_nothing(
    sqlite_path: Path, tmp_path: Path
) -> None:
    with Notes.open(str(sqlite_path)) as notes:
        notes.add("a note")
        with pytest.raises(BackupExists, match="is a folder"):
            notes.backup(tmp_path)
        with pytest.raises(InvalidInput) as caught:
            notes.backup(f"{tmp_path}/newdir/")
    assert str(caught.value) == (
        f"{tmp_path}/newdir/ ends with '/', as a folder does: give the backup a file name, "
        f"such as {tmp_path}/newdir/notes.db"
    )
    assert not (tmp_path / "newdir").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "store"]


# --- 5. a foreign vault's `trashed` --------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "yes", "false", "1", '"soon"', "[a]", "{when: now}"])
def test_a_trashed_value_that_is_no_date_is_ignored(value: str) -> None:
    document = f"---\ntrashed: {value}\ncreated: 2024-03-01T10:00:00Z\n---\nbody".encode()
    record = parse_markdown_document(document, "a.md", None)
    assert record.trashed_at is None and record.text == "body"


def test_a_trashed_date_out_of_range_is_still_an_error() -> None:
    with pytest.raises(InvalidImport, match=r"a\.md: trashed .2024-13-01. is out of range"):
        parse_markdown_document(b"---\ntrashed: '2024-13-01'\n---\nbody", "a.md", None)


def test_a_foreign_vault_with_trashed_true_is_imported_live(
    runner: CliRunner, notes_db: str, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "a.md").write_text("---\ntrashed: true\ntags: [x]\n---\nstill wanted\n")
    (vault / "b.md").write_text("---\ntrashed: 2024-03-01T10:00:00Z\n---\nours, trashed\n")
    assert cli(runner, "import", str(vault)) == (0, "", "imported 2, skipped 0\n")
    live, trashed = everything(notes_db)
    assert (live.text, live.tags, live.trashed_at) == ("still wanted\n", ["x"], None)
    assert trashed.text == "ours, trashed\n" and trashed.trashed_at is not None


# --- 6. dates written right whose numbers are out of range ----------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "0000-01-01",
        "2024-13-01",
        "10000-01-01",
        "2024-02-30",
        "2024-01-01T25:00",
        "9999-12-31T23:59:59-05:00",  # beyond the year 9999 once in UTC
    ],
)
def test_record_dates_out_of_range_say_so(value: str) -> None:
    with pytest.raises(InvalidImport) as caught:
        parse_timestamp(value, "line 4", "created_at")
    assert str(caught.value).startswith(f"line 4: created_at '{value}' is out of range")


@pytest.mark.parametrize("value", ["yesterday", "2024/01/01", "2024-01-01 garbage", "10000"])
def test_record_dates_that_are_no_date_say_so(value: str) -> None:
    with pytest.raises(InvalidImport) as caught:
        parse_timestamp(value, "line 4", "created_at")
    assert f"'{value}' is not an ISO 8601 date" in str(caught.value)


@pytest.mark.parametrize("value", ["2026-13-01", "0000-01-01", "2026-11-25T25:00", "999999999w"])
def test_since_out_of_range_says_so(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_moment(value)
    assert str(caught.value).startswith(f"'{value}' is out of range: use an ISO date")


def test_has_iso_form_looks_at_the_form_alone() -> None:
    assert all(map(has_iso_form, ["2024-13-45", "10000-01-01T25:00", "20241301", "2024-W60"]))
    assert not any(map(has_iso_form, ["soon", "2024/01/01", "7d", "", "٣٣٣٣-01-01"]))


def test_import_of_a_date_out_of_range_names_the_line(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    before = everything(seeded)
    path = tmp_path / "dates.jsonl"
    path.write_text('{"text": "ok"}\n{"text": "x", "created_at": "10000-01-01"}\n')
    code, out, err = cli(runner, "import", str(path))
    assert (code, out) == (1, "")
    assert err.startswith("Error: line 2: created_at '10000-01-01' is out of range")
    assert err.count("\n") == 1
    assert everything(seeded) == before


def test_cli_backup_to_a_path_ending_in_a_slash_writes_nothing(
    runner: CliRunner, sqlite_path: Path, tmp_path: Path
) -> None:
    assert cli(runner, "add", "a note")[0] == 0
    code, out, err = cli(runner, "backup", f"{tmp_path}/newdir/")
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: {tmp_path}/newdir/ ends with '/', as a folder does")
    assert not (tmp_path / "newdir").exists()
