"""Every test gets its own store: a SQLite file in a temp dir, or a fresh PostgreSQL database.

Store-backed tests run on both engines through the `db_target` fixture. PostgreSQL is the
one on 127.0.0.1:5432 (user postgres, trust auth), or NOTES_TEST_POSTGRES_URL. On CI it
must be there; elsewhere that half is skipped with the reason.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from notes_core.engine import Store, open_store

POSTGRES_ADMIN_URL = os.environ.get(
    "NOTES_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ENGINES = ["sqlite", "postgresql"]


def _postgres_unavailable() -> str | None:
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[test]')"
    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}".splitlines()[0]
    return None


_POSTGRES_PROBLEM: list[str | None] = []


def postgres_problem() -> str | None:
    if not _POSTGRES_PROBLEM:
        _POSTGRES_PROBLEM.append(_postgres_unavailable())
    return _POSTGRES_PROBLEM[0]


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL half: {problem}")
        pytest.skip(problem)
    import psycopg

    name = f"notes_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=ENGINES)
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """What a user would pass as --db / NOTES_DB: a file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "notes.db")
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No test can touch the real user's data: HOME and the XDG dirs point into tmp_path."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for name in ("NOTES_DB", "NOTES_TOKEN", "NOTES_SYNC", "NOTES_MAX_BODY", "VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def notes_db(db_target: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """NOTES_DB set to this test's store, as a user's shell would have it."""
    monkeypatch.setenv("NOTES_DB", db_target)
    return db_target


@pytest.fixture
def store(db_target: str) -> Iterator[Store]:
    opened = open_store(db_target)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite store path (not yet created), also set as NOTES_DB."""
    path = tmp_path / "store" / "notes.db"
    monkeypatch.setenv("NOTES_DB", str(path))
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
