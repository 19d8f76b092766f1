"""Database failures, translated in one place into StoreError and its kinds.

Classified by SQLite's result code and PostgreSQL's SQLSTATE (and whether it failed while
connecting), never by the text of a message. What is not a failure of the store itself (a
constraint or a SQL error) is a bug: it is re-raised, to fail loudly.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from notes_core.errors import NotAStore, StoreBusy, StoreError, StoreUnavailable
from notes_core.location import describe

# Primary result codes (the low byte of an extended one).
SQLITE_NOT_A_STORE = frozenset({sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT})
SQLITE_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
SQLITE_FILE_OR_DISK = frozenset(
    {
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
    }
)
# SQLSTATEs and classes of the server's state rather than our SQL.
PG_NO_DATABASE = "3D000"
PG_AUTH_CLASS = "28"
PG_BUSY = frozenset({"40001", "40P01", "55P03", "57014", "53300"})  # retry, too many clients
PG_UNAVAILABLE_CLASSES = frozenset({"08", "57"})  # connection lost, server shutting down
PG_STORE_CLASSES = frozenset({"53", "58", "XX"})  # resources, system, internal errors
PG_STORE_STATES = frozenset({"25006", "42501"})  # read-only transaction, no privilege


@contextmanager
def translated(url: URL, *, action: str) -> Iterator[None]:
    """Run a block whose database failures surface as StoreError; `action` completes
    "cannot ... the store" ("read", "write to", "open")."""
    try:
        yield
    except PoolTimeout:
        # Load, not a fault: every pooled connection stayed in use for the pool's timeout.
        raise StoreBusy(
            f"the store at {describe(url)} is busy: every connection is in use; "
            "try again in a moment"
        ) from None
    except DBAPIError as exc:
        error = store_error(exc, url, action=action)
        if error is None:
            raise
        raise error from None


def store_error(exc: DBAPIError, url: URL, *, action: str) -> StoreError | None:
    """The StoreError for a failure of the store, or None for a bug of ours."""
    if url.get_backend_name() == "sqlite":
        return _sqlite_error(exc, url, action=action)
    return _postgres_error(exc, url, action=action)


def _reason(exc: DBAPIError) -> str:
    """The driver's first line, for people: never SQL or parameters."""
    if exc.orig is None:
        return type(exc).__name__
    lines = str(exc.orig).strip().splitlines()
    return (lines[0] if lines else type(exc.orig).__name__).removeprefix("connection failed: ")


def _sqlite_error(exc: DBAPIError, url: URL, *, action: str) -> StoreError | None:
    code = getattr(exc.orig, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    location, reason = describe(url), _reason(exc)
    if primary in SQLITE_NOT_A_STORE:
        return NotAStore(f"{location} is not a notes store ({reason}); left untouched")
    if primary in SQLITE_BUSY:
        return StoreBusy(f"cannot {action} the store at {location}: {reason}; try again")
    if primary in SQLITE_FILE_OR_DISK or exc.statement is None:
        return StoreError(f"cannot {action} the store at {location}: {reason}")
    return None


def _postgres_error(exc: DBAPIError, url: URL, *, action: str) -> StoreError | None:
    state: str | None = getattr(exc.orig, "sqlstate", None)
    location, reason = describe(url), _reason(exc)
    if state == PG_NO_DATABASE:
        return StoreUnavailable(
            f"cannot open the store at {location}: {reason}; "
            f"create it first (createdb {url.database})"
        )
    if state is not None and state.startswith(PG_AUTH_CLASS):
        return StoreUnavailable(
            f"cannot open the store at {location}: {reason}; check the user and password"
        )
    if state in PG_BUSY:
        return StoreBusy(f"cannot {action} the store at {location}: {reason}; try again")
    if exc.statement is None:  # it failed while connecting, before any SQL of ours ran
        if isinstance(exc, ProgrammingError):  # libpq refused the URL's options
            return StoreError(
                f"cannot open the store at {location}: {reason}; check the URL's options"
            )
        if _database_missing(url):
            return StoreUnavailable(
                f"cannot open the store at {location}: the server has no database "
                f"{url.database!r}; create it first (createdb {url.database})"
            )
        return StoreUnavailable(
            f"cannot reach the store at {location}: {reason}; is the server running?"
        )
    # No SQLSTATE on an OperationalError: the client lost the server (psycopg sets one on
    # every error the server reports).
    lost = state is None and isinstance(exc, OperationalError | InterfaceError)
    if lost or exc.connection_invalidated or (state or "")[:2] in PG_UNAVAILABLE_CLASSES:
        return StoreUnavailable(
            f"cannot reach the store at {location}: {reason}; is the server running?"
        )
    if state is not None and (state[:2] in PG_STORE_CLASSES or state in PG_STORE_STATES):
        return StoreError(f"cannot {action} the store at {location}: {reason}")
    return None


def _database_missing(url: URL) -> bool:
    """Whether the server answers but has no database of that name. libpq reports a failed
    connection without a SQLSTATE, so the server's own catalog is asked instead (through
    its `postgres` database), rather than reading the message."""
    import psycopg

    if not url.database or url.database == "postgres":
        return False
    maintenance = url.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(
            maintenance.render_as_string(hide_password=False), connect_timeout=5
        ) as connection:
            found = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)
            ).fetchone()
    except psycopg.Error:
        return False  # unreachable, or not allowed to look: say what we know
    return found is None
