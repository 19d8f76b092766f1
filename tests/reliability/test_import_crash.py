"""A `notes import` SIGKILLed part-way through a large file leaves the store with none of
that file's notes or all of them, and the store opens and takes writes afterwards.

The import runs with its stderr on a pseudo-terminal, so it draws its progress bar; the
kill comes once the bar shows that a seeded number of notes has been written inside the
import's transaction (after it has read and checked the whole file). Marked `serve` like
the other crash rounds: real processes, tens of seconds, run by the README's test command
and CI, not by a bare `pytest`; four more rounds, killed at other points, with `-m slow`.
"""

import json
import os
import pty
import random
import re
import select
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notes_core.library import Notes
from tests.serving import NOTES

pytestmark = pytest.mark.serve

SEED = 20261125
IMPORTED = 200_000
# The bar's count while it writes (it reads and checks the whole file first).
PROGRESS = re.compile(rb"writing[^\r\n]*?([\d,]+) notes")


@pytest.fixture(scope="module")
def big_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200,000 notes as `notes export` writes them, each with its own date and tags."""
    path = tmp_path_factory.mktemp("import") / "notes.jsonl"
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with path.open("w") as file:
        for i in range(IMPORTED):
            record = {
                "text": f"imported note {i}: a few words to make it look like one",
                "tags": ["bulk", f"group{i % 7}"],
                "created_at": (start + timedelta(seconds=i)).isoformat(),
            }
            file.write(json.dumps(record) + "\n")
    return path


def snapshot(target: str) -> list[tuple[int, str, list[str]]]:
    with Notes.open(target) as notes:
        return [(n.id, n.text, n.tags) for n in notes.export(trash=True)]


def import_until(target: str, source: Path, kill_at: int) -> int:
    """Run `notes import` and SIGKILL it once its progress bar shows `kill_at` notes
    written; return the count the bar showed last."""
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [NOTES, "--db", target, "import", str(source)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=secondary,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(secondary)
    shown, seen = b"", 0
    deadline = time.monotonic() + 300
    try:
        while seen < kill_at:
            assert time.monotonic() < deadline, "the import made no progress in 5 minutes"
            ready, _, _ = select.select([primary], [], [], 1.0)
            if not ready:
                continue
            try:
                shown = (shown + os.read(primary, 65536))[-4096:]
            except OSError:  # the terminal closed: the import ended on its own
                break
            counts = PROGRESS.findall(shown)
            seen = int(counts[-1].replace(b",", b"")) if counts else 0
        assert process.poll() is None, f"the import ended before the kill: {shown[-300:]!r}"
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(primary)
    return seen


@pytest.mark.parametrize(
    "round_number", [0, *(pytest.param(n, marks=pytest.mark.slow) for n in range(1, 5))]
)
def test_import_killed_part_way_leaves_none_or_all_of_it(
    db_target: str, big_jsonl: Path, round_number: int
) -> None:
    with Notes.open(db_target) as notes:
        for i in range(5):
            notes.add(f"there before the import {i}", tags=["old"])
        notes.trash([2])
    before = snapshot(db_target)
    # Early or late in the file: a seeded point between 5% and 95% of it.
    kill_at = random.Random(SEED + round_number).randrange(IMPORTED // 20, IMPORTED * 19 // 20)
    seen = import_until(db_target, big_jsonl, kill_at)
    print(f"killed with {seen:,} of {IMPORTED:,} notes written in the open transaction")

    after = snapshot(db_target)
    assert after[: len(before)] == before
    assert len(after) - len(before) in (0, IMPORTED), "a killed import left part of itself"
    if not db_target.startswith("postgresql"):
        with sqlite3.connect(db_target) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        connection.close()
    # The store takes writes again, and the same import, run again, completes.
    listed = subprocess.run(
        [NOTES, "--db", db_target, "list", "--limit", "1", "--format", "ids"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (listed.returncode, listed.stderr) == (0, "")
    with Notes.open(db_target) as notes:
        assert notes.add("after the crash").id > max(note_id for note_id, _, _ in before)
    again = subprocess.run(
        [NOTES, "--db", db_target, "import", str(big_jsonl)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    added = IMPORTED if len(after) == len(before) else 0
    assert again.stderr == f"imported {added}, skipped {IMPORTED - added}\n"
