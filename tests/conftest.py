"""Every test gets its own store: a SQLite file in a temp dir, or its own PostgreSQL database.

Store-backed tests run on both engines through the `db_target` fixture. PostgreSQL is the
one on 127.0.0.1:5432 (user postgres, trust auth), or NOTES_TEST_POSTGRES_URL. On CI it
must be there; elsewhere that half is skipped with the reason.

A PostgreSQL test's database is a copy of a template migrated once per run (`CREATE
DATABASE ... TEMPLATE`), which costs a fraction of migrating a fresh one each time. Tests
that build a store as an older notes left it ask for `empty_db_target` instead.
"""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from notes_core.engine import Store, open_store

if TYPE_CHECKING:
    import psycopg

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


def require_postgres() -> None:
    """Skip without a reachable PostgreSQL; on CI fail instead."""
    problem = postgres_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL half: {problem}")
        pytest.skip(problem)


def _database_url(name: str) -> str:
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    return f"{base}/{name}"


def _new_name() -> str:
    # A uuid in the name: parallel runs against one server never clash.
    return f"notes_test_{uuid.uuid4().hex[:12]}"


class PostgresDatabases:
    """Creates and drops this run's databases over two admin connections kept open.

    Copies of the template are made one ahead and drops run behind: the server builds the
    next test's database and drops the last one while the current test runs.
    """

    def __init__(self) -> None:
        import psycopg

        self.admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
        # Each runs one statement at a time in the background.
        self.copier = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
        self.dropper = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True)
        self.template: str | None = None
        self.next_copy: str | None = None
        self.dropping = False

    def create_empty(self) -> str:
        name = _new_name()
        self.admin.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop(self, name: str) -> None:
        """Start dropping `name`; the statement's outcome is checked at the next drop."""
        self._finish_drop()
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        self.dropper.pgconn.send_query(statement.encode())
        self.dropping = True

    def use_template(self, template: str) -> None:
        self.template = template
        self._start_copy()

    def copy(self) -> str:
        """A new database migrated to head: the copy in the making, once it is done."""
        name = self._finish_copy()
        self._start_copy()
        return name

    def close(self) -> None:
        if self.next_copy:
            self.drop(self._finish_copy())
        if self.template:
            self.drop(self.template)
        self._finish_drop()
        for connection in (self.copier, self.dropper, self.admin):
            connection.close()

    def _start_copy(self) -> None:
        self.next_copy = _new_name()
        statement = f'CREATE DATABASE "{self.next_copy}" TEMPLATE "{self.template}"'
        self.copier.pgconn.send_query(statement.encode())

    def _finish_copy(self) -> str:
        name, self.next_copy = self.next_copy, None
        assert name, "no copy of the template is being made"
        _wait_for(self.copier, "copy the template database")
        return name

    def _finish_drop(self) -> None:
        if self.dropping:
            self.dropping = False
            _wait_for(self.dropper, "drop a test database")


def _wait_for(connection: "psycopg.Connection[Any]", doing: str) -> None:
    """Wait for the statement sent on `connection`; raise if it failed."""
    from psycopg import pq

    errors = []
    while (result := connection.pgconn.get_result()) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK:
            errors.append(result.error_message.decode(errors="replace").strip())
    if errors:
        raise RuntimeError(f"cannot {doing}: {'; '.join(errors)}")


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """This run's PostgreSQL databases, with a template migrated to head once."""
    require_postgres()
    databases = PostgresDatabases()
    try:
        template = databases.create_empty()
        # close() disposes the engine: CREATE DATABASE ... TEMPLATE refuses a template
        # that any session is still connected to.
        open_store(_database_url(template)).close()
        databases.use_template(template)
        yield databases
    finally:
        databases.close()


@contextmanager
def postgres_database_from(databases: PostgresDatabases, *, empty: bool) -> Iterator[str]:
    """A database of its own (empty, or migrated to head), dropped afterwards; its URL."""
    name = databases.create_empty() if empty else databases.copy()
    try:
        yield _database_url(name)
    finally:
        databases.drop(name)


@pytest.fixture
def postgres_database(postgres_databases: PostgresDatabases) -> Iterator[str]:
    """A PostgreSQL store for one test, already migrated to head, dropped afterwards."""
    with postgres_database_from(postgres_databases, empty=False) as url:
        yield url


@pytest.fixture
def empty_postgres_database(postgres_databases: PostgresDatabases) -> Iterator[str]:
    """A PostgreSQL database with no tables at all, for building older stores."""
    with postgres_database_from(postgres_databases, empty=True) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated SQLite store made once per run, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "notes.db"
    open_store(str(path)).close()
    return path


@pytest.fixture(params=ENGINES)
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """What a user would pass as --db / NOTES_DB: a file path, or a PostgreSQL URL.

    Either way an existing, empty store (as PostgreSQL's copies of a template are), so a
    first command does not also say `Created a new store at ...`; tests of creating one
    use `empty_db_target` or `sqlite_path`."""
    if request.param == "sqlite":
        path = tmp_path / "store" / "notes.db"
        path.parent.mkdir(mode=0o700)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        path.chmod(0o600)
        return str(path)
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture(params=ENGINES)
def empty_db_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Like `db_target`, but nothing is in it yet: for migration tests that build an older
    store with Alembic before notes opens it."""
    if request.param == "sqlite":
        return str(tmp_path / "store" / "notes.db")
    return str(request.getfixturevalue("empty_postgres_database"))


@pytest.fixture(scope="module", params=ENGINES)
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """One store per engine shared by a whole module: for tests that only read it."""
    if request.param == "sqlite":
        opened = open_store(str(tmp_path_factory.mktemp("module") / "notes.db"))
        yield opened
        opened.close()
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    with postgres_database_from(databases, empty=False) as url:
        opened = open_store(url)
        yield opened
        opened.close()


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
