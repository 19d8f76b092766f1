"""The engine: opens a store, configures SQLite once, and applies migrations."""

import os
import sqlite3
import stat
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.engine import URL
from sqlalchemy.exc import NoSuchModuleError

from notes_core.db_errors import translated
from notes_core.errors import NotAStore, StoreError, StoreUnavailable
from notes_core.location import describe, resolve_url
from notes_core.migrate import ensure_schema
from notes_core.settings import Settings

BUSY_TIMEOUT_MS = 15_000
SQLITE_HEADER = b"SQLite format 3\x00"
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")


@dataclass
class Store:
    """An open store: one engine, seen through a read view and a write view."""

    url: URL
    engine: Engine
    write_engine: Engine = field(init=False)
    read_engine: Engine = field(init=False)
    statement_engine: Engine = field(init=False)
    # SQLite has one writer at a time. Threads of one process queue here, in order,
    # instead of polling the file lock in SQLite's busy handler, whose growing sleeps gave
    # seconds-long tails under 16 concurrent writers. Other processes still queue on the
    # busy timeout.
    write_lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    # Whether opening it made a new store (a new or empty SQLite file, a PostgreSQL
    # database without tables): a mistyped --db would otherwise go unnoticed. The core
    # only records it; each door decides whether to say so.
    created: bool = False

    def __post_init__(self) -> None:
        # A second view on the same pool: write transactions start with BEGIN IMMEDIATE.
        self.write_engine = self.engine.execution_options(notes_write=True)
        # Reads see one snapshot however many statements they run (a listing's pinned
        # and other notes, an export's batches). SQLite's read transactions already do;
        # PostgreSQL's default, READ COMMITTED, takes a new snapshot per statement, so a
        # pin or an edit committed between two of them could show a note twice or not at
        # all. Read-only REPEATABLE READ never fails to serialise, and psycopg sends it
        # with the BEGIN: no extra round trip.
        self.read_engine = (
            self.engine
            if self.is_sqlite
            else self.engine.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        )
        # A read of one statement needs no transaction around it: a statement is atomic and
        # sees one snapshot by itself. BEGIN and COMMIT cost a third of reading one note on
        # SQLite, and two of its four round trips on PostgreSQL.
        self.statement_engine = self.engine.execution_options(
            **(
                {"notes_one_statement": True}
                if self.is_sqlite
                else {"isolation_level": "AUTOCOMMIT"}
            )
        )

    @property
    def location(self) -> str:
        return describe(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def holds_file(self, path: str | os.PathLike[str]) -> bool:
        """Whether `path` is the SQLite file of this store, or one of its companion files
        (`-wal`, `-shm`, `-journal`): writing there would destroy the store."""
        if not self.is_sqlite:
            return False
        target = os.path.realpath(path)
        database = os.path.realpath(str(self.url.database))
        return target in {database, *(database + suffix for suffix in SQLITE_COMPANIONS)}

    def ping(self) -> None:
        """Check that the store answers a query. Raises StoreError (StoreBusy when every
        connection stays in use)."""
        # The pool itself, in its own short transaction: a health check needs no snapshot.
        with translated(self.url, action="read"), self.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1").scalar()


def open_store(settings: Settings | str | None = None, *, prepare: bool = True) -> Store:
    """Open the store that `settings.db` names (a plain string is that target; None the
    default file in the user data dir), creating or upgrading it; with `prepare=False`,
    only a store that exists and is up to date, changing nothing (StoreError otherwise).

    Raises StoreError (or NotAStore / StoreUnavailable) when it cannot be used.
    """
    if not isinstance(settings, Settings):
        settings = Settings(db=settings)
    url = resolve_url(settings.db)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        if not prepare and not (path.is_file() and path.stat().st_size > 0):
            raise StoreError(f"no store at {path}")
        created = _prepare_sqlite_file(path)
        engine = _sqlite_engine(url, pool_size=settings.pool_size, sync=settings.sync)
    else:
        engine = _postgres_engine(url, pool_size=settings.pool_size)
    store = Store(url=url, engine=engine)
    try:
        if not store.is_sqlite:
            created = _holds_no_tables(store)
        ensure_schema(store, prepare=prepare)
    except BaseException:
        store.close()
        raise
    store.created = created
    return store


def _holds_no_tables(store: Store) -> bool:
    """Whether the PostgreSQL database is empty, so that ensure_schema will create the
    store in it. (Two first opens at once may both say so; only one migrates.)"""
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
    with translated(store.url, action="open"), store.engine.connect() as connection:
        return connection.exec_driver_sql(query).scalar() == 0


def _prepare_sqlite_file(path: Path) -> bool:
    """Create a new store file owner-only, or check an existing one is a SQLite database.
    Returns whether the store is new: the file was created, or was empty.

    Nothing but a regular file is ever opened: reading a FIFO would wait for a writer
    forever, and a device or a socket is no store.
    """
    if path.is_dir():
        raise NotAStore(f"{path} is a directory, not a notes store")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise StoreError(f"cannot create the store at {path}: {exc.strerror}") from None
    else:
        os.close(fd)
        return True
    try:
        _check_regular(path, os.stat(path).st_mode)
        # Non-blocking, and checked again on the open file, in case another file was put
        # in its place since the stat.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with os.fdopen(fd, "rb") as file:
            _check_regular(path, os.fstat(file.fileno()).st_mode)
            header = file.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise StoreError(f"cannot read the store at {path}: {exc.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise NotAStore(f"{path} is not a notes store (not a SQLite database); left untouched")
    return not header


FILE_KINDS = [
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
]


def _check_regular(path: Path, mode: int) -> None:
    """Raise NotAStore, naming what `path` is, unless it is a regular file."""
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in FILE_KINDS if test(mode)), "a special file")
    raise NotAStore(f"{path} is {kind}, not a notes store; left untouched")


