"""`notes rm`, `trash`, `restore` and `purge` as people and scripts use them, on both
engines; the store is read back through the library after every command."""

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core import Notes
from notes_core.models import note_revisions
from notes_core.schemas import RevisionPublic, note_public
from tests.serving import NOTES

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"


def notes(runner: CliRunner, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug, not a user error: fail loudly
    # The bytes: Result.stdout turns CRLF into LF, and a note's CR must reach scripts.
    return result.exit_code, result.stdout_bytes.decode(), result.stderr


def ok(runner: CliRunner, *args: str, input: str | None = None) -> str:
    code, out, err = notes(runner, *args, input=input)
    assert (code, err) == (0, ""), err
    return out


def everything(target: str) -> list[str]:
    """Every note (live or trashed, as JSON) and every version of the live ones: what a
    refused command must leave exactly as it was."""
    with Notes.open(target) as store:
        dump = [note_public(note).model_dump_json() for note in store.export(trash=True)]
        for note in list(store.iterate()):
            dump += [RevisionPublic.of(v).model_dump_json() for v in store.history(note.id)]
    return dump


def live_ids(target: str) -> list[int]:
    with Notes.open(target) as store:
        return [note.id for note in store.iterate()]


def kept_versions(target: str) -> int:
    """Rows of older versions in the store, whichever note they belong to."""
    with Notes.open(target) as store, store.store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(note_revisions)).scalar_one()


@pytest.fixture
def four(runner: CliRunner, notes_db: str) -> str:
    """Notes 1-4; note 1 edited twice (three versions); note 3 in the trash."""
    ok(runner, "add", "first note", "--tag", "work")
    ok(runner, "add", "second\nmore lines", "--tag", "home", "--tag", "work")
    ok(runner, "add", "third")
    ok(runner, "add", "fourth deploy", "--tag", "ops")
    ok(runner, "edit", "1", "first note, revised")
    ok(runner, "edit", "1", "--tag", "done")
    ok(runner, "rm", "3")
    return notes_db


def test_rm_then_restore_brings_back_the_identical_note(runner: CliRunner, four: str) -> None:
    before = json.loads(ok(runner, "show", "1", "--format", "json"))
    history_before = ok(runner, "history", "1", "--format", "jsonl")

    assert notes(runner, "rm", "1") == (0, "", "")
    assert live_ids(four) == [4, 2]
    (trashed,) = [n for n in json.loads(ok(runner, "trash", "--json")) if n["id"] == 1]
    assert {k: v for k, v in trashed.items() if k != "trashed_at"} == before
    assert re.fullmatch(TIMESTAMP, trashed["trashed_at"])

    assert notes(runner, "restore", "1") == (0, "", "")
    assert json.loads(ok(runner, "show", "1", "--format", "json")) == before
    assert ok(runner, "history", "1", "--format", "jsonl") == history_before
    assert live_ids(four) == [4, 2, 1]
    assert ok(runner, "trash", "--format", "ids") == "3\n"


def test_trashed_notes_are_in_no_listing_or_search_and_cannot_be_read_or_edited(
    runner: CliRunner, four: str
) -> None:
    ok(runner, "rm", "4")
    assert ok(runner, "list", "--format", "ids") == "2\n1\n"
    assert ok(runner, "search", "deploy", "--format", "ids") == ""
    assert ok(runner, "list", "--tag", "ops", "--format", "ids") == ""
    in_trash = "Error: note 4 is in the trash (bring it back with: notes restore 4)\n"
    before = everything(four)
    for args in (
        ["show", "4"],
        ["show", "4", "--format", "json"],
        ["show", "4", "--rev", "1"],
        ["edit", "4", "changed"],
        ["edit", "4", "--tag", "x"],
        ["history", "4"],
        ["revert", "4", "1"],
    ):
        assert notes(runner, *args) == (1, "", in_trash), args
    assert everything(four) == before
    ok(runner, "restore", "4")
    assert ok(runner, "search", "deploy", "--format", "ids") == "4\n"


