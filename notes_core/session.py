"""Sessions come from here: one scope is one transaction, committed or rolled back."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from notes_core.engine import Store, is_store_failure, store_error


@contextmanager
def session_scope(store: Store, *, write: bool = False) -> Iterator[Session]:
    """Yield a session in one transaction; commit on success, roll back on any error.

    Write scopes take the write lock at BEGIN on SQLite. Database failures (locked,
    read-only, disk full, server gone) surface as StoreError.
    """
    bind = store.write_engine if write else store.engine
    session = Session(bind=bind, expire_on_commit=False, autoflush=False)
    try:
        yield session
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        if not is_store_failure(exc):
            raise  # a constraint or SQL error is a bug: let it fail loudly
        raise store_error(exc, store, action="write to" if write else "read") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