class _IndexHintingSQLiteCompiler(SQLiteCompiler):
    """SQLite's compiler, also writing `Select.with_hint(table, "INDEXED BY ...", "sqlite")`
    after the table's name (SQLAlchemy leaves table hints to each dialect; SQLite's drops
    them). SQLite's planner never picks a partial index to walk the rowid order, even
    with statistics, so the live-notes listing names it (repository.notes.filter_scope)."""

    def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
        return text


def _sqlite_engine(url: URL, *, pool_size: int, sync: str) -> Engine:
    synchronous = sync.upper()
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    if sys.version_info >= (3, 12):
        # autocommit=False would ignore foreign_keys and break BEGIN IMMEDIATE and WAL.
        connect_args["autocommit"] = sqlite3.LEGACY_TRANSACTION_CONTROL
    # As many connections again in overflow as in the pool, as on PostgreSQL: the API
    # admits `pool_size` requests at once, so /healthz always finds a connection.
    engine = create_engine(
        url, connect_args=connect_args, pool_size=pool_size, max_overflow=pool_size
    )
    engine.dialect.statement_compiler = _IndexHintingSQLiteCompiler

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Hand transaction control to the begin hook below (SQLAlchemy's pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("notes_one_statement", False):
            return  # Store.statement_engine: the statement is its own transaction
        # Writers take the write lock up front, so a read-then-write never loses an update
        # and never fails half-way with "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("notes_write") else "BEGIN")

    return engine


def postgres_pool_options(pool_size: int) -> dict[str, Any]:
    """The pool and connection settings of every PostgreSQL engine, sync or async."""
    return {
        "pool_size": pool_size,
        "max_overflow": pool_size,
        "pool_pre_ping": True,
        "connect_args": {"connect_timeout": 10},
    }


def _postgres_engine(url: URL, *, pool_size: int) -> Engine:
    try:
        return create_engine(url, **postgres_pool_options(pool_size))
    except (NoSuchModuleError, ModuleNotFoundError):
        raise StoreUnavailable(
            # Not 'notes[postgres]': on the package index `notes` is another project.
            "PostgreSQL support is not installed: run  "
            "pip install 'psycopg[binary]' 'sqlalchemy[asyncio]'  "
            "in the Python environment that runs notes"
        ) from None
