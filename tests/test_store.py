"""Opening a store: where it lives, how it is created, upgraded, and refused."""

import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from notes_core import repository
from notes_core.engine import open_store
from notes_core.errors import InvalidSettings, NotAStore, StoreError
from notes_core.location import default_db_path, describe, resolve_url
from notes_core.migrate import SCHEMA_HEAD, upgrade
from notes_core.session import session_scope
from notes_core.settings import Settings, allowed_hosts


def test_schema_head_constant_matches_the_newest_migration() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "notes_core:migrations")
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD


def test_new_sqlite_store_is_owner_only_with_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "notes.db"
    open_store(str(path)).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.parent.is_dir()


def test_sqlite_store_runs_wal_with_full_sync(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "n.db"))
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    store.close()


def test_notes_sync_normal_is_honoured_and_junk_refused(tmp_path: Path) -> None:
    settings = Settings.from_env({"NOTES_SYNC": "normal"}, db=str(tmp_path / "n.db"))
    store = open_store(settings)
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    store.close()
    with pytest.raises(InvalidSettings, match="NOTES_SYNC must be 'full' or 'normal'"):
        Settings.from_env({"NOTES_SYNC": "off"})


def test_default_location_is_in_the_user_data_dir(isolated_env: Path) -> None:
    expected = isolated_env / ".local" / "share" / "notes" / "notes.db"
    assert default_db_path() == expected
    assert describe(resolve_url(None)) == str(expected)


def test_cli_target_beats_env_beats_default() -> None:
    env = {"NOTES_DB": "/from/env.db"}
    assert Settings.from_env(env, db="/from/flag.db").db == "/from/flag.db"
    assert Settings.from_env(env, db=None).db == "/from/env.db"
    assert Settings.from_env({}).db is None  # the default file: resolve_url(None)


def test_settings_survive_the_trip_to_a_worker_and_back() -> None:
    settings = Settings.from_env(
        {"NOTES_SYNC": "normal", "NOTES_POOL_SIZE": "3", "NOTES_MAX_BODY": "1000"},
        db="/x/notes.db",
        token="t0ken",
        allowed_hosts=allowed_hosts(["notes.example"]),
    )
    assert Settings.from_env(settings.to_env()) == settings


def test_urls_are_accepted_and_passwords_masked() -> None:
    url = resolve_url("postgresql://alice:s3cret@db.example/notes")
    assert url.drivername == "postgresql+psycopg"
    assert describe(url) == "postgresql+psycopg://alice:***@db.example/notes"
    assert describe(resolve_url("sqlite:////tmp/x.db")) == "/tmp/x.db"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("mysql://root@localhost/db", "unsupported database 'mysql'"),
        ("sqlite://", "needs a file path"),
        ("://nothing", "is not a database URL"),
    ],
)
def test_unusable_targets_are_refused(target: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        resolve_url(target)


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "essay.txt"
    path.write_bytes(b"my thesis, do not overwrite\n" * 100)
    before = path.read_bytes()
    with pytest.raises(NotAStore, match="is not a notes store"):
        open_store(str(path))
    assert path.read_bytes() == before


def test_a_sqlite_file_of_another_app_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        connection.execute("INSERT INTO invoices VALUES (1, 9.5)")
    before = path.read_bytes()
    with pytest.raises(NotAStore, match="it has other tables"):
        open_store(str(path))
    assert path.read_bytes() == before


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotAStore, match="is a directory"):
        open_store(str(tmp_path))


def test_a_store_from_a_newer_notes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    open_store(str(path)).close()
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(NotAStore, match="newer version of notes"):
        open_store(str(path))


def create_at_revision(target: str, revision: str) -> None:
    """A store exactly as an older notes left it: migrated only to `revision`."""
    url = resolve_url(target)
    if url.get_backend_name() == "sqlite":
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    with engine.begin() as connection:
        upgrade(connection, target=revision)
    engine.dispose()


def test_store_from_revision_0001_is_upgraded_with_its_notes(empty_db_target: str) -> None:
    """The fixture for every later migration: a 0001 store with data in it."""
    db_target = empty_db_target
    create_at_revision(db_target, "0001")
    engine = create_engine(resolve_url(db_target))
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO notes (id, text, created_at, updated_at) VALUES "
                "(1, 'old kubernetes note', '2025-01-02 03:04:05.000006', "
                "'2025-01-02 03:04:05.000006'), "
                "(2, 'second one', '2025-01-03 00:00:00', '2025-01-03 00:00:00')"
            )
        )
        connection.execute(text("INSERT INTO tags (id, name) VALUES (1, 'ops')"))
        connection.execute(text("INSERT INTO note_tags (note_id, tag_id) VALUES (1, 1)"))
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('notes_id_seq', 2)"))
    engine.dispose()

    store = open_store(db_target)
    with session_scope(store) as session:
        old = repository.get(session, note_id=1)
        assert (old.text, old.tags) == ("old kubernetes note", ["ops"])
        assert old.created_at.isoformat() == "2025-01-02T03:04:05.000006+00:00"
        # The search index covers notes written before it existed.
        assert [hit.note.id for hit in repository.search(session, query="kubernetes")] == [1]
    with session_scope(store, write=True) as session:
        assert repository.add(session, text="new").id == 3
    with session_scope(store) as session:
        assert [hit.note.id for hit in repository.search(session, query="new")] == [3]
    with store.engine.connect() as connection:
        assert (
            connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == SCHEMA_HEAD
        )
    store.close()


def test_two_processes_creating_one_store_at_once_both_succeed(empty_db_target: str) -> None:
    db_target = empty_db_target
    script = (
        "import sys; from notes_core.engine import open_store; "
        "from notes_core.session import session_scope; from notes_core import repository\n"
        "store = open_store(sys.argv[1])\n"
        "with session_scope(store, write=True) as s: print(repository.add(s, text='hi').id)"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, db_target],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [process.communicate(timeout=60) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, results
    assert sorted(int(out) for out, _ in results) == [1, 2, 3, 4]
