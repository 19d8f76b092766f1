"""Admission: at most `limit` requests use the store at once; the others queue briefly.

Without it, every request took a thread of the thread pool (40) and then waited up to
30 s for one of the pool's connections: under a flood of slow searches, requests failed
with the pool's TimeoutError (a 500) and /healthz, queued behind them, went silent.
Here a request waits for its turn before it takes a thread or a connection, at most
`wait` seconds, and then gets 503 with `Retry-After`. The limit is the pool size, and
the pool holds as many connections again, so an admitted request never waits for a
connection and /healthz (which is not admitted, see routes/health.py) always finds one.

Writes that go through group commit (store_calls.py) use no connection of their own:
they all share the committer's. So together they hold one turn (`shared_turn`): the first
takes it, the others join it, the last to finish gives it back. A turn each would cap a
batch at half the pool (one batch committing, one filling), and the fsync would be shared
by fewer writes.
"""

import math
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import anyio
from fastapi import Request

from notes_api.store_calls import GROUP_COMMITTED
from notes_core.errors import StoreBusy

RETRY_AFTER_SECONDS = 1


class Admission:
    """Turns at the store, `limit` at a time. Create it inside the event loop."""

    def __init__(self, *, limit: int, wait: float) -> None:
        self.limit = limit
        self.wait = wait
        self._turns = anyio.Semaphore(limit)
        self._sharers = 0  # requests holding the shared turn now
        self._share = anyio.Lock()  # taken while the shared turn is being taken

    @property
    def in_use(self) -> int:
        """How many requests hold a turn now."""
        return self.limit - self._turns.value

    @asynccontextmanager
    async def turn(self, *, patient: bool = False) -> AsyncIterator[None]:
        """Hold a turn. Raises StoreBusy after `wait` seconds in the queue, unless
        `patient` (a response already under way has no way left to say 503)."""
        try:
            # A free turn is taken at once: no timer, no trip around the event loop (a
            # turn freed while others wait goes to the first of them, never to this).
            self._turns.acquire_nowait()
        except anyio.WouldBlock:
            acquired = False
            with anyio.move_on_after(math.inf if patient else self.wait):
                await self._turns.acquire()
                acquired = True
            if not acquired:
                raise _busy() from None
        try:
            yield
        finally:
            self._turns.release()

    @asynccontextmanager
    async def shared_turn(self) -> AsyncIterator[None]:
        """Hold the one turn that every group-committed write shares. Raises StoreBusy
        after `wait` seconds if no such write holds it and no turn frees up."""
        joined = False
        with anyio.move_on_after(self.wait):
            async with self._share:
                if self._sharers == 0:
                    await self._turns.acquire()
                self._sharers += 1
                joined = True
        if not joined:
            raise _busy()
        try:
            yield
        finally:
            self._sharers -= 1
            if self._sharers == 0:
                self._turns.release()


def _busy() -> StoreBusy:
    return StoreBusy(
        "the server is busy: too many requests are using the store at once; try again in a moment"
    )


def turn_for(request: Request) -> AbstractAsyncContextManager[None]:
    """The turn that `request`'s route takes: the shared one for a group-committed write,
    else one of its own."""
    admission: Admission = request.app.state.admission
    shares = request.app.state.calls.grouped and getattr(
        request.scope.get("endpoint"), GROUP_COMMITTED, False
    )
    return admission.shared_turn() if shares else admission.turn()


async def store_turn(request: Request) -> AsyncIterator[None]:
    """A dependency: the route's work on the store runs in a turn (group-committed writes
    in their shared one). Declared with scope="function", so the turn ends when the route
    returns, before the response is sent: a slow reader holds no turn."""
    async with turn_for(request):
        yield
