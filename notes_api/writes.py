"""Writes from the event loop: group commit on SQLite, the async driver on PostgreSQL.

On SQLite, a write is handed to the store's `GroupCommit` (notes_core/group_commit.py) and
the request waits, on the event loop and without a thread of its own, until the
transaction that holds it has committed. Requests that arrive together share that
transaction's fsync. On PostgreSQL, whose server commits concurrent transactions
together itself, each write runs in a transaction of its own, on the event loop through
psycopg's async driver (store_calls.py).

Callers validate a write's input before they submit it, so that a bad note is answered
at once (422) and never joins a batch.
"""

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from notes_api.store_calls import StoreCalls
from notes_core.group_commit import GroupCommit
from notes_core.library import Notes

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])
# The attribute that marks an endpoint whose store work is one `Writes.run`: on SQLite its
# requests share one turn at the store (notes_api/admission.py).
GROUP_COMMITTED = "_notes_group_committed"


def group_committed(endpoint: F) -> F:
    """Mark an endpoint whose only work on the store is one `Writes.run`."""
    setattr(endpoint, GROUP_COMMITTED, True)
    return endpoint


class Writes:
    """The app's way to write. Create it inside the event loop; `close()` at shutdown."""

    def __init__(self, calls: StoreCalls) -> None:
        self._calls = calls
        self._group = GroupCommit(calls.notes) if calls.notes.store.is_sqlite else None

    @property
    def grouped(self) -> bool:
        """Whether writes share transactions (on SQLite)."""
        return self._group is not None

    async def run(self, write: Callable[[Notes], T]) -> T:
        """`write(notes)`, answered once it is committed. Raises what `write` raises, or
        StoreError when its transaction fails."""
        if self._group is None:
            return await self._calls.run(write)
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[T] = loop.create_future()

        def done(result: Any, error: BaseException | None) -> None:
            # On the committer's thread: the future is settled on the loop's.
            loop.call_soon_threadsafe(_settle, outcome, result, error)

        self._group.submit(write, done)
        return await outcome

    def close(self) -> None:
        """Commit what is queued and stop (after the server has stopped taking requests)."""
        if self._group is not None:
            self._group.close()


def _settle(outcome: "asyncio.Future[Any]", result: Any, error: BaseException | None) -> None:
    if outcome.done():  # cancelled: the client went away; the write stands all the same
        return
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(result)
