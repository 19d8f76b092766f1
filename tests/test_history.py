"""Every change of a note keeps the version before it: `notes history`, `show --rev` and
`revert` on both engines, and the library calls behind them."""

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core import Notes
from notes_core.errors import InvalidInput, InvalidNote, NoteInTrash, RevisionNotFound

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"
# The versions of note 1 that the `edited` fixture makes, oldest first.
VERSIONS = [
    ("draft\nsecond line", ["work"]),
    ("final text\n", ["work"]),  # the text changed
    ("final text\n", ["urgent", "work"]),  # a tag added: a version too
    ("final text\n", ["urgent"]),  # a tag removed
]


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


def history(runner: CliRunner, note_id: int = 1) -> list[dict[str, Any]]:
    out = ok(runner, "history", str(note_id), "--format", "jsonl")
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def edited(runner: CliRunner, notes_db: str) -> str:
    """Note 1 with the four VERSIONS; note 2 never edited."""
    ok(runner, "add", "draft\nsecond line", "--tag", "work")
    ok(runner, "add", "untouched")
    ok(runner, "edit", "1", "final text\n")
    ok(runner, "edit", "1", "--tag", "urgent")
    ok(runner, "edit", "1", "--untag", "work")
    ok(runner, "edit", "1", "--tag", "URGENT")  # no change: no version
    return notes_db


def test_history_lists_every_version_oldest_first_the_current_last(
    runner: CliRunner, edited: str
) -> None:
    versions = history(runner)
    assert [(v["text"], v["tags"]) for v in versions] == VERSIONS
    assert [v["revision"] for v in versions] == [1, 2, 3, 4]
    assert [v["current"] for v in versions] == [False, False, False, True]
    assert {v["note_id"] for v in versions} == {1}
    dates = [str(v["updated_at"]) for v in versions]
    assert dates == sorted(dates) and all(re.fullmatch(TIMESTAMP, d) for d in dates)
    note = json.loads(ok(runner, "show", "1", "--format", "json"))
    assert dates[-1] == note["updated_at"]
    assert dates[0] == note["created_at"]  # the first version was made when the note was

    untouched = json.loads(ok(runner, "show", "2", "--format", "json"))
    assert history(runner, 2) == [
        {
            "note_id": 2,
            "revision": 1,
            "text": "untouched",
            "tags": [],
            "updated_at": untouched["updated_at"],
            "current": True,
        }
    ]


def test_history_formats(runner: CliRunner, edited: str, monkeypatch: pytest.MonkeyPatch) -> None:
    versions = history(runner)
    # plain (the default in a pipe): rev, updated_at, tags, first line.
    assert [line.split("\t") for line in ok(runner, "history", "1").splitlines()] == [
        ["1", versions[0]["updated_at"], "work", "draft"],
        ["2", versions[1]["updated_at"], "work", "final text"],
        ["3", versions[2]["updated_at"], "urgent,work", "final text"],
        ["4", versions[3]["updated_at"], "urgent", "final text"],
    ]
    assert json.loads(ok(runner, "history", "1", "--json")) == versions
    assert json.loads(ok(runner, "history", "1", "-f", "json")) == versions
    rows = list(csv.reader(io.StringIO(ok(runner, "history", "1", "--format", "csv"), newline="")))
    assert rows[0] == ["revision", "updated_at", "current", "tags", "text"]
    assert rows[1] == ["1", versions[0]["updated_at"], "false", "work", "draft\nsecond line"]
    assert rows[4] == ["4", versions[3]["updated_at"], "true", "urgent", "final text\n"]

    monkeypatch.setenv("COLUMNS", "120")
    table = ok(runner, "history", "1", "--format", "table").splitlines()
    assert table[0].split() == ["rev", "date", "tags", "text"]
    assert [line.split()[0] for line in table[1:]] == ["1", "2", "3", "*"]
    assert table[4].split()[1:3] == ["4", re.findall(r"\d{4}-\d\d-\d\d", table[4])[0]]
    assert "urgent, work" in table[3] and "second line" not in "".join(table)


def test_show_rev_prints_each_version_exactly(runner: CliRunner, edited: str) -> None:
    for number, (text, tags) in enumerate(VERSIONS, start=1):
        shown = ok(runner, "show", "1", "--rev", str(number))
        assert shown == (text if text.endswith("\n") else text + "\n")
        document = json.loads(ok(runner, "show", "1", "-r", str(number), "--format", "json"))
        assert (document["revision"], document["text"], document["tags"]) == (number, text, tags)
        assert document["current"] is (number == len(VERSIONS))
    assert ok(runner, "show", "1", "--rev", "4") == ok(runner, "show", "1")


def test_revert_makes_an_old_version_current_as_a_new_one(runner: CliRunner, edited: str) -> None:
    before = history(runner)
    assert notes(runner, "revert", "1", "1") == (0, "", "")
    after = history(runner)
    # History is never rewritten: the old versions stay as they were, one is added.
    assert [{**v, "current": False} for v in before] == after[:4]
    assert len(after) == 5 and after[4]["current"] is True
    assert (after[4]["text"], after[4]["tags"]) == VERSIONS[0]
    assert str(after[4]["updated_at"]) > str(before[3]["updated_at"])
    assert ok(runner, "show", "1") == "draft\nsecond line\n"
    note = json.loads(ok(runner, "show", "1", "--format", "json"))
    assert (note["tags"], note["updated_at"]) == (["work"], after[4]["updated_at"])
    # And back again: the reverted-from version is still there to return to.
    ok(runner, "revert", "1", "4")
    assert (history(runner)[5]["text"], history(runner)[5]["tags"]) == VERSIONS[3]
    assert ok(runner, "search", "draft", "-f", "ids") == ""


