"""Transactions come from here: one scope is one transaction, committed or rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection

from notes_core.db_errors import translated
from notes_core.engine import Store


@contextmanager
def session_scope(store: Store, *, write: bool = False) -> Iterator[Connection]:
    """Yield a connection in one transaction; commit on success, roll back on any error.

    Write scopes take the write lock at BEGIN on SQLite. Database failures (busy,
    read-only, disk full, server gone) surface as StoreError; a pool with no free
    connection for its whole timeout as StoreBusy (notes_core.db_errors).
    """
    engine = store.write_engine if write else store.read_engine
    queue = store.write_lock if write and store.is_sqlite else nullcontext()
    action = "write to" if write else "read"
    with translated(store.url, action=action), queue, engine.begin() as connection:
        yield connection


@contextmanager
def statement_scope(store: Store) -> Iterator[Connection]:
    """Yield a connection for a read of one statement, which is its own transaction (see
    Store.statement_engine). Failures surface as in session_scope."""
    with translated(store.url, action="read"), store.statement_engine.connect() as connection:
        yield connection
