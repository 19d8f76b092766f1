"""How a request's work reaches the store, each where it costs least.

- PostgreSQL: every call runs on the event loop, its round trips to the server awaited on
  psycopg's async driver (notes_core/event_loop.py). A thread-pool hand-off per request
  cost more than the query itself. Concurrent transactions share their commits in the
  server itself.
- SQLite, a short read (one note by id): directly on the event loop. It is tens of
  microseconds of work; handing it to the thread pool wakes a worker thread and passes the
  GIL back and forth (a third of the server's samples under load, benchmarks/README.md,
  "api_load"). In WAL mode a reader never waits for the writer, and admission
  (admission.py) keeps the pool from running dry, so a connection is always there.
- SQLite, a write of one request: group commit (notes_core/group_commit.py). The request
  waits, on the event loop and without a thread of its own, until the transaction that
  holds its write has committed; requests that arrive together share that transaction's
  fsync. Callers check a write's input before they submit it, so that a bad note is
  answered at once (422) and never joins a batch.
- SQLite, anything else (a page, a search, an edit): in the thread pool. A page of 50 is
  over a millisecond of work (rows, dates, JSON); measured on the event loop it served
  fewer pages a second than from the thread pool, with a worse p99.
"""

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from starlette.concurrency import run_in_threadpool

from notes_core.group_commit import GroupCommit
from notes_core.library import Notes

if TYPE_CHECKING:
    from notes_core.event_loop import LoopNotes

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
# The attribute that marks an endpoint whose store work is one `StoreCalls.write`: on
# SQLite its requests share one turn at the store (admission.py).
GROUP_COMMITTED = "_notes_group_committed"


def group_committed(endpoint: F) -> F:
    """Mark an endpoint whose only work on the store is one `StoreCalls.write`."""
    setattr(endpoint, GROUP_COMMITTED, True)
    return endpoint


class StoreCalls:
    """The app's way to call the library. Open it inside the event loop that serves;
    `close()` at shutdown."""

    def __init__(self, notes: Notes, on_loop: "LoopNotes | None") -> None:
        self.notes = notes
        self._on_loop = on_loop
        self._group = GroupCommit(notes) if on_loop is None else None

    @classmethod
    def open(cls, notes: Notes, *, pool_size: int) -> "StoreCalls":
        if notes.store.is_sqlite:
            return cls(notes, None)
        # Here, not at the top: SQLite servers never load the asyncio extension.
        from notes_core.event_loop import LoopNotes

        return cls(notes, LoopNotes.open(notes, pool_size=pool_size))

    @property
    def grouped(self) -> bool:
        """Whether writes share transactions (on SQLite)."""
        return self._group is not None

    async def read(self, call: Callable[[Notes], T]) -> T:
        """`call(notes)`, a short read such as one note by id."""
        if self._on_loop is not None:
            return await self._on_loop.call(call)
        return call(self.notes)

    async def run(self, call: Callable[[Notes], T]) -> T:
        """`call(notes)`, any call of the library: a page, a search, an edit."""
        if self._on_loop is not None:
            return await self._on_loop.call(call)
        return await run_in_threadpool(call, self.notes)

    async def write(self, write: Callable[[Notes], T]) -> T:
        """`write(notes)`, a request's one write, answered once it is committed. Raises
        what `write` raises, or StoreError when its transaction fails."""
        if self._group is None:
            return await self.run(write)
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[T] = loop.create_future()

        def done(result: Any, error: BaseException | None) -> None:
            # On the committer's thread: the future is settled on the loop's.
            loop.call_soon_threadsafe(_settle, outcome, result, error)

        self._group.submit(write, done)
        return await outcome

    async def close(self) -> None:
        """Commit what is queued and let go of the store's connections (after the server
        has stopped taking requests)."""
        if self._group is not None:
            await run_in_threadpool(self._group.close)
        if self._on_loop is not None:
            await self._on_loop.close()


def _settle(outcome: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    if outcome.done():  # cancelled: the client went away; the write stands all the same
        return
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(result)
