"""The library on an event loop without a thread per call: PostgreSQL through psycopg's
async driver.

A server answers its requests on one event loop. Handing each call of the library to a
thread pool cost more than the query itself: a thread wake-up and GIL hand-offs per
request (benchmarks/README.md, "api_load"). `LoopNotes` runs each call in a greenlet
(SQLAlchemy's asyncio extension): the same `Notes` code and the same SQL, but every round
trip to the server is awaited on the event loop, so other requests go on meanwhile.

Only for PostgreSQL: SQLite has no network round trip to wait for, and its writes go
through group commit (notes_core/group_commit.py).
"""

import importlib.util
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.util import greenlet_spawn

from notes_core.engine import Store, postgres_pool_options
from notes_core.errors import StoreUnavailable
from notes_core.library import Notes

# One command that makes both the CLI and a server work on PostgreSQL.
INSTALL_HINT = "pip install 'psycopg[binary]' 'sqlalchemy[asyncio]'"

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

T = TypeVar("T")


class LoopNotes:
    """A PostgreSQL store opened for one event loop. Open and close it on that loop."""

    def __init__(self, engine: "AsyncEngine") -> None:
        self._engine = engine
        self._notes = Notes(Store(url=engine.url, engine=engine.sync_engine))

    @classmethod
    def open(cls, notes: Notes, *, pool_size: int) -> "LoopNotes":
        """The store that `notes` has open (already prepared), on psycopg's async driver,
        with a pool of its own."""
        if notes.store.is_sqlite:
            raise ValueError("LoopNotes is for PostgreSQL stores")
        check_available()
        # Imported only now: without greenlet, importing the extension itself fails.
        from sqlalchemy.ext.asyncio import create_async_engine

        engine = create_async_engine(notes.store.url, **postgres_pool_options(pool_size))
        return cls(engine)

    async def call(self, call: Callable[[Notes], T]) -> T:
        """`call(notes)`, its database round trips awaited on the running loop. Raises
        what `call` raises."""
        return await greenlet_spawn(call, self._notes)

    async def close(self) -> None:
        await self._engine.dispose()


def check_available() -> None:
    """Raises StoreUnavailable unless greenlet, which the asyncio extension runs on, is
    installed (the `postgres` extra brings it; a bare `pip install psycopg` does not)."""
    if importlib.util.find_spec("greenlet") is None:
        raise StoreUnavailable(
            "serving a PostgreSQL store needs SQLAlchemy's asyncio support: run  "
            f"{INSTALL_HINT}  in the Python environment that runs notes"
        )
