"""Admission: at most `limit` requests use the store at once; the others queue briefly.

Without it, every request took a thread of the thread pool (40) and then waited up to
30 s for one of the pool's connections: under a flood of slow searches, requests failed
with the pool's TimeoutError (a 500) and /healthz, queued behind them, went silent.
Here a request waits for its turn before it takes a thread or a connection, at most
`wait` seconds, and then gets 503 with `Retry-After`. The limit is the pool size, and
the pool holds as many connections again, so an admitted request never waits for a
connection and /healthz (which is not admitted, see routes/health.py) always finds one.
"""

import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import ParamSpec, TypeVar

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool

from notes_core.errors import StoreBusy

P = ParamSpec("P")
T = TypeVar("T")
RETRY_AFTER_SECONDS = 1


class Admission:
    """Turns at the store, `limit` at a time. Create it inside the event loop."""

    def __init__(self, *, limit: int, wait: float) -> None:
        self.limit = limit
        self.wait = wait
        self._turns = anyio.Semaphore(limit)

    @property
    def in_use(self) -> int:
        """How many requests hold a turn now."""
        return self.limit - self._turns.value

    @asynccontextmanager
    async def turn(self, *, patient: bool = False) -> AsyncIterator[None]:
        """Hold a turn. Raises StoreBusy after `wait` seconds in the queue, unless
        `patient` (a response already under way has no way left to say 503)."""
        acquired = False
        with anyio.move_on_after(math.inf if patient else self.wait):
            await self._turns.acquire()
            acquired = True
        if not acquired:
            raise StoreBusy(
                "the server is busy: too many requests are using the store at once; "
                "try again in a moment"
            )
        try:
            yield
        finally:
            self._turns.release()

    async def run(self, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """`call(...)` in the thread pool, in a turn of its own (waiting patiently)."""
        async with self.turn(patient=True):
            return await run_in_threadpool(call, *args, **kwargs)


async def store_turn(request: Request) -> AsyncIterator[None]:
    """A dependency: the route's work on the store runs in a turn. Declared with
    scope="function", so the turn ends when the route returns, before the response is
    sent: a slow reader holds no turn."""
    admission: Admission = request.app.state.admission
    async with admission.turn():
        yield
