"""`notes tags`, `notes tag rename` and `GET /api/v1/tags` (issue 11), on both engines;
the store is read back through the library after every command."""

import csv
import io
import json
import os
import pty
import re
import subprocess

import pytest
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core import Notes
from notes_core.schemas import RevisionPublic, note_public
from tests.serving import NOTES, Server, request


def notes(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug, not a user error: fail loudly
    return result.exit_code, result.stdout, result.stderr


def ok(runner: CliRunner, *args: str) -> str:
    code, out, err = notes(runner, *args)
    assert (code, err) == (0, ""), err
    return out


def counts(target: str) -> dict[str, int]:
    with Notes.open(target) as store:
        return {tag.name: tag.count for tag in store.tags()}


def everything(target: str) -> list[str]:
    """Every note (live or trashed) and every version of the live ones, as JSON."""
    with Notes.open(target) as store:
        dump = [note_public(note).model_dump_json() for note in store.export(trash=True)]
        for note in list(store.iterate()):
            dump += [RevisionPublic.of(v).model_dump_json() for v in store.history(note.id)]
    return dump


@pytest.fixture
def errands(runner: CliRunner, notes_db: str) -> str:
    """1 errands+home, 2 errands, 3 done, 4 home+done, 5 errands (in the trash)."""
    ok(runner, "add", "buy oat milk", "--tag", "Errands", "--tag", "home")
    ok(runner, "add", "post the letter", "--tag", "errands")
    ok(runner, "add", "file taxes", "--tag", "done")
    ok(runner, "add", "fix the tap", "--tag", "home", "--tag", "done")
    ok(runner, "add", "return the parcel", "--tag", "errands")
    ok(runner, "rm", "5")
    return notes_db


# --- notes tags ---------------------------------------------------------------------------


def test_tags_counts_live_notes_and_follows_every_change(runner: CliRunner, notes_db: str) -> None:
    assert ok(runner, "tags") == ""
    ok(runner, "add", "one", "--tag", "b", "--tag", "A")
    ok(runner, "add", "two", "--tag", "b")
    assert ok(runner, "tags") == "a\t1\nb\t2\n"

    ok(runner, "edit", "1", "--untag", "a", "--tag", "c")
    assert ok(runner, "tags") == "b\t2\nc\t1\n"
    # The trash is not counted, and a tag only trashed notes carry is not listed.
    ok(runner, "rm", "1")
    assert ok(runner, "tags") == "b\t1\n"
    ok(runner, "restore", "1")
    assert ok(runner, "tags") == "b\t2\nc\t1\n"
    ok(runner, "rm", "1", "2")
    assert ok(runner, "tags") == ""
    assert notes(runner, "purge", "--all") == (0, "", "purged 2 notes\n")
    ok(runner, "add", "three", "--tag", "b")
    assert counts(notes_db) == {"b": 1}


def test_tags_formats(runner: CliRunner, errands: str) -> None:
    assert ok(runner, "tags", "--format", "plain") == "done\t2\nerrands\t2\nhome\t2\n"
    expected = [
        {"name": "done", "count": 2},
        {"name": "errands", "count": 2},
        {"name": "home", "count": 2},
    ]
    assert json.loads(ok(runner, "tags", "--json")) == expected
    assert json.loads(ok(runner, "tags", "-f", "json")) == expected
    lines = ok(runner, "tags", "--format", "jsonl").splitlines()
    assert [json.loads(line) for line in lines] == expected
    rows = list(csv.reader(io.StringIO(ok(runner, "tags", "--format", "csv"))))
    assert rows == [["name", "count"], ["done", "2"], ["errands", "2"], ["home", "2"]]
    table = ok(runner, "tags", "--format", "table").splitlines()
    assert [line.split() for line in table] == [
        ["tag", "notes"],
        ["done", "2"],
        ["errands", "2"],
        ["home", "2"],
    ]


def test_tags_of_an_empty_store(runner: CliRunner, notes_db: str) -> None:
    assert ok(runner, "tags") == ""
    assert json.loads(ok(runner, "tags", "--json")) == []
    assert ok(runner, "tags", "--format", "csv") == "name,count\n"
    assert ok(runner, "tags", "--format", "table") == "No tags.\n"


def test_tags_in_a_pipe_are_plain_lines(errands: str) -> None:
    done = subprocess.run(
        [NOTES, "tags"], capture_output=True, text=True, check=True, env=_env(errands)
    )
    assert (done.stdout, done.stderr) == ("done\t2\nerrands\t2\nhome\t2\n", "")


def test_tags_on_a_terminal_are_a_table(errands: str) -> None:
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [NOTES, "tags"],
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
            env={**_env(errands), "COLUMNS": "80"},
            timeout=60,
        )
        out = os.read(controller, 65536).decode()
    finally:
        os.close(terminal)
        os.close(controller)
    lines = re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines()
    assert (done.returncode, done.stderr) == (0, "")
    assert [line.split() for line in lines] == [
        ["tag", "notes"],
        ["done", "2"],
        ["errands", "2"],
        ["home", "2"],
    ]


