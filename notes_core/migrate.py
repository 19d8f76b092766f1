"""Schema versioning: a cheap check on every open, Alembic only when an upgrade is due."""

from typing import TYPE_CHECKING

from sqlalchemy import Connection, text

from notes_core.db_errors import translated
from notes_core.errors import NotAStore, StoreError

if TYPE_CHECKING:
    from notes_core.engine import Store

# Kept equal to the newest file in notes_core/migrations/versions (a test checks it), so
# that opening an up-to-date store never imports Alembic.
SCHEMA_HEAD = "0007"
# Any key works as long as every notes process uses the same one.
POSTGRES_MIGRATION_LOCK = 0x6E6F746573  # "notes"


def ensure_schema(store: "Store", *, prepare: bool = True) -> None:
    """Create the schema on an empty store or upgrade an older one; raise NotAStore when
    the target holds something else. With `prepare=False`, a store that would need either
    is a StoreError, and nothing is changed."""
    with translated(store.url, action="open"):
        with store.engine.connect() as connection:
            revision = _revision(connection, store)
            if store.is_sqlite:
                _use_wal(connection)
            if revision == SCHEMA_HEAD:
                return
        if not prepare:
            raise StoreError(f"{store.location} is not an up-to-date notes store")
        with store.write_engine.connect() as connection, connection.begin():
            if not store.is_sqlite:
                # Two servers starting at once on an empty database take turns.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_MIGRATION_LOCK}
                )
            revision = _revision(connection, store)
            if revision != SCHEMA_HEAD:
                upgrade(connection, target="head")


def _revision(connection: Connection, store: "Store") -> str | None:
    """The store's schema revision; None for an empty store; NotAStore for anything else."""
    if store.is_sqlite:
        query = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        query = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    tables = set(connection.execute(text(query)).scalars())
    if "alembic_version" not in tables:
        if tables:
            raise NotAStore(
                f"{store.location} is not a notes store (it has other tables); left untouched"
            )
        return None
    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is not None and revision > SCHEMA_HEAD:
        raise NotAStore(
            f"{store.location} was written by a newer version of notes (schema {revision}); "
            "upgrade notes to use it"
        )
    if revision is not None and not revision.isdigit():
        raise NotAStore(f"{store.location} is not a notes store (foreign schema); left untouched")
    return revision


def _use_wal(connection: Connection) -> None:
    """WAL lets the CLI and a server share the file; it persists in the file once set.
    Only called once the file is known to be ours (or empty)."""
    journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
    connection.commit()
    if journal_mode != "wal":
        # Outside any transaction: the driver connection is in autocommit mode.
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA journal_mode = WAL")


def upgrade(connection: Connection, *, target: str) -> None:
    """Run Alembic on `connection`, inside the caller's transaction."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "notes_core:migrations")
    config.attributes["connection"] = connection
    command.upgrade(config, target)
