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
from sqlalchemy.engine import URL
from sqlalchemy.exc import (
    DatabaseError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)

from notes_core.errors import NotAStore, StoreError, StoreUnavailable
from notes_core.location import describe, resolve_url

BUSY_TIMEOUT_MS = 15_000
SYNC_ENV_VAR = "NOTES_SYNC"
SQLITE_HEADER = b"SQLite format 3\x00"
# Primary result codes that mean the file or the disk, not our SQL: PERM, BUSY, LOCKED,
# NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, PROTOCOL, NOTADB.
SQLITE_STORE_FAILURES = frozenset({3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 26})


@dataclass
class Store:
    """An open store: one engine, seen through a read view and a write view."""

    url: URL
    engine: Engine
    write_engine: Engine = field(init=False)
    # SQLite has one writer at a time. Threads of one process queue here, in order,
    # instead of polling the file lock in SQLite's busy handler, whose growing sleeps gave
    # seconds-long tails under 16 concurrent writers. Other processes still queue on the
    # busy timeout.
    write_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        # A second view on the same pool: write transactions start with BEGIN IMMEDIATE.
        self.write_engine = self.engine.execution_options(notes_write=True)

    @property
    def location(self) -> str:
        return describe(self.url)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Check that the store answers a query. Raises StoreError (StoreBusy when every
        connection stays in use)."""
        from notes_core.session import session_scope  # which builds on this module

        with session_scope(self) as connection:
            connection.exec_driver_sql("SELECT 1").scalar()


def open_store(target: str | None = None, *, pool_size: int = 5) -> Store:
    """Open the store at `target` (or NOTES_DB, or the default), creating or upgrading it.

    Raises StoreError (or NotAStore / StoreUnavailable) when it cannot be used.
    """
    url = resolve_url(target)
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite_file(Path(str(url.database)))
        engine = _sqlite_engine(url, pool_size=pool_size)
    else:
        engine = _postgres_engine(url, pool_size=pool_size)
    store = Store(url=url, engine=engine)
    try:
        from notes_core.migrate import ensure_schema

        ensure_schema(store)
    except BaseException:
        store.close()
        raise
    return store


def _prepare_sqlite_file(path: Path) -> None:
    """Create a new store file owner-only, or check an existing one is a SQLite database.

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
        return
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


def _sqlite_synchronous() -> str:
    value = os.environ.get(SYNC_ENV_VAR, "full").strip().lower()
    if value not in ("full", "normal"):
        raise StoreError(f"{SYNC_ENV_VAR} must be 'full' or 'normal', not {value!r}")
    return value.upper()


def _sqlite_engine(url: URL, *, pool_size: int) -> Engine:
    synchronous = _sqlite_synchronous()
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_MS / 1000}
    if sys.version_info >= (3, 12):
        # autocommit=False would ignore foreign_keys and break BEGIN IMMEDIATE and WAL.
        connect_args["autocommit"] = sqlite3.LEGACY_TRANSACTION_CONTROL
    # As many connections again in overflow as in the pool, as on PostgreSQL: the API
    # admits `pool_size` requests at once, so /healthz always finds a connection.
    engine = create_engine(
        url, connect_args=connect_args, pool_size=pool_size, max_overflow=pool_size
    )

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
        # Writers take the write lock up front, so a read-then-write never loses an update
        # and never fails half-way with "database is locked".
        write = connection.get_execution_options().get("notes_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(url: URL, *, pool_size: int) -> Engine:
    try:
        return create_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"connect_timeout": 10},
        )
    except (NoSuchModuleError, ModuleNotFoundError):
        raise StoreUnavailable(
            "PostgreSQL support is not installed: run  pip install 'notes[postgres]'"
        ) from None


def store_error(exc: DBAPIError, store: Store, *, action: str) -> StoreError:
    """Describe a database failure in one line, without SQL or parameters."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__
    reason = reason.removeprefix("connection failed: ")
    if not store.is_sqlite and "does not exist" in reason and "database" in reason:
        return StoreUnavailable(
            f"cannot open the store at {store.location}: {reason}; "
            f"create it first (createdb {store.url.database})"
        )
    if not store.is_sqlite and "invalid connection option" in reason:
        return StoreError(
            f"cannot open the store at {store.location}: {reason}; check the URL's options"
        )
    if not store.is_sqlite and ("connect" in reason.lower() or exc.connection_invalidated):
        return StoreUnavailable(
            f"cannot reach the store at {store.location}: {reason}; is the server running?"
        )
    if "not a database" in reason or "malformed" in reason:
        return NotAStore(f"{store.location} is not a notes store ({reason}); left untouched")
    return StoreError(f"cannot {action} the store at {store.location}: {reason}")


def is_store_failure(exc: DBAPIError) -> bool:
    """True for failures of the store itself (busy, read-only, full, unreachable, corrupt),
    as opposed to a constraint or SQL error, which is a bug and must fail loudly."""
    if exc.statement is None:
        return True  # it failed while connecting, before any SQL of ours ran
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in SQLITE_STORE_FAILURES
    return isinstance(exc, OperationalError | InterfaceError) or type(exc) is DatabaseError