def test_revert_to_the_current_version_changes_nothing(runner: CliRunner, edited: str) -> None:
    before = history(runner)
    assert notes(runner, "revert", "1", "4") == (0, "", "")
    assert history(runner) == before
    ok(runner, "revert", "1", "3")  # same text, other tags: a new version
    assert len(history(runner)) == 5


NO_VERSION_5 = "note 1 has no version 5; it has versions 1 to 4 (see: notes history 1)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "1", "--rev", "5"], NO_VERSION_5),
        (["revert", "1", "5"], NO_VERSION_5),
        (
            ["show", "2", "--rev", "2"],
            "note 2 has no version 2; it has versions 1 to 1 (see: notes history 2)",
        ),
        (
            ["revert", "1", "999999999999999999"],
            "note 1 has no version 999999999999999999; it has versions 1 to 4 "
            "(see: notes history 1)",
        ),
        (["revert", "1", "0"], "'0' is not a version number (versions are numbered from 1)"),
        (["show", "1", "--rev", "0"], "'0' is not a version number (versions are numbered from 1)"),
        (
            ["show", "1", "--rev", "abc"],
            "'abc' is not a version number (versions are numbered from 1)",
        ),
        (
            ["revert", "1", "--", "-1"],
            "'-1' is not a version number (versions are numbered from 1)",
        ),
        (
            ["revert", "1", "9" * 19],
            f"'{'9' * 19}' is not a version number (versions are numbered from 1)",
        ),
        (["history", "9"], "no note with id 9"),
        (["show", "9", "--rev", "1"], "no note with id 9"),
        (["revert", "9", "1"], "no note with id 9"),
        (["history", "x"], "'x' is not a note id (ids are whole numbers from 1)"),
    ],
)
def test_bad_versions_are_one_error_line_and_change_nothing(
    runner: CliRunner, edited: str, args: list[str], message: str
) -> None:
    before = history(runner)
    assert notes(runner, *args) == (1, "", f"Error: {message}\n")
    assert history(runner) == before


def test_control_characters_are_escaped_for_people_and_exact_for_machines(
    runner: CliRunner, notes_db: str
) -> None:
    hostile = "\x1b]0;pwned\x07 title\r\nnext"
    ok(runner, "add", hostile, "--tag", "t")
    ok(runner, "edit", "1", "calm")
    plain = ok(runner, "history", "1").splitlines()[0].split("\t")
    assert plain[3] == "\\x1b]0;pwned\\x07 title"
    table = ok(runner, "history", "1", "-f", "table")
    assert "\x1b" not in table and "\\x1b]0;pwned\\x07 title" in table
    assert history(runner)[0]["text"] == hostile
    assert (
        list(csv.reader(io.StringIO(ok(runner, "history", "1", "-f", "csv"), newline="")))[1][4]
        == hostile
    )
    assert ok(runner, "show", "1", "--rev", "1") == hostile + "\n"


# --- the library ---------------------------------------------------------------------


@pytest.fixture
def library(db_target: str) -> Iterator[Notes]:
    with Notes.open(db_target) as opened:
        yield opened


def test_a_change_and_its_version_are_one_transaction(library: Notes) -> None:
    note = library.add("v1", tags=["a"])
    with pytest.raises(InvalidNote), library.transaction(write=True) as tx:
        tx.update(note.id, text="v2")
        tx.add(" ")  # breaks a rule: the update and the version it kept roll back
    assert [(v.revision, v.text) for v in library.history(note.id)] == [(1, "v1")]
    with library.transaction(write=True) as tx:
        tx.update(note.id, text="v2")
        tx.update(note.id, tags=["b"])
    versions = library.history(note.id)
    assert [(v.text, v.tags, v.current) for v in versions] == [
        ("v1", ["a"], False),
        ("v2", ["a"], False),
        ("v2", ["b"], True),
    ]
    assert library.revision(note.id, 2) == versions[1]


def test_revert_and_revision_refuse_what_is_not_there(library: Notes) -> None:
    note = library.add("only")
    with pytest.raises(RevisionNotFound, match="has versions 1 to 1"):
        library.revision(note.id, 2)
    with pytest.raises(InvalidInput):
        library.revert(note.id, 0)
    assert library.revert(note.id, 1) == library.get(note.id)
    library.trash([note.id])
    with pytest.raises(NoteInTrash):
        library.history(note.id)
    with pytest.raises(NoteInTrash):
        library.revert(note.id, 1)


def test_history_with_a_preview_cuts_earlier_texts_by_characters(notes_db: str) -> None:
    with Notes.open(notes_db) as store:
        store.add("é" * 10 + " then more")
        store.update(1, text="current text, whole")
        versions = store.history(1, preview=5)
    assert [(v.text, v.current) for v in versions] == [
        ("ééééé", False),  # characters, not bytes, on both engines
        ("current text, whole", True),
    ]
