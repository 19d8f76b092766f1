"""Short reads of the store, run where they cost least.

A read of one note from SQLite is tens of microseconds of work. Handing it to the thread
pool (what FastAPI does with a `def` endpoint) wakes a worker thread and passes the GIL back
and forth: under a loaded machine that was a third of the server's samples (py-spy, see
benchmarks/README.md, "api_load"). So on SQLite such reads run on the event loop itself,
from `async def` endpoints. That is safe because in WAL mode a reader never waits for the
writer (busy waits are for writers), and admission (admission.py) keeps the pool from
running dry, so a connection is always there without waiting.

Only reads of one note by id qualify. A page of 50 is over a millisecond of work (rows,
dates, JSON), and measured on the event loop it served fewer pages a second than from the
thread pool, with a worse p99; search and tag filters may run longer still. Everything on
PostgreSQL also stays in the thread pool: each query is a network round trip, which would
stall every other request.
"""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from starlette.concurrency import run_in_threadpool

from notes_core.library import Notes

P = ParamSpec("P")
T = TypeVar("T")


async def read(notes: Notes, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(...)`, a short read of `notes`: directly on SQLite, in the thread pool
    otherwise."""
    if notes.store.is_sqlite:
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)