def _env(target: str) -> dict[str, str]:
    return {**os.environ, "NOTES_DB": target}


# --- notes tag rename ---------------------------------------------------------------------


def test_rename_merges_into_an_existing_tag_and_keeps_history(
    runner: CliRunner, errands: str
) -> None:
    ok(runner, "add", "both", "--tag", "errands", "--tag", "done")  # note 6
    with Notes.open(errands) as store:
        before = {note.id: note for note in store.export(trash=True)}

    code, out, err = notes(runner, "tag", "rename", "ERRANDS", "Done")
    # Notes 1, 2 and 6; the trashed note 5 is left as it is.
    assert (code, out, err) == (0, "", "Renamed tag errands to done on 3 notes\n")

    assert ok(runner, "tags") == "done\t5\nhome\t2\n"
    with Notes.open(errands) as store:
        after = {note.id: note for note in store.export(trash=True)}
        history = store.history(6)
    assert {note_id: note.tags for note_id, note in after.items()} == {
        1: ["done", "home"],
        2: ["done"],
        3: ["done"],
        4: ["done", "home"],
        5: ["errands"],  # in the trash: not edited, comes back from it unchanged
        6: ["done"],  # carried both: ends with `done` once
    }
    for note_id in (1, 2, 6):
        assert after[note_id].updated_at > before[note_id].updated_at
        assert after[note_id].text == before[note_id].text
    for note_id in (3, 4, 5):  # untouched
        assert after[note_id] == before[note_id]
    # The version before the rename is kept, with the old tag.
    assert [(v.revision, v.tags, v.current) for v in history] == [
        (1, ["done", "errands"], False),
        (2, ["done"], True),
    ]
    plain = ok(runner, "history", "1", "--format", "plain").splitlines()
    assert [line.split("\t")[2] for line in plain] == ["errands,home", "done,home"]
    assert ok(runner, "list", "--tag", "errands") == ""
    assert ok(runner, "list", "--tag", "done", "--format", "ids") == "6\n4\n3\n2\n1\n"


def test_rename_to_a_new_name(runner: CliRunner, errands: str) -> None:
    code, out, err = notes(runner, "tag", "rename", "home", "House")
    assert (code, out, err) == (0, "", "Renamed tag home to house on 2 notes\n")
    assert counts(errands) == {"done": 2, "errands": 2, "house": 2}
    assert ok(runner, "list", "--tag", "house", "--format", "ids") == "4\n1\n"
    assert ok(runner, "list", "--tag", "home") == ""
    # Renamed back, onto the name no note carries any more: one more version each.
    assert notes(runner, "tag", "rename", "house", "home")[2] == (
        "Renamed tag house to home on 2 notes\n"
    )
    with Notes.open(errands) as store:
        assert [v.tags for v in store.history(4)] == [
            ["done", "home"],
            ["done", "house"],
            ["done", "home"],
        ]


def test_rename_leaves_the_trash_alone(runner: CliRunner, notes_db: str) -> None:
    ok(runner, "add", "old", "--tag", "scratch")
    ok(runner, "add", "new", "--tag", "scratch")
    ok(runner, "rm", "1")
    assert ok(runner, "tags") == "scratch\t1\n"
    assert notes(runner, "tag", "rename", "scratch", "draft") == (
        0,
        "",
        "Renamed tag scratch to draft on 1 note\n",
    )
    ok(runner, "restore", "1")  # back unchanged, with the name it had
    assert ok(runner, "tags") == "draft\t1\nscratch\t1\n"
    ok(runner, "rm", "1", "2")
    code, out, err = notes(runner, "tag", "rename", "scratch", "draft")
    assert (code, out) == (1, "")
    assert err == "Error: no note has the tag 'scratch'; nothing was renamed\n"


