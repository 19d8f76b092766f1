"""`Notes`: the one way into a store, for the CLI, the API and a user's own script.

    from notes_core import Notes

    with Notes.open("notes.db") as notes:
        note = notes.add("buy oat milk", tags=["errands"])
        print([hit.note.id for hit in notes.search("milk")])

Each method is one transaction. `transaction(write=True)` gives a `Notes` bound to one
transaction, for work of several steps that must happen together or not at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

from notes_core import repository
from notes_core.engine import Store, open_store
from notes_core.models import Note
from notes_core.repository import NewNote, Page
from notes_core.session import session_scope
from notes_core.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from notes_core.repository.full_text import SearchHit

T = TypeVar("T")
__all__ = ["NewNote", "Note", "Notes", "Page", "SearchHit"]


def __getattr__(name: str) -> Any:
    if name == "SearchHit":  # imported on first use, like search itself
        from notes_core.repository.full_text import SearchHit

        return SearchHit
    raise AttributeError(f"module 'notes_core.library' has no attribute {name!r}")


class Notes:
    """An open store. Open it with `Notes.open(...)`; close it (or use `with`) when done."""

    def __init__(self, store: Store, *, connection: Connection | None = None) -> None:
        # The open engine and its URL: for tools and tests, not for the CLI or the API.
        self.store = store
        self._connection = connection
        self._write = False

    @classmethod
    def open(cls, target: str | Settings | None = None) -> Notes:
        """Open (creating or upgrading) the store that `target` names: a SQLite file path,
        a SQLAlchemy URL, or Settings; None is the default store in the user data dir.

        Raises StoreError (NotAStore, StoreUnavailable) when it cannot be used.
        """
        settings = target if isinstance(target, Settings) else Settings(db=target)
        return cls(open_store(settings))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def location(self) -> str:
        """The file path, or the URL with any password masked."""
        return self.store.location

    def ping(self) -> None:
        """Check that the store answers. Raises StoreError."""
        self.store.ping()

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Notes]:
        """A `Notes` whose every call runs in one transaction: committed when the block
        ends, rolled back if it raises. Write transactions hold the write lock throughout.
        """
        if self._connection is not None:
            if write and not self._write:
                raise RuntimeError("a read transaction cannot write")
            yield self
            return
        with session_scope(self.store, write=write) as connection:
            bound = Notes(self.store, connection=connection)
            bound._write = write
            yield bound

    @contextmanager
    def _session(self, *, write: bool = False) -> Iterator[Connection]:
        with self.transaction(write=write) as bound:
            assert bound._connection is not None
            yield bound._connection

    def _stream(self, start: Callable[[Connection], Iterator[T]]) -> Iterator[T]:
        """Items of a generator that reads in one transaction. `start` is called before
        this returns, so bad input raises here, not at the first item."""
        scope = self._session()
        session = scope.__enter__()
        try:
            items = start(session)
        except BaseException:
            scope.__exit__(*sys.exc_info())
            raise

        def stream() -> Iterator[T]:
            try:
                yield from items
            except BaseException:
                if not scope.__exit__(*sys.exc_info()):
                    raise
            else:
                scope.__exit__(None, None, None)

        return stream()

    # --- writing ------------------------------------------------------------------------

    def add(self, text: str | bytes, *, tags: Iterable[str] = ()) -> Note:
        """Add a note and return it. Raises InvalidNote."""
        with self._session(write=True) as session:
            return repository.add(session, text=text, tags=tags)

    def add_many(self, notes: Iterable[NewNote]) -> list[int]:
        """Add many notes in one transaction, all or nothing; return their ids in order.
        Raises InvalidNote (and then adds none)."""
        with self._session(write=True) as session:
            return repository.add_many(session, notes=notes)

    def update(
        self,
        note_id: int,
        *,
        text: str | bytes | None = None,
        tags: Iterable[str] | None = None,
        add_tags: Iterable[str] = (),
        remove_tags: Iterable[str] = (),
        if_match: str | None = None,
    ) -> Note:
        """Change a note's text and tags (`tags` replaces them all; `add_tags` and
        `remove_tags` edit them) and return it. With `if_match`, change it only if its
        `etag` is still that value.

        Raises NoteNotFound, InvalidNote, NoteChanged.
        """
        with self._session(write=True) as session:
            return repository.update(
                session,
                note_id=note_id,
                text=text,
                tags=tags,
                add_tags=add_tags,
                remove_tags=remove_tags,
                if_match=if_match,
            )

    def delete(self, note_ids: Iterable[int]) -> None:
        """Delete notes, all or nothing. Raises NoteNotFound naming every unknown id."""
        with self._session(write=True) as session:
            repository.delete_many(session, note_ids=note_ids)

    # --- reading ------------------------------------------------------------------------

    def get(self, note_id: int) -> Note:
        """One note. Raises NoteNotFound."""
        with self._session() as session:
            return repository.get(session, note_id=note_id)

    def iterate(
        self, *, tags: Iterable[str] = (), limit: int | None = None, oldest_first: bool = False
    ) -> Iterator[Note]:
        """Every note with all of `tags`, newest first (or oldest first), streamed in
        batches in one read transaction: memory stays flat however many there are.
        Raises InvalidInput, InvalidNote before it returns."""
        return self._stream(
            lambda session: repository.iterate(
                session, tags=tags, limit=limit, oldest_first=oldest_first
            )
        )

    def page(
        self,
        *,
        tags: Iterable[str] = (),
        limit: int = 50,
        cursor: str | None = None,
        oldest_first: bool = False,
    ) -> Page[Note]:
        """One page of notes, newest first (or oldest first), and the cursor of the next.
        Raises InvalidInput (a bad cursor or limit), InvalidNote (a malformed tag)."""
        with self._session() as session:
            return repository.page(
                session, tags=tags, limit=limit, cursor=cursor, oldest_first=oldest_first
            )

    def search(
        self, query: str, *, tags: Iterable[str] = (), limit: int | None = None
    ) -> Iterator[SearchHit]:
        """Notes matching `query`, best match first, streamed in one read transaction.
        Never raises on the words of the query; raises InvalidInput (before it returns)
        for a query over the size limit or a bad limit."""
        import notes_core.repository.full_text as search_rows  # only search needs it

        return self._stream(
            lambda session: search_rows.iter_search(session, query=query, tags=tags, limit=limit)
        )

    def search_page(
        self,
        query: str,
        *,
        tags: Iterable[str] = (),
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page[SearchHit]:
        """One page of search hits, best first, and the cursor of the next."""
        import notes_core.repository.full_text as search_rows

        with self._session() as session:
            return search_rows.search_page(
                session, query=query, tags=tags, limit=limit, cursor=cursor
            )
