"""PostgreSQL as a store for a team: clear errors, several servers and workers on one database."""

import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle

import pytest

from tests.serving import NOTES, Server, request
from tests.test_serve import stored


def run_notes(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NOTES, *args], capture_output=True, text=True, timeout=60)


def test_unreachable_server_is_one_error_line() -> None:
    result = run_notes("--db", "postgresql://postgres@127.0.0.1:1/notes", "list")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "Error: cannot reach the store at postgresql+psycopg://postgres@127.0.0.1:1/notes:"
    )
    assert result.stderr.endswith("; is the server running?\n")
    assert result.stderr.count("\n") == 1


def test_missing_database_says_how_to_create_it(postgres_database: str) -> None:
    missing = postgres_database + "_missing"
    result = run_notes("--db", missing, "list")
    assert result.returncode == 1
    name = missing.rsplit("/", 1)[1]
    assert result.stderr.endswith(f"; create it first (createdb {name})\n")
    assert result.stderr.count("\n") == 1


def test_missing_driver_says_what_to_install() -> None:
    probe = textwrap.dedent(
        """
        import sys
        sys.modules["psycopg"] = None  # as if notes[postgres] were not installed
        from notes_cli.app import app
        app(["--db", "postgresql://postgres@127.0.0.1/postgres", "list"])
        """
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr == (
        "Error: PostgreSQL support is not installed: run  "
        "pip install 'psycopg[binary]' 'sqlalchemy[asyncio]'  "
        "in the Python environment that runs notes\n"
    )


def test_passwords_never_appear_in_errors() -> None:
    result = run_notes("--db", "postgresql://alice:hunter2@127.0.0.1:1/notes", "list")
    assert result.returncode == 1
    assert "hunter2" not in result.stderr and "alice:***@" in result.stderr


def write_through(servers: list[Server], clients: int, per_client: int) -> dict[int, str]:
    """Many clients posting round-robin across servers; the acknowledged notes by id."""
    bases = cycle([server.base for server in servers])
    targets = [next(bases) for _ in range(clients)]

    def post(client: int) -> list[tuple[int, str]]:
        done = []
        for i in range(per_client):
            text = f"client {client} note {i}"
            status, body = request(targets[client], "POST", "/api/v1/notes", {"text": text})
            assert status == 201, body
            done.append((body["id"], text))
        return done

    with ThreadPoolExecutor(clients) as pool:
        pairs = [pair for result in pool.map(post, range(clients)) for pair in result]
    ids = [note_id for note_id, _ in pairs]
    assert len(ids) == len(set(ids)) == clients * per_client
    return dict(pairs)


@pytest.mark.serve
def test_two_servers_share_one_postgres_database(postgres_database: str) -> None:
    with Server(postgres_database) as first, Server(postgres_database) as second:
        acknowledged = write_through([first, second], clients=16, per_client=15)
        # Each server sees what the other wrote.
        assert {int(k): v for k, v in request(first.base, "GET", "/notes")[1].items()} == (
            acknowledged
        )
    assert stored(postgres_database) == acknowledged


@pytest.mark.serve
@pytest.mark.parametrize("workers", [2])
def test_workers_share_the_store(db_target: str, workers: int) -> None:
    with Server(db_target, "--workers", str(workers)) as server:
        acknowledged = write_through([server], clients=16, per_client=10)
    assert stored(db_target) == acknowledged
