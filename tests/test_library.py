"""`Notes`, the library API: what a user's own script can rely on."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from notes_core import Notes, Settings
from notes_core.errors import InvalidInput, InvalidNote, NoteChanged, NoteInTrash, NoteNotFound

ROOT = Path(__file__).resolve().parent.parent


def readme_python_example() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Use it from Python") :]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found, "the README's Python example is gone"
    return found.group(1)


def test_the_readme_example_runs_as_a_users_script(tmp_path: Path, db_target: str) -> None:
    script = readme_python_example().replace('Notes.open("notes.db")', "Notes.open(sys.argv[1])")
    result = subprocess.run(
        [sys.executable, "-c", "import sys\n" + script, db_target],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NOTES_DB": str(tmp_path / "ignored.db")},
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "[1] ['errands']\n"
    assert not (tmp_path / "ignored.db").exists()  # the library reads no NOTES_DB


@pytest.fixture
def notes(db_target: str) -> Iterator[Notes]:
    with Notes.open(db_target) as opened:
        yield opened


def test_a_write_transaction_keeps_all_of_its_steps_or_none(notes: Notes) -> None:
    kept = notes.add("kept")
    with pytest.raises(InvalidNote), notes.transaction(write=True) as tx:
        tx.add("first step")
        tx.update(kept.id, text="changed in the same transaction")
        tx.add("   ")  # breaks a rule: everything above is rolled back
    assert [note.text for note in notes.iterate()] == ["kept"]
    with notes.transaction(write=True) as tx:
        second = tx.add("second")
        tx.update(second.id, tags=["done"])
    assert [(note.text, note.tags) for note in notes.iterate()] == [
        ("second", ["done"]),
        ("kept", []),
    ]


def test_iterate_and_search_refuse_bad_input_before_yielding_anything(notes: Notes) -> None:
    notes.add("something")
    with pytest.raises(InvalidInput, match="limit"):
        notes.iterate(limit=0)
    with pytest.raises(InvalidInput, match="limit is 100"):
        notes.search(" ".join(f"w{i}" for i in range(101)))


def test_iterate_pages_and_search_agree(notes: Notes) -> None:
    ids = [note.id for note in (notes.add(f"note {i} about cats") for i in range(7))]
    assert [note.id for note in notes.iterate()] == ids[::-1]
    assert [note.id for note in notes.iterate(oldest_first=True, limit=3)] == ids[:3]
    seen, cursor = [], None
    while True:
        page = notes.page(limit=3, cursor=cursor)
        seen += [note.id for note in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert seen == ids[::-1]
    assert sorted(hit.note.id for hit in notes.search("cats")) == ids
    first = notes.search_page("cats", limit=5)
    assert len(first.items) == 5 and first.next_cursor is not None


def test_update_with_a_stale_etag_changes_nothing(notes: Notes) -> None:
    note = notes.add("v1")
    notes.update(note.id, text="v2")
    with pytest.raises(NoteChanged):
        notes.update(note.id, text="v3", if_match=note.etag)
    assert notes.get(note.id).text == "v2"
    notes.trash([note.id])
    with pytest.raises(NoteInTrash):
        notes.update(note.id, text="v3", if_match=note.etag)
    notes.purge([note.id])
    with pytest.raises(NoteNotFound):
        notes.get(note.id)


def test_open_takes_settings(tmp_path: Path) -> None:
    settings = Settings.from_env({"NOTES_SYNC": "normal"}, db=str(tmp_path / "s.db"))
    with Notes.open(settings) as notes:
        assert notes.location == str(tmp_path / "s.db")
        notes.ping()
