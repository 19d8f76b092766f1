"""What an import does to the rest of the store: it holds the write lock only while it
writes, never while it waits for its input; it never writes over the store; and its
duplicate check compares exact (text, created_at) pairs."""

import json
import subprocess
import sys
import time
from pathlib import Path

from notes_core.library import Notes
from notes_core.transfer.records import ImportRecord

NOTES = str(Path(sys.executable).parent / "notes")


def notes_command(*args: str, db: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NOTES, "--db", db, *args], capture_output=True, text=True, timeout=60, **kwargs
    )  # type: ignore[call-overload]


def test_an_import_waiting_on_a_slow_pipe_does_not_block_other_writers(db_target: str) -> None:
    Notes.open(db_target).close()  # created (and migrated) before the race starts
    importer = subprocess.Popen(
        [NOTES, "--db", db_target, "import", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert importer.stdin is not None
    for number in range(5000):
        line = {"text": f"piped {number}", "created_at": f"2024-01-01T00:00:{number % 60:02d}Z"}
        importer.stdin.write(json.dumps(line).encode() + b"\n")
    importer.stdin.flush()
    time.sleep(1)  # the importer has read what there is and waits for more

    started = time.monotonic()
    added = notes_command("add", "written while the import waits", db=db_target)
    assert (added.returncode, added.stderr) == (0, "")
    assert time.monotonic() - started < 10  # not the 15 s busy timeout

    importer.stdin.write(b'{"text": "the last line"}\n')
    _, errors = importer.communicate(timeout=120)  # closes stdin, reads both pipes
    assert (importer.returncode, errors) == (0, b"imported 5001, skipped 0\n")
    with Notes.open(db_target) as notes:
        texts = [note.text for note in notes.export()]
    assert texts[0] == "written while the import waits"  # it was stored first
    assert texts[1:3] == ["piped 0", "piped 1"] and texts[-1] == "the last line"
    assert len(texts) == 5002


def test_a_bad_record_stops_the_import_before_the_store_is_locked(db_target: str) -> None:
    """Every record is checked before anything is written: a bad last line leaves the
    store exactly as it was, and no id was used up."""
    Notes.open(db_target).close()
    lines = "".join(json.dumps({"text": f"n{i}"}) + "\n" for i in range(3000)) + "{broken\n"
    result = notes_command("import", "-", db=db_target, input=lines)
    assert result.returncode == 1
    assert result.stderr.startswith("Error: line 3001: ")
    assert notes_command("add", "first", db=db_target).stdout == "1\n"


def test_records_sharing_a_date_are_told_apart_by_their_text(db_target: str) -> None:
    """Many records with one created_at (a day-only date, say) are all imported, and
    importing them again adds nothing: the check compares exact (text, date) pairs."""
    when = "2024-05-01T00:00:00+00:00"
    lines = "".join(
        json.dumps({"text": f"entry {i}", "created_at": when}) + "\n" for i in range(2500)
    )
    first = notes_command("import", "-", db=db_target, input=lines)
    again = notes_command("import", "-", db=db_target, input=lines)
    assert (first.returncode, first.stderr) == (0, "imported 2500, skipped 0\n")
    assert (again.returncode, again.stderr) == (0, "imported 0, skipped 2500\n")


def test_records_without_dates_keep_their_order_and_get_the_import_time(db_target: str) -> None:
    with Notes.open(db_target) as notes:
        before = time.time()
        records = [
            ImportRecord(f"undated {i}", [], None, None, None, f"line {i}") for i in range(3)
        ]
        assert notes.import_records(records).imported == 3
        imported = list(notes.export())
    assert [note.text for note in imported] == ["undated 0", "undated 1", "undated 2"]
    created = [note.created_at for note in imported]
    assert created == sorted(created) and len(set(created)) == 3
    assert all(abs(moment.timestamp() - before) < 60 for moment in created)
    assert all(note.updated_at == note.created_at for note in imported)


def test_a_record_with_only_updated_at_was_created_then(db_target: str) -> None:
    line = json.dumps({"text": "dated by its change", "updated_at": "2023-03-03T03:03:03Z"})
    result = notes_command("import", "-", db=db_target, input=line + "\n")
    assert result.returncode == 0, result.stderr
    with Notes.open(db_target) as notes:
        (note,) = notes.export()
    assert note.created_at.isoformat() == note.updated_at.isoformat() == "2023-03-03T03:03:03+00:00"


def test_export_never_writes_over_the_store_itself(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    assert notes_command("add", "precious", db=str(db)).returncode == 0
    before = db.read_bytes()
    for target in (str(db), "notes.db", "notes.db-wal", "./notes.db"):
        result = notes_command("export", "--output", target, db=str(db), cwd=tmp_path)
        assert result.returncode == 2
        assert "is the store itself" in result.stderr
    assert db.read_bytes() == before
    assert notes_command("show", "1", db=str(db)).stdout == "precious\n"


def test_markdown_export_to_stdout_is_a_usage_error(tmp_path: Path) -> None:
    db = str(tmp_path / "notes.db")
    notes_command("add", "x", db=db)
    result = notes_command("export", "--format", "markdown", "--output", "-", db=db, cwd=tmp_path)
    assert result.returncode == 2 and "not to stdout" in result.stderr
    assert not (tmp_path / "-").exists()
