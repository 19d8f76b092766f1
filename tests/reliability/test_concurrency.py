"""4 CLI processes and 32 HTTP clients add and edit notes in one SQLite file for 10 s:
no "database is locked", no 5xx, every acknowledged write present."""

import threading
import time
from pathlib import Path

import pytest

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
    rate = ack.writes / elapsed
    print(f"\n{ack.writes} acknowledged writes in {elapsed:.1f} s: {rate:.0f}/s, 0 errors")