def test_the_trash_lists_the_most_recently_trashed_first(runner: CliRunner, four: str) -> None:
    ok(runner, "rm", "1")
    ok(runner, "rm", "2", "4")  # one command: one moment; the higher id first
    assert ok(runner, "trash", "--format", "ids") == "4\n2\n1\n3\n"
    assert ok(runner, "trash", "--limit", "2", "-f", "ids") == "4\n2\n"
    assert ok(runner, "trash", "--tag", "WORK", "-f", "ids") == "2\n1\n"
    assert ok(runner, "trash", "--tag", "work", "--tag", "home", "-f", "ids") == "2\n"
    assert ok(runner, "list", "--format", "ids") == ""


def test_trash_formats_carry_when_each_note_was_trashed(runner: CliRunner, four: str) -> None:
    ok(runner, "rm", "2")
    # plain (the default in a pipe): id, trashed_at, tags, first line.
    rows = [line.split("\t") for line in ok(runner, "trash").splitlines()]
    assert [(row[0], row[2], row[3]) for row in rows] == [
        ("2", "home,work", "second"),
        ("3", "", "third"),
    ]
    array = json.loads(ok(runner, "trash", "--json"))
    assert [row[1] for row in rows] == [note["trashed_at"] for note in array]
    assert all(re.fullmatch(TIMESTAMP, row[1]) for row in rows)
    assert set(array[0]) == {
        "id",
        "text",
        "tags",
        "created_at",
        "updated_at",
        "pinned",
        "trashed_at",
    }
    assert array[0]["text"] == "second\nmore lines"
    lines = ok(runner, "trash", "--format", "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == array

    table = list(csv.reader(io.StringIO(ok(runner, "trash", "--format", "csv"))))
    assert table[0] == ["id", "created_at", "updated_at", "tags", "text", "trashed_at"]
    assert table[1] == [
        "2",
        array[0]["created_at"],
        array[0]["updated_at"],
        "home,work",
        "second\nmore lines",
        array[0]["trashed_at"],
    ]


def test_the_trash_table_is_for_people(
    runner: CliRunner, four: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    out = ok(runner, "trash", "--format", "table")
    header, row = out.splitlines()
    assert header.split() == ["id", "trashed", "tags", "text"]
    assert row.split()[0] == "3" and row.split()[-1] == "third"
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", row)
    ok(runner, "purge", "3")
    assert ok(runner, "trash", "--format", "table") == "The trash is empty.\n"
    assert ok(runner, "trash", "--json") == "[]\n"
    assert ok(runner, "trash") == ""


IN_TRASH_3 = "note 3 is"  # the start of the core's NoteInTrash message for note 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rm", "1", "9", "10"], "Error: no notes with id 9, 10; nothing was moved to the trash\n"),
        (["rm", "2", "3"], None),  # 3 is already in the trash: see below
        (["restore", "3", "1"], "Error: no note with id 1 in the trash; nothing was restored\n"),
        (["restore", "3", "9"], "Error: no note with id 9 in the trash; nothing was restored\n"),
        (
            ["restore", "3", "2", "1"],
            "Error: no notes with id 1, 2 in the trash; nothing was restored\n",
        ),
        (["purge", "3", "1"], "Error: no note with id 1 in the trash; nothing was purged\n"),
        (["purge", "9", "3"], "Error: no note with id 9 in the trash; nothing was purged\n"),
        (["restore", "3", "x"], "Error: 'x' is not a note id (ids are whole numbers from 1)\n"),
        (["purge", "3", "0"], "Error: '0' is not a note id (ids are whole numbers from 1)\n"),
    ],
)
def test_rm_restore_and_purge_are_all_or_nothing(
    runner: CliRunner, four: str, args: list[str], message: str | None
) -> None:
    before = everything(four)
    code, out, err = notes(runner, *args)
    assert (code, out) == (1, "")
    if message is None:
        assert err.startswith(f"Error: {IN_TRASH_3}") and err.count("\n") == 1
        assert "nothing was moved to the trash" in err and "notes restore 3" in err
    else:
        assert err == message
    assert everything(four) == before


