"""Sessions come from here: one scope is one transaction, committed or rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from notes_core.engine import Store, is_store_failure, store_error
from notes_core.errors import StoreBusy


@contextmanager
def session_scope(store: Store, *, write: bool = False) -> Iterator[Connection]:
    """Yield a connection in one transaction; commit on success, roll back on any error.

    Write scopes take the write lock at BEGIN on SQLite. Database failures (busy,
    read-only, disk full, server gone) surface as StoreError; a pool with no free
    connection for its whole timeout as StoreBusy.
    """
    engine = store.write_engine if write else store.engine
    queue = store.write_lock if write and store.is_sqlite else nullcontext()
    try:
        with queue, engine.begin() as connection:
            yield connection
    except PoolTimeout:
        # Load, not a fault: every pooled connection stayed in use for the pool's timeout.
        raise StoreBusy(
            f"the store at {store.location} is busy: every connection is in use; "
            "try again in a moment"
        ) from None
    except DBAPIError as exc:
        if not is_store_failure(exc):
            raise  # a constraint or SQL error is a bug: let it fail loudly
        raise store_error(exc, store, action="write to" if write else "read") from None
