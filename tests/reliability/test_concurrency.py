"""4 CLI processes and 32 HTTP clients add and edit notes in one SQLite file for 10 s:
no "database is locked", no 5xx, every acknowledged write present, and every edit's
previous version kept exactly once."""

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from notes_core import Notes
from notes_core.models import note_revisions
from tests.reliability.load import (
    Acknowledged,
    collect_cli,
    http_writer,
    start_cli_writers,
    stored_notes,
)
from tests.serving import Server

pytestmark = pytest.mark.serve

SECONDS = 10


def test_cli_and_http_writers_share_a_sqlite_file(sqlite_path: Path, tmp_path: Path) -> None:
    db = str(sqlite_path)
    ack = Acknowledged()
    stop = threading.Event()
    stop_file = tmp_path / "stop"
    with Server(db) as server:
        clis = start_cli_writers(db, 4, edit=True, stop_file=str(stop_file))
        threads = [
            threading.Thread(
                target=http_writer,
                args=(server.base, w, ack, stop),
                kwargs={"edit": True, "seed": 1},
            )
            for w in range(32)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        stop_file.touch()
        for thread in threads:
            thread.join(timeout=120)
        collect_cli(clis, ack, kill=False)
        elapsed = time.monotonic() - started

    assert ack.errors == []  # no 5xx, no 4xx, no "database is locked" from any CLI
    stored = stored_notes(db)
    assert {i: stored.get(i) for i in ack.notes} == ack.notes
    # Every edit changed the text (each is unique), so each kept exactly one version,
    # numbered after the note's earlier ones with no gap or repeat.
    edits = ack.writes - len(ack.notes)
    versions = kept_versions(db)
    assert all(low == 1 and high == count for count, low, high in versions.values())
    assert sum(count for count, _, _ in versions.values()) == edits
    rate = ack.writes / elapsed
    print(f"\n{ack.writes} acknowledged writes in {elapsed:.1f} s: {rate:.0f}/s, 0 errors")


def kept_versions(db: str) -> dict[int, tuple[int, int, int]]:
    """For each note with older versions: how many, and the lowest and highest number."""
    rows = note_revisions.c
    query = select(rows.note_id, func.count(), func.min(rows.revision), func.max(rows.revision))
    with Notes.open(db) as notes, notes.store.engine.connect() as connection:
        found = connection.execute(query.group_by(rows.note_id)).all()
    return {note_id: (count, low, high) for note_id, count, low, high in found}
