"""Crash rounds: `notes serve` under write load from HTTP clients and CLI processes is
SIGKILLed at a seeded random moment and restarted; nothing acknowledged may be lost.

5 rounds per engine in the README's test command (marked `serve`, so not in a bare
`pytest`), 20 with `-m slow`.
"""

import random
import sqlite3
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
from tests.serving import Server, request

pytestmark = pytest.mark.serve

SEED = 20261125
HTTP_CLIENTS = 12
CLI_WRITERS = 3


def crash_round(db: str, round_number: int, tmp_path: Path) -> int:
    """One round; returns how many acknowledged writes it checked."""
    rng = random.Random(SEED + round_number)
    before = stored_notes(db)
    ack = Acknowledged()
    stop = threading.Event()
    server = Server(db).start()
    stop_file = tmp_path / f"stop-{round_number}"
    clis = start_cli_writers(db, CLI_WRITERS, edit=False, stop_file=str(stop_file))
    threads = [
        threading.Thread(
            target=http_writer,
            args=(server.base, w, ack, stop),
            kwargs={"edit": False, "seed": SEED},
        )
        for w in range(HTTP_CLIENTS)
    ]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.5, 3.0))
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    collect_cli(clis, ack, kill=True)

    assert not ack.errors, ack.errors[:5]
    assert ack.notes, "the load acknowledged nothing before the kill"
    after = stored_notes(db)
    lost = {i: v for i, v in ack.notes.items() if after.get(i) != v}
    assert not lost, (
        f"{len(lost)} acknowledged notes lost or changed, e.g. {list(lost.items())[:3]}"
    )
    assert {i: after[i] for i in before} == before  # earlier rounds' notes untouched
    if not db.startswith("postgresql"):
        with sqlite3.connect(db) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    with Server(db) as again:
        status, body = request(again.base, "POST", "/api/v1/notes", {"text": "after"})
        assert status == 201
        assert body["id"] > max(after), "an id was reused after the crash"
    return len(ack.notes)


@pytest.mark.parametrize("round_number", range(5))
def test_crash_round(db_target: str, round_number: int, tmp_path: Path) -> None:
    checked = crash_round(db_target, round_number, tmp_path)
    print(f"crash round {round_number}: {checked} acknowledged writes checked")


@pytest.mark.slow
def test_twenty_crash_rounds_on_one_store(db_target: str, tmp_path: Path) -> None:
    checked = [crash_round(db_target, number, tmp_path) for number in range(20)]
    print(f"20 crash rounds survived; acknowledged writes checked: {sum(checked)}")
