"""`Notes`: the one way into a store, for the CLI, the API and a user's own script.

    from notes_core import Notes

    with Notes.open("notes.db") as notes:
        note = notes.add("buy oat milk", tags=["errands"])
        print([hit.note.id for hit in notes.search("milk")])

Each method is one transaction. `transaction(write=True)` gives a `Notes` bound to one
transaction, for work of several steps that must happen together or not at all.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from notes_core import repository
from notes_core.engine import Store, open_store
from notes_core.errors import InvalidInput
from notes_core.models import Note, Revision
from notes_core.repository import NewNote, Page, listing, pins
from notes_core.repository import history as versions
from notes_core.repository import trash as bin_
from notes_core.repository.listing import Sort
from notes_core.repository.notes import oldest_first_page
from notes_core.session import session_scope, statement_scope
from notes_core.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from notes_core.models import TagCount, TagRenamed
    from notes_core.repository.full_text import SearchHit
    from notes_core.repository.transfer import ImportResult
    from notes_core.transfer.records import ImportRecord

T = TypeVar("T")
__all__ = [
    "ImportRecord",
    "ImportResult",
    "NewNote",
    "Note",
    "Notes",
    "Page",
    "Revision",
    "SearchHit",
]
# Imported on first use, like search and import themselves: `notes add` needs none.
_LAZY = {
    "SearchHit": "notes_core.repository.full_text",
    "ImportResult": "notes_core.repository.transfer",
    "ImportRecord": "notes_core.transfer.records",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'notes_core.library' has no attribute {name!r}")


class Notes:
    """An open store. Open it with `Notes.open(...)`; close it (or use `with`) when done."""

    def __init__(self, store: Store, *, connection: Connection | None = None) -> None:
        # The open engine and its URL: for tools and tests, not for the CLI or the API.
        self.store = store
        self._connection = connection
        self._write = False

    @classmethod
    def open(cls, target: str | Settings | None = None, *, prepare: bool = True) -> Notes:
        """Open (creating or upgrading) the store that `target` names: a SQLite file path,
        a SQLAlchemy URL, or Settings; None is the default store in the user data dir.
        With `prepare=False`, open only a store that exists and is up to date, and change
        nothing (for a look that must leave no trace, such as shell completion).

        Raises StoreError (NotAStore, StoreUnavailable) when it cannot be used.
        """
        settings = target if isinstance(target, Settings) else Settings(db=target)
        return cls(open_store(settings, prepare=prepare))

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

    def holds_file(self, path: str | os.PathLike[str]) -> bool:
        """Whether `path` is this store's own SQLite file (or its -wal, -shm, -journal):
        a command about to write a file checks it first."""
        return self.store.holds_file(path)

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
        this returns, so bad input raises here, not at the first item. The transaction
        ends when the items run out, on an error, or when the caller drops the iterator
        unread (its close(), or garbage collection, ends it: no connection leaks)."""
        scope = self._session()
        session = scope.__enter__()
        try:
            items = start(session)
        except BaseException:
            scope.__exit__(*sys.exc_info())
            raise

        def stream() -> Iterator[T | None]:
            try:
                yield None  # primed below: from here on, close() reaches the except
                yield from items
            except BaseException:
                if not scope.__exit__(*sys.exc_info()):
                    raise
            else:
                scope.__exit__(None, None, None)

        primed = stream()
        next(primed)
        return cast(Iterator[T], primed)

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
        pinned: bool | None = None,
        if_match: str | None = None,
    ) -> Note:
        """Change a note's text and tags (`tags` replaces them all; `add_tags` and
        `remove_tags` edit them), or pin or unpin it, and return it. With `if_match`,
        change it only if its `etag` is still that value.

        Raises NoteNotFound, NoteInTrash, InvalidNote, NoteChanged.
        """
        with self._session(write=True) as session:
            return repository.update(
                session,
                note_id=note_id,
                text=text,
                tags=tags,
                add_tags=add_tags,
                remove_tags=remove_tags,
                pinned=pinned,
                if_match=if_match,
            )

    def pin(self, note_ids: Iterable[int]) -> None:
        """Pin live notes (they come first in listings), all or nothing. Not an edit: no
        version is kept and no date moves. Raises NoteNotFound, NoteInTrash."""
        with self._session(write=True) as session:
            pins.set_pinned(session, note_ids=note_ids, pinned=True)

    def unpin(self, note_ids: Iterable[int]) -> None:
        """Unpin notes, all or nothing. Raises NoteNotFound, NoteInTrash."""
        with self._session(write=True) as session:
            pins.set_pinned(session, note_ids=note_ids, pinned=False)

    def trash(self, note_ids: Iterable[int]) -> None:
        """Move notes to the trash, all or nothing. Raises NoteNotFound (unknown ids) or
        NoteInTrash (ids already there), naming every such id."""
        with self._session(write=True) as session:
            bin_.trash_many(session, note_ids=note_ids)

    def restore(self, note_ids: Iterable[int]) -> list[Note]:
        """Bring notes back from the trash, unchanged, all or nothing; return them by id.
        Raises NoteNotInTrash naming every id that is not in the trash."""
        with self._session(write=True) as session:
            return bin_.restore_many(session, note_ids=note_ids)

    def purge(self, note_ids: Iterable[int]) -> None:
        """Delete notes in the trash for good, with their history, all or nothing.
        Raises NoteNotInTrash naming every id that is not in the trash."""
        with self._session(write=True) as session:
            bin_.purge_many(session, note_ids=note_ids)

    def purge_all(self) -> int:
        """Empty the trash for good; return how many notes were in it."""
        with self._session(write=True) as session:
            return bin_.purge_all(session)

    def revert(self, note_id: int, number: int) -> Note:
        """Make version `number` of a note current again, as a new version; return the
        note. Raises NoteNotFound, NoteInTrash, RevisionNotFound, InvalidInput."""
        with self._session(write=True) as session:
            return versions.revert(session, note_id=note_id, number=number)

    def rename_tag(self, old: str, new: str) -> TagRenamed:
        """Rename tag `old` to `new` on every live note carrying it (notes in the trash
        are not edited), merging into `new` where it exists; both names are normalised
        first. Each changed note keeps its previous version. Returns the names as stored
        and how many notes changed. Raises InvalidNote, InvalidInput (the same tag),
        TagNotFound."""
        from notes_core.repository import tags as tag_rows

        with self._session(write=True) as session:
            return tag_rows.rename_tag(session, old=old, new=new)

    def import_records(
        self,
        records: Iterable[ImportRecord],
        *,
        tags: Iterable[str] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> ImportResult:
        """Add the notes of `records` (see notes_core.transfer.readers) keeping their
        dates, skipping those the store already has (same text and `created_at`). All or
        nothing: raises InvalidImport naming the first bad record, and adds none.

        Every record is read and checked first, outside any transaction (spooled to a
        temporary file), so a slow or bad input never holds the write lock; then all are
        written in one transaction. `progress(checked, written)` is called as it goes.
        """
        import tempfile

        from notes_core.repository.transfer import check_records, write_checked

        with tempfile.TemporaryFile(prefix="notes-import-") as spool:
            count = check_records(records, tags=tags, spool=spool, progress=progress)
            with self._session(write=True) as session:
                return write_checked(session, spool=spool, count=count, progress=progress)

    def backup(self, destination: str | os.PathLike[str]) -> Path:
        """Copy a SQLite store to a new file (mode 0600), consistent while others write.
        Raises BackupUnsupported (PostgreSQL), BackupExists, StoreError."""
        from notes_core.backup import backup

        return backup(self.store, destination)

    # --- reading ------------------------------------------------------------------------

    def get(self, note_id: int) -> Note:
        """One note. Raises NoteNotFound."""
        if self._connection is not None:
            return repository.get(self._connection, note_id=note_id)
        # One statement (repository.notes.ONE_NOTE): no transaction needed around it.
        with statement_scope(self.store) as connection:
            return repository.get(connection, note_id=note_id)

    def iterate(
        self,
        *,
        tags: Iterable[str] = (),
        limit: int | None = None,
        oldest_first: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: Sort = "created",
        pinned: bool = False,
    ) -> Iterator[Note]:
        """Every live note with all of `tags` (created in [since, until)), pinned ones
        first, each group newest first, streamed in batches in one read transaction: memory
        stays flat however many there are. `sort="updated"`: most recently changed first,
        and `since`/`until` on `updated_at`; `pinned`: the pinned notes only;
        `oldest_first`: every note in id order, oldest first, pins or not.
        Raises InvalidInput, InvalidNote before it returns."""
        if oldest_first:
            _check_oldest_first(sort, pinned)
            return self._stream(
                lambda session: repository.iterate(
                    session, tags=tags, limit=limit, oldest_first=True, since=since, until=until
                )
            )
        return self._stream(
            lambda session: listing.iterate(
                session,
                tags=tags,
                limit=limit,
                since=since,
                until=until,
                sort=sort,
                pinned=pinned,
            )
        )

    def export(
        self,
        *,
        tags: Iterable[str] = (),
        since: datetime | None = None,
        until: datetime | None = None,
        trash: bool = False,
    ) -> Iterator[Note]:
        """The notes to export, oldest first, streamed in one read transaction; with
        `trash`, the notes in the trash too (each with its `trashed_at`)."""
        scope: repository.Scope = "all" if trash else "live"
        return self._stream(
            lambda session: repository.iterate(
                session, tags=tags, since=since, until=until, oldest_first=True, scope=scope
            )
        )

    def trashed(
        self,
        *,
        tags: Iterable[str] = (),
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[Note]:
        """The notes in the trash (created in [since, until)), most recently trashed
        first, streamed. Raises InvalidInput, InvalidNote before it returns."""
        return self._stream(
            lambda session: bin_.iterate_trash(
                session, tags=tags, limit=limit, since=since, until=until
            )
        )

    def trash_page(
        self,
        *,
        tags: Iterable[str] = (),
        limit: int = 50,
        cursor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[Note]:
        """One page of the trash (notes created in [since, until)), most recently trashed
        first, and the next cursor. Raises InvalidInput, InvalidNote."""
        with self._session() as session:
            return bin_.trash_page(
                session, tags=tags, limit=limit, cursor=cursor, since=since, until=until
            )

    def history(self, note_id: int, *, preview: int | None = None) -> list[Revision]:
        """Every version of a note, oldest first, numbered from 1; the last is current.
        With `preview`, earlier versions' texts are cut to that many characters (to list
        them, say, without reading every whole text). Raises NoteNotFound, NoteInTrash."""
        with self._session() as session:
            return versions.history(session, note_id=note_id, preview=preview)

    def revision(self, note_id: int, number: int) -> Revision:
        """Version `number` of a note. Raises NoteNotFound, NoteInTrash, RevisionNotFound."""
        with self._session() as session:
            return versions.revision(session, note_id=note_id, number=number)

    def tags(self) -> list[TagCount]:
        """Every tag carried by a live note, with how many live notes carry it, by name."""
        from notes_core.repository import tags as tag_rows

        with self._session() as session:
            return tag_rows.tag_counts(session)

    def page(
        self,
        *,
        tags: Iterable[str] = (),
        limit: int = 50,
        cursor: str | None = None,
        oldest_first: bool = False,
        since: datetime | None = None,
        until: datetime | None = None,
        sort: Sort = "created",
        pinned: bool = False,
    ) -> Page[Note]:
        """One page of live notes (created in [since, until)), pinned ones first, each
        group newest first, and the next cursor; the options are those of `iterate` (each
        kind of listing has cursors of its own).
        Raises InvalidInput (a bad cursor, sort or limit), InvalidNote (a malformed tag)."""
        if oldest_first:
            _check_oldest_first(sort, pinned)
        with self._session() as session:
            if oldest_first:
                return oldest_first_page(
                    session, tags=tags, limit=limit, cursor=cursor, since=since, until=until
                )
            return listing.page(
                session,
                tags=tags,
                limit=limit,
                cursor=cursor,
                since=since,
                until=until,
                sort=sort,
                pinned=pinned,
            )

    def search(
        self,
        query: str,
        *,
        tags: Iterable[str] = (),
        limit: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Iterator[SearchHit]:
        """Notes matching `query` (created in [since, until)), best match first, streamed
        in one read transaction. Never raises on the words of the query; raises
        InvalidInput (before it returns) for a query over the size limit or a bad limit."""
        import notes_core.repository.full_text as search_rows  # only search needs it

        return self._stream(
            lambda session: search_rows.iter_search(
                session, query=query, tags=tags, limit=limit, since=since, until=until
            )
        )

    def search_page(
        self,
        query: str,
        *,
        tags: Iterable[str] = (),
        limit: int = 50,
        cursor: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Page[SearchHit]:
        """One page of search hits (created in [since, until)), best first, and the cursor
        of the next. Raises InvalidInput."""
        import notes_core.repository.full_text as search_rows

        with self._session() as session:
            return search_rows.search_page(
                session,
                query=query,
                tags=tags,
                limit=limit,
                cursor=cursor,
                since=since,
                until=until,
            )


def _check_oldest_first(sort: str, pinned: bool) -> None:
    if sort != "created" or pinned:
        raise InvalidInput("oldest_first lists every note by id: no sort=updated, no pinned")
