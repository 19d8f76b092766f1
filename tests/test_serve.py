"""A real `notes serve` process: restarts, sharing a file with the CLI, tokens, crashes."""

import http.client
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from notes_core import repository
from notes_core.engine import open_store
from notes_core.session import session_scope
from tests.serving import NOTES, Server, free_port, request


def stored(target: str) -> dict[int, str]:
    store = open_store(target)
    with session_scope(store) as session:
        found = {note.id: note.text for note in repository.iterate(session)}
    store.close()
    return found


@pytest.mark.serve
def test_notes_survive_a_restart(db_target: str) -> None:
    with Server(db_target) as server:
        assert request(server.base, "POST", "/add_note", {"text": "remember me"}) == (
            200,
            {"id": 1},
        )
        status, _ = request(server.base, "POST", "/api/v1/notes", {"text": "me too", "tags": ["x"]})
        assert status == 201
        server.stop()
    with Server(db_target) as server:
        assert request(server.base, "GET", "/notes") == (200, {"1": "remember me", "2": "me too"})


@pytest.mark.serve
def test_cli_and_server_share_one_store_at_once(db_target: str) -> None:
    """Several CLI processes and many HTTP clients write together: every write
    acknowledged, none lost, nobody told the database is locked."""
    cli_writers, cli_notes, http_clients, http_notes = 4, 15, 16, 20
    with Server(db_target) as server:
        script = (
            f"for i in $(seq 1 {cli_notes}); do {NOTES} --db '{db_target}' add \"cli $1 $i\""
            " || exit 1; done"
        )
        shells = [
            subprocess.Popen(
                ["bash", "-c", script, "-", str(w)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for w in range(cli_writers)
        ]

        def post(worker: int) -> list[tuple[int, str]]:
            done = []
            for i in range(http_notes):
                text = f"http {worker} {i}"
                status, body = request(server.base, "POST", "/api/v1/notes", {"text": text})
                assert status == 201, body
                done.append((body["id"], text))
            return done

        with ThreadPoolExecutor(http_clients) as pool:
            acknowledged = [
                pair for result in pool.map(post, range(http_clients)) for pair in result
            ]
        for shell in shells:
            out, err = shell.communicate(timeout=300)
            assert shell.returncode == 0, err
            assert "locked" not in err
            acknowledged += [
                (int(note_id), f"cli {shells.index(shell)} {i + 1}")
                for i, note_id in enumerate(out.split())
            ]
        # The server sees the CLI's notes at once, and the CLI the server's.
        listing = request(server.base, "GET", "/notes")[1]
    assert len(acknowledged) == cli_writers * cli_notes + http_clients * http_notes
    assert len({note_id for note_id, _ in acknowledged}) == len(acknowledged)
    assert stored(db_target) == dict(acknowledged)
    assert {int(k): v for k, v in listing.items()} == dict(acknowledged)


@pytest.mark.serve
def test_delete_trash_and_restore_on_a_real_server(db_target: str) -> None:
    with Server(db_target, env={"NOTES_TOKEN": "tok"}) as server:
        base = server.base
        status, note = request(
            base, "POST", "/api/v1/notes", {"text": "keep", "tags": ["t"]}, "tok"
        )
        assert status == 201
        assert request(base, "DELETE", "/api/v1/notes/1", token="tok") == (204, None)
        assert request(base, "GET", "/notes", token="tok") == (200, {})
        status, trash = request(base, "GET", "/api/v1/trash", token="tok")
        assert status == 200 and trash["next_cursor"] is None
        [trashed] = trash["items"]
        assert trashed.pop("trashed_at") >= note["updated_at"]
        assert trashed == note
        assert request(base, "GET", "/api/v1/trash") == (
            401,
            {"detail": "missing or wrong bearer token"},
        )
        assert request(base, "POST", "/api/v1/trash/1/restore", token="tok") == (200, note)
        assert request(base, "GET", "/api/v1/trash", token="tok") == (
            200,
            {"items": [], "next_cursor": None},
        )
        assert request(base, "GET", "/api/v1/notes/1", token="tok") == (200, note)
        output = server.stop()
    assert "Traceback" not in output
    assert stored(db_target) == {1: "keep"}


@pytest.mark.serve
def test_token_rules_on_a_real_server(db_target: str) -> None:
    with Server(db_target, env={"NOTES_TOKEN": "tok"}) as server:
        assert request(server.base, "GET", "/notes")[0] == 401
        assert request(server.base, "GET", "/notes", token="nope")[0] == 401
        assert request(server.base, "GET", "/notes", token="tok") == (200, {})
        assert request(server.base, "GET", "/healthz")[0] == 200
        assert request(server.base, "GET", "/openapi.json")[0] == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com", "::"])
def test_a_public_bind_without_token_is_refused_before_listening(
    sqlite_path: Path, host: str
) -> None:
    port = free_port()
    result = subprocess.run(
        [NOTES, "serve", "--host", host, "--port", str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: refusing to serve on {host} without a token")
    assert result.stderr.count("\n") == 1
    assert not sqlite_path.exists()  # refused before even opening the store


def test_a_bad_store_stops_serve_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [NOTES, "--db", str(tmp_path), "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (result.returncode, result.stderr) == (
        1,
        f"Error: {tmp_path} is a directory, not a notes store\n",
    )


def test_serve_on_postgresql_without_greenlet_says_what_to_install(
    postgres_database: str, tmp_path: Path
) -> None:
    # A bare `pip install psycopg` brings no greenlet, which the server's async driver needs.
    (tmp_path / "sitecustomize.py").write_text('import sys\nsys.modules["greenlet"] = None\n')
    result = subprocess.run(
        [NOTES, "--db", postgres_database, "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
    )
    assert (result.returncode, result.stderr) == (
        1,
        "Error: serving a PostgreSQL store needs SQLAlchemy's asyncio support: run  "
        "pip install 'psycopg[binary]' 'sqlalchemy[asyncio]'  in the Python environment "
        "that runs notes\n",
    )


@pytest.mark.serve
def test_sigkill_during_writes_loses_no_acknowledged_note(db_target: str) -> None:
    rng = random.Random(20261125)
    acknowledged: dict[int, str] = {}
    lock = threading.Lock()
    stop = threading.Event()
    server = Server(db_target).start()

    def writer(worker: int) -> None:
        i = 0
        while not stop.is_set():
            text = f"w{worker} n{i} " + "x" * rng.randrange(1, 2000)
            try:
                status, body = request(
                    server.base, "POST", "/api/v1/notes", {"text": text}, timeout=5
                )
            except (OSError, http.client.HTTPException):
                return  # the server died: this write was never acknowledged
            if status == 201:
                with lock:
                    acknowledged[body["id"]] = text
            i += 1

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for thread in threads:
        thread.start()
    time.sleep(1.5 + rng.random())
    server.kill()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)

    assert len(acknowledged) > 20
    after = stored(db_target)
    assert {k: after.get(k) for k in acknowledged} == acknowledged
    if not db_target.startswith("postgresql"):
        with sqlite3.connect(db_target) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # A restarted server carries on with fresh ids.
    with Server(db_target) as again:
        status, body = request(again.base, "POST", "/add_note", {"text": "after the crash"})
        assert status == 200 and body["id"] > max(after)


@pytest.mark.serve
def test_a_port_in_use_is_one_error_line(sqlite_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [NOTES, "serve", "--port", str(port)], capture_output=True, text=True, timeout=30
        )
    assert (result.returncode, result.stdout) == (1, "")
    # Never "serving on ...": it was not.
    assert result.stderr == f"Error: port {port} on 127.0.0.1 is in use; try --port N\n"
    assert not sqlite_path.exists()  # refused before the store was created


def sigterm_and_time(server: Server) -> tuple[float, str]:
    assert server.process is not None
    started = time.monotonic()
    os.killpg(server.process.pid, signal.SIGTERM)
    _, err = server.process.communicate(timeout=30)
    return time.monotonic() - started, err.decode()


@pytest.mark.serve
def test_sigterm_stops_an_idle_server_within_a_second(db_target: str) -> None:
    server = Server(db_target).start()
    # An idle keep-alive connection, as a browser or an HTTP client pool leaves open.
    idle = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    idle.request("GET", "/healthz")
    idle.getresponse().read()
    took, err = sigterm_and_time(server)
    idle.close()
    assert took < 1, f"took {took:.2f} s"
    assert "Traceback" not in err


@pytest.mark.serve
def test_sigterm_lets_a_request_in_flight_finish(db_target: str) -> None:
    server = Server(db_target).start()
    body = json.dumps({"text": "sent slowly"}).encode()
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=30) as client,
        client.makefile("rb") as reader,
    ):
        head = (
            f"POST /api/v1/notes HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        client.sendall(head.encode())
        # The server says "100 Continue" once the app reads the body: the request is
        # in flight, whatever the load on this machine.
        assert reader.readline().startswith(b"HTTP/1.1 100 ")
        assert reader.readline() == b"\r\n"
        assert server.process is not None
        os.killpg(server.process.pid, signal.SIGTERM)
        time.sleep(0.5)
        client.sendall(body)
        reply = reader.read()  # until the server closes the connection
    assert reply.startswith(b"HTTP/1.1 201 ")
    server.process.communicate(timeout=5)  # it exits once the request is done
    assert stored(db_target) == {1: "sent slowly"}
