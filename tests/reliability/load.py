"""Write load for the reliability suites: HTTP clients and CLI processes that record
exactly what the store acknowledged."""

import http.client
import os
import random
import signal
import subprocess
import threading
from dataclasses import dataclass, field

from notes_core import repository
from notes_core.engine import open_store
from notes_core.session import session_scope
from tests.serving import NOTES, request


@dataclass
class Acknowledged:
    """Every write the store confirmed: id -> (text, tags) of its last confirmed state."""

    notes: dict[int, tuple[str, list[str]]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    writes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, note_id: int, text: str, tags: list[str]) -> None:
        with self.lock:
            self.notes[note_id] = (text, sorted(tags))
            self.writes += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def http_writer(
    base: str, worker: int, ack: Acknowledged, stop: threading.Event, *, edit: bool, seed: int
) -> None:
    """POST notes (and PATCH its own ones when `edit`) until stopped or the server dies."""
    rng = random.Random(seed * 1000 + worker)
    mine: list[int] = []
    i = 0
    while not stop.is_set():
        i += 1
        tags = [f"w{worker}", rng.choice(["red", "green", "blue"])]
        text = f"http {worker}.{i} " + "é" * rng.randrange(0, 300)
        try:
            if edit and mine and rng.random() < 0.4:
                note_id = rng.choice(mine)
                status, body = request(
                    base,
                    "PATCH",
                    f"/api/v1/notes/{note_id}",
                    {"text": text, "tags": tags},
                    timeout=30,
                )
                expected = 200
            else:
                status, body = request(
                    base, "POST", "/api/v1/notes", {"text": text, "tags": tags}, timeout=30
                )
                expected = 201
        except (OSError, http.client.HTTPException):
            return  # the connection died with the server: not acknowledged
        if status == expected:
            ack.record(body["id"], body["text"], body["tags"])
            mine.append(body["id"])
        else:
            ack.error(f"HTTP {status}: {body}")


def cli_writer_script(db: str, worker: int, *, edit: bool, stop_file: str) -> str:
    """A bash loop of `notes add` (and `notes edit`) that prints what was acknowledged,
    until `stop_file` exists."""
    lines = [
        "i=0; last=''",
        f"while [ ! -e '{stop_file}' ]; do",
        f'  i=$((i+1)); text="cli {worker}.$i"',
        f'  if [ -n "$last" ] && [ {int(edit)} = 1 ] && [ $((i % 3)) = 0 ]; then',
        f'    {NOTES} --db \'{db}\' edit "$last" "$text" --tag c{worker} || exit 1',
        '    echo "EDIT $last $text"',
        "  else",
        f"    id=$({NOTES} --db '{db}' add \"$text\" --tag c{worker}) || exit 1",
        '    echo "ADD $id $text"; last=$id',
        "  fi",
        "done",
    ]
    return "\n".join(lines)


def start_cli_writers(
    db: str, count: int, *, edit: bool, stop_file: str
) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            ["bash", "-c", cli_writer_script(db, worker, edit=edit, stop_file=stop_file)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for worker in range(count)
    ]


def collect_cli(processes: list[subprocess.Popen[str]], ack: Acknowledged, *, kill: bool) -> None:
    """Record every write the CLI loops printed as done. With `kill`, SIGKILL them first
    (a write in flight is then simply not acknowledged); else wait for them to see the
    stop file."""
    for worker, process in enumerate(processes):
        if kill and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=120)
        for line in out.splitlines():
            _kind, note_id, text = line.split(" ", 2)
            ack.record(int(note_id), text, [f"c{worker}"])
        for line in err.splitlines():
            if line.strip():
                ack.error(f"CLI {worker}: {line}")


def stored_notes(db: str) -> dict[int, tuple[str, list[str]]]:
    store = open_store(db)
    with session_scope(store) as session:
        found = {n.id: (n.text, n.tags) for n in repository.iterate(session)}
    store.close()
    return found