def test_purge_deletes_notes_and_their_history_for_good(runner: CliRunner, four: str) -> None:
    assert kept_versions(four) == 2  # note 1's first two versions
    ok(runner, "rm", "1")
    assert notes(runner, "purge", "1") == (0, "", "")
    assert kept_versions(four) == 0
    assert notes(runner, "show", "1") == (1, "", "Error: no note with id 1\n")
    assert notes(runner, "restore", "1")[2] == (
        "Error: no note with id 1 in the trash; nothing was restored\n"
    )
    assert ok(runner, "trash", "--format", "ids") == "3\n"
    assert live_ids(four) == [4, 2]


def test_purge_all_empties_the_trash_and_says_how_many(runner: CliRunner, four: str) -> None:
    ok(runner, "rm", "2")
    assert notes(runner, "purge", "--all") == (0, "", "purged 2 notes\n")
    assert ok(runner, "trash", "--format", "ids") == ""
    assert live_ids(four) == [4, 1]
    assert notes(runner, "purge", "--all") == (0, "", "purged 0 notes\n")
    ok(runner, "rm", "4")
    assert notes(runner, "purge", "--all") == (0, "", "purged 1 note\n")
    assert live_ids(four) == [1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["purge"], "give the ids of the notes to purge, or --all to empty the trash"),
        (["purge", "3", "--all"], "give the ids of the notes to purge, or --all, not both"),
    ],
)
def test_purge_needs_ids_or_all_but_not_both(
    runner: CliRunner, four: str, args: list[str], message: str
) -> None:
    before = everything(four)
    code, out, err = notes(runner, *args)
    assert (code, out) == (2, "")
    assert err.count("Error:") == 1 and f"Error: {message}\n" in err
    assert everything(four) == before


def test_ids_are_never_reused_after_a_purge(runner: CliRunner, notes_db: str) -> None:
    for text in ("one", "two", "three"):
        ok(runner, "add", text)
    ok(runner, "rm", "2", "3")
    assert notes(runner, "purge", "--all") == (0, "", "purged 2 notes\n")
    assert ok(runner, "add", "four") == "4\n"
    ok(runner, "rm", "4")
    ok(runner, "purge", "4")
    assert ok(runner, "add", "five") == "5\n"
    assert live_ids(notes_db) == [5, 1]


def test_rm_help_says_how_to_undo(runner: CliRunner) -> None:
    from typer.main import get_command

    command = get_command(app).commands["rm"]  # type: ignore[attr-defined]
    assert command.help.startswith("Move notes to the trash (undo with notes restore)")


def run_notes(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed `notes` in its own process, stdin not a terminal."""
    return subprocess.run(
        [NOTES, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_an_edit_in_the_editor_survives_the_note_moving_to_the_trash(
    notes_db: str, tmp_path: Path
) -> None:
    """While the editor is open another process moves the note to the trash: nothing is
    written, the edited text is kept in a file, and the error says how to get it back."""
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"#!{sys.executable}\n"
        "import subprocess, sys\n"
        f"subprocess.run({[NOTES, 'rm', '1']!r}, check=True)\n"
        "with open(sys.argv[1], 'w', encoding='utf-8') as file:\n"
        "    file.write('my careful edit\\n')\n"
    )
    editor.chmod(0o755)
    assert run_notes(tmp_path, "add", "original").stdout == "1\n"
    result = run_notes(tmp_path, "edit", "1", env={"EDITOR": str(editor)})
    (kept,) = tmp_path.glob("notes-edit-1-*.md")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: note 1 is in the trash; it was moved there while the editor was open, so "
        f"your edit was not saved; it is in {kept} (bring it back with: notes restore 1)\n"
    )
    assert kept.read_text(encoding="utf-8") == "my careful edit"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    with Notes.open(notes_db) as store:
        store.restore([1])
        assert store.get(1).text == "original"
