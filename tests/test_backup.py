"""`notes backup`: a consistent copy of a SQLite store while others write to it; never over
an existing file; on PostgreSQL an error that points to pg_dump."""

import json
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core.library import Notes
from notes_core.repository import NewNote
from tests.serving import Server, request

NOTES = str(Path(sys.executable).parent / "notes")
BATCH = 50  # notes per transaction of the writer below
FILLER = 10_000


def cli(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def notes_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NOTES, *args], capture_output=True, text=True, timeout=120)


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        result: str = connection.execute("PRAGMA integrity_check").fetchone()[0]
    connection.close()
    return result


def test_backup_is_a_private_store_with_every_note(
    runner: CliRunner, sqlite_path: Path, tmp_path: Path
) -> None:
    with Notes.open(str(sqlite_path)) as notes:
        notes.add("kept in the copy", tags=["a"])
        notes.add("in the trash too")
        notes.trash([2])
        notes.update(1, text="kept in the copy, edited")
    copy = tmp_path / "backups" / "copy.db"
    copy.parent.mkdir()
    assert cli(runner, "backup", str(copy)) == (0, "", f"backed up to {copy}\n")
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert integrity(copy) == "ok"
    assert sorted(p.name for p in copy.parent.iterdir()) == ["copy.db"]  # nothing else left
    original = notes_process("--db", str(sqlite_path), "export", "--trash")
    assert notes_process("--db", str(copy), "export", "--trash").stdout == original.stdout
    with Notes.open(str(copy)) as notes:
        versions = [revision.text for revision in notes.history(1)]
    assert versions == ["kept in the copy", "kept in the copy, edited"]
    listed = notes_process("--db", str(copy), "list", "--format", "ids")
    assert (listed.returncode, listed.stdout) == (0, "1\n")


def test_backup_never_overwrites_a_file(
    runner: CliRunner, sqlite_path: Path, tmp_path: Path
) -> None:
    assert cli(runner, "add", "a note")[0] == 0
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"precious")
    existing.chmod(0o644)
    code, out, err = cli(runner, "backup", str(existing))
    assert (code, out) == (1, "")
    assert err == f"Error: {existing} already exists; left untouched: choose a new file name\n"
    assert existing.read_bytes() == b"precious"
    assert stat.S_IMODE(existing.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.db", "home", "store"]


def test_backup_into_a_missing_folder(runner: CliRunner, sqlite_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "copy.db"
    code, out, err = cli(runner, "backup", str(target))
    assert (code, out) == (1, "")
    created, error = err.splitlines()  # the first command on this store made it
    assert created == f"Created a new store at {sqlite_path}"
    assert error.startswith("Error: cannot write the backup: folder ") and "does not exist" in err
    assert not target.parent.exists()


def test_backup_of_postgresql_points_to_pg_dump(
    runner: CliRunner, postgres_database: str, tmp_path: Path
) -> None:
    target = tmp_path / "copy.db"
    code, out, err = cli(runner, "--db", postgres_database, "backup", str(target))
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and err.count("\n") == 1
    assert "pg_dump" in err and "notes export" in err
    assert not target.exists()


# A writer in its own process: transactions of BATCH notes, numbered in order, as fast as
# it can, until the stop file appears.
WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from notes_core.library import Notes
    from notes_core.repository import NewNote

    db, stop, batch = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    number = 0
    with Notes.open(db) as notes:
        while not stop.exists():
            notes.add_many(
                [NewNote(f"note {number + i}", [f"batch{number // batch}"]) for i in range(batch)]
            )
            number += batch
            print(number, flush=True)
    """
)


def check_consistent_prefix(copy: Path, at_least: int) -> int:
    """The copy opens with `notes`, passes integrity_check, and holds notes 0..n-1 exactly,
    n a whole number of the writer's transactions and at least `at_least`. Returns n."""
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert integrity(copy) == "ok"
    listed = notes_process("--db", str(copy), "list", "--format", "jsonl")
    assert listed.returncode == 0, listed.stderr
    texts = [json.loads(line)["text"] for line in reversed(listed.stdout.splitlines())]
    assert all(text.startswith(f"filler {i} ") for i, text in enumerate(texts[:FILLER]))
    texts = texts[FILLER:]
    assert texts == [f"note {i}" for i in range(len(texts))]
    assert len(texts) % BATCH == 0, "the copy holds part of a transaction"
    assert len(texts) >= at_least
    return len(texts)


def test_backup_while_another_process_writes(sqlite_path: Path, tmp_path: Path) -> None:
    # Some 20 MB already there, so that copying takes a while and the writer goes on
    # committing meanwhile.
    with Notes.open(str(sqlite_path)) as notes:
        notes.add_many([NewNote(f"filler {i} " + "x" * 2000, ["filler"]) for i in range(FILLER)])
    stop = tmp_path / "stop"
    command = [sys.executable, "-c", WRITER, str(sqlite_path), str(stop), str(BATCH)]
    copies = []
    log = tmp_path / "writer.log"
    with (
        log.open("w") as errors,
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True) as writer,
    ):
        assert writer.stdout is not None
        try:
            for round_number in range(3):
                # Wait until the writer has committed a few more transactions.
                while int(writer.stdout.readline() or 0) < (round_number + 1) * 20 * BATCH:
                    assert writer.poll() is None, log.read_text()
                done = int(writer.stdout.readline())
                copy = tmp_path / f"copy-{round_number}.db"
                result = notes_process("--db", str(sqlite_path), "backup", str(copy))
                assert (result.returncode, result.stdout) == (0, ""), result.stderr
                copies.append((copy, done))
        finally:
            stop.touch()
            writer.stdout.read()  # so that it never waits on a full pipe
    assert writer.returncode == 0, log.read_text()
    sizes = [check_consistent_prefix(copy, done) for copy, done in copies]
    print(f"copies held {sizes} of the writer's notes")
    assert sizes == sorted(sizes)


@pytest.mark.serve
def test_backup_while_notes_serve_takes_posts(sqlite_path: Path, tmp_path: Path) -> None:
    acknowledged: list[int] = []
    failures: list[object] = []
    stop = threading.Event()

    def post(base: str) -> None:
        number = 0
        while not stop.is_set():
            status, body = request(base, "POST", "/api/v1/notes", {"text": f"note {number}"})
            if status != 201:
                failures.append((status, body))
                return
            acknowledged.append(body["id"])
            number += 1

    with Server(str(sqlite_path)) as server:
        poster = threading.Thread(target=post, args=(server.base,))
        poster.start()
        try:
            while len(acknowledged) < 200:
                time.sleep(0.05)
            before = len(acknowledged)
            copy = tmp_path / "copy.db"
            result = notes_process("--db", str(sqlite_path), "backup", str(copy))
            assert (result.returncode, result.stdout) == (0, ""), result.stderr
        finally:
            stop.set()
            poster.join(timeout=60)
    assert not failures
    with sqlite3.connect(copy) as connection:
        count = connection.execute("SELECT count(*) FROM notes").fetchone()[0]
    connection.close()
    assert before <= count <= len(acknowledged)
    # BATCH of 1: every acknowledged note up to the moment of the copy, nothing else.
    texts = [f"note {i}" for i in range(count)]
    listed = notes_process("--db", str(copy), "list", "--format", "jsonl")
    assert [json.loads(line)["text"] for line in reversed(listed.stdout.splitlines())] == texts
    assert integrity(copy) == "ok"