def test_rename_reaches_every_note_past_one_batch(db_target: str) -> None:
    from notes_core.library import NewNote

    with Notes.open(db_target) as store:
        store.add_many(
            NewNote(f"note {n}", ["bulk", "other"] if n % 2 else ["bulk"]) for n in range(1201)
        )
        store.add_many([NewNote("has the new name", ["big"])])
        assert store.rename_tag("bulk", "big").notes == 1201
        assert [(tag.name, tag.count) for tag in store.tags()] == [("big", 1202), ("other", 600)]
        assert all(
            len(store.history(note.id)) == 2
            for note in store.iterate(limit=1201, oldest_first=True)
        )
        assert store.revision(1, 1).tags == ["bulk"]
        assert store.revision(2, 1).tags == ["bulk", "other"]
        assert store.revision(1202, 1).current


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("nope", "x", "Error: no note has the tag 'nope'; nothing was renamed\n"),
        (
            "Errands",
            "ERRANDS",
            "Error: 'Errands' and 'ERRANDS' are the same tag ('errands'); nothing was renamed\n",
        ),
        ("errands", "two words", "Error: tag 'two words' must not contain whitespace or commas\n"),
        ("", "x", "Error: tag '' must be 1-64 characters; it has 0\n"),
    ],
)
def test_a_refused_rename_is_one_error_line_and_changes_nothing(
    runner: CliRunner, errands: str, old: str, new: str, message: str
) -> None:
    before = everything(errands)
    assert notes(runner, "tag", "rename", old, new) == (1, "", message)
    assert everything(errands) == before


def test_a_tag_no_note_carries_any_more_cannot_be_renamed(runner: CliRunner, errands: str) -> None:
    ok(runner, "edit", "3", "--untag", "done")
    ok(runner, "edit", "4", "--untag", "done")
    assert notes(runner, "tag", "rename", "done", "x") == (
        1,
        "",
        "Error: no note has the tag 'done'; nothing was renamed\n",
    )


def test_tag_help_names_rename(runner: CliRunner) -> None:
    code, out, _ = notes(runner, "tag", "--help")
    assert code == 0
    assert "rename" in out
    code, out, _ = notes(runner, "tag", "rename", "--help")
    assert code == 0
    assert "merging into NEW" in out
    assert "Example: notes tag rename" in out


# --- GET /api/v1/tags through a real server ------------------------------------------------


@pytest.mark.serve
def test_api_lists_the_tags_in_use(runner: CliRunner, errands: str) -> None:
    with Server(errands, env={"NOTES_TOKEN": "s3cret"}) as server:
        assert request(server.base, "GET", "/api/v1/tags") == (
            401,
            {"detail": "missing or wrong bearer token"},
        )
        status, body = request(server.base, "GET", "/api/v1/tags", token="s3cret")
        assert (status, body) == (
            200,
            {
                "items": [
                    {"name": "done", "count": 2},
                    {"name": "errands", "count": 2},
                    {"name": "home", "count": 2},
                ]
            },
        )
        assert request(server.base, "HEAD", "/api/v1/tags", token="s3cret") == (200, None)
        # A change through the API shows at once.
        assert request(server.base, "DELETE", "/api/v1/notes/2", token="s3cret")[0] == 204
        status, body = request(server.base, "GET", "/api/v1/tags", token="s3cret")
        assert body["items"][1] == {"name": "errands", "count": 1}
        server.stop()


@pytest.mark.serve
def test_api_tags_of_an_empty_store(db_target: str) -> None:
    with Server(db_target) as server:
        assert request(server.base, "GET", "/api/v1/tags") == (200, {"items": []})


def test_an_edit_that_waits_for_a_rename_keeps_the_new_name(db_target: str) -> None:
    """An edit of a note's tags locks the note, then reads its tags: after a rename that
    held the lock, it must see the renamed tag (PostgreSQL once read them from before the
    wait, and wrote the old name back)."""
    import threading
    import time

    with Notes.open(db_target) as store:
        store.add("a note", tags=["old"])
        started = threading.Event()

        def rename_slowly() -> None:
            with store.transaction(write=True) as bound:
                bound.rename_tag("old", "new")
                started.set()
                time.sleep(1)  # the edit below waits for this transaction

        renaming = threading.Thread(target=rename_slowly)
        renaming.start()
        started.wait()
        with Notes.open(db_target) as other:
            edited = other.update(1, add_tags=["extra"])
        renaming.join()
        assert edited.tags == ["extra", "new"]
        assert store.get(1).tags == ["extra", "new"]
