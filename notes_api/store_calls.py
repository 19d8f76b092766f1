"""How a request's work reaches the store, each where it costs least.

- PostgreSQL: every call runs on the event loop, its round trips to the server awaited on
  psycopg's async driver (notes_core/event_loop.py). A thread-pool hand-off per request
  cost more than the query itself.
- SQLite, a short read (one note by id): directly on the event loop. It is tens of
  microseconds of work; handing it to the thread pool wakes a worker thread and passes the
  GIL back and forth (a third of the server's samples under load, benchmarks/README.md,
  "api_load"). In WAL mode a reader never waits for the writer, and admission
  (admission.py) keeps the pool from running dry, so a connection is always there.
- SQLite, anything longer (a page, a search, a write of its own): in the thread pool. A
  page of 50 is over a millisecond of work (rows, dates, JSON); measured on the event loop
  it served fewer pages a second than from the thread pool, with a worse p99. Group-
  committed writes have a thread of their own (writes.py).
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from starlette.concurrency import run_in_threadpool

from notes_core.library import Notes

if TYPE_CHECKING:
    from notes_core.event_loop import LoopNotes

T = TypeVar("T")


class StoreCalls:
    """The app's way to call the library. Open it inside the event loop that serves."""

    def __init__(self, notes: Notes, on_loop: "LoopNotes | None") -> None:
        self.notes = notes
        self._on_loop = on_loop

    @classmethod
    def open(cls, notes: Notes, *, pool_size: int) -> "StoreCalls":
        if notes.store.is_sqlite:
            return cls(notes, None)
        # Here, not at the top: SQLite servers never load the asyncio extension.
        from notes_core.event_loop import LoopNotes

        return cls(notes, LoopNotes.open(notes, pool_size=pool_size))

    async def read(self, call: Callable[[Notes], T]) -> T:
        """`call(notes)`, a short read such as one note by id."""
        if self._on_loop is not None:
            return await self._on_loop.call(call)
        return call(self.notes)

    async def run(self, call: Callable[[Notes], T]) -> T:
        """`call(notes)`, any call of the library: a page, a search, a write."""
        if self._on_loop is not None:
            return await self._on_loop.call(call)
        return await run_in_threadpool(call, self.notes)

    async def close(self) -> None:
        if self._on_loop is not None:
            await self._on_loop.close()
