"""Group commit: writes that arrive together share one transaction, and so one fsync.

On SQLite with `synchronous=FULL` a commit is an fsync, and a store written one note per
transaction can commit no faster than the disk syncs (benchmarks/README.md, "api_load").
A `GroupCommit` runs writes on a thread of its own: it takes every write queued while the
previous transaction was committing, runs them in one `BEGIN IMMEDIATE ... COMMIT`, and only
then tells each its outcome. So a write is acknowledged only once the commit that holds it
is durable; durability is what it was, and the cost of the fsync is shared.

Failures stay with whoever caused them:

- a database failure (busy, disk full, read-only, a statement refused, ...) fails
  exactly the writes of that transaction, which is rolled back;
- any other error of one write (a NotesError such as InvalidNote or NoteNotFound, or a
  bug) fails that write only: the transaction is rolled back and the other writes of the
  batch run again in a new one. Callers validate their input before they submit, so this
  is the exception, not the rule.

The SQL is the library's: each write is a function of a `Notes` bound to the shared
transaction (`Notes.transaction(write=True)`).
"""

import threading
from collections import deque
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError

from notes_core.errors import StoreError
from notes_core.library import Notes

# A write's outcome, told once its transaction has committed or failed: (result, None) or
# (None, the exception). Called on the committer's thread: it must not block.
Done = Callable[[Any, BaseException | None], None]
# Enough to share an fsync among every request a server admits at once, small enough that
# one transaction never holds the write lock for long.
MAX_BATCH = 256


@dataclass
class _Write:
    run: Callable[[Notes], Any]
    done: Done


class _OneFailed(Exception):
    """Raised inside the shared transaction to roll it back when one write failed."""


class GroupCommit:
    """A committer thread for one open store. `close()` runs what is queued, then stops."""

    def __init__(self, notes: Notes, *, max_batch: int = MAX_BATCH) -> None:
        self._notes = notes
        self._max_batch = max_batch
        self._queue: deque[_Write] = deque()
        self._ready = threading.Condition()
        self._closed = False
        # How many transactions committed, and how many writes they held: for benchmarks
        # and tests (writes / commits is the mean batch).
        self.commits = 0
        self.committed = 0
        # A daemon: an interpreter that exits without close() is not held up by it.
        self._thread = threading.Thread(target=self._serve, name="notes-group-commit", daemon=True)
        self._thread.start()

    def submit(self, run: Callable[[Notes], Any], done: Done) -> None:
        """Queue `run(notes)`, a write on a `Notes` bound to the shared transaction;
        `done(result, error)` is called once that transaction has committed (or failed)."""
        with self._ready:
            if self._closed:
                raise RuntimeError("the group commit is closed")
            self._queue.append(_Write(run, done))
            self._ready.notify()

    def close(self) -> None:
        """Run every write queued so far, then stop the thread."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        self._thread.join()

    def _serve(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._closed:
                    self._ready.wait()
                if not self._queue:
                    return  # closed, and nothing left to write
                size = min(len(self._queue), self._max_batch)
                batch = [self._queue.popleft() for _ in range(size)]
            self._commit(batch)

    def _commit(self, batch: list[_Write]) -> None:
        """Run `batch` in one transaction and tell every write its outcome."""
        while batch:
            results: list[Any] = []
            failed: tuple[int, BaseException] | None = None
            try:
                with self._notes.transaction(write=True) as bound:
                    for index, write in enumerate(batch):
                        try:
                            results.append(write.run(bound))
                        except (StoreError, DBAPIError):
                            raise  # the database failed: the whole transaction did
                        except Exception as exc:
                            failed = (index, exc)
                            raise _OneFailed from exc
            except _OneFailed:
                assert failed is not None
                index, error = failed
                _tell(batch.pop(index), None, error)
                continue  # the others again, in a new transaction
            except Exception as error:
                # The database failed this transaction (rolled back): all of it, no more.
                for write in batch:
                    _tell(write, None, error)
                return
            self.commits += 1
            self.committed += len(batch)
            for write, result in zip(batch, results, strict=True):
                _tell(write, result, None)
            return


def _tell(write: _Write, result: Any, error: BaseException | None) -> None:
    # A caller gone (its event loop closed) must not stop the thread or the others.
    with suppress(Exception):
        write.done(result, error)
