"""Import: records from files into the store, all or nothing, skipping notes it already has.

In two steps, so that the store's write lock is held only while writing:
1. `check_records` reads and checks every record, without a transaction, and spools the
   checked rows to a temporary file in batches (memory stays flat however long the input
   is). A bad record stops the import here, before anything is locked or written; a slow
   pipe only makes this step slow.
2. `write_checked` adds the spooled rows in the caller's one write transaction: all of
   them, or (on any error) none.

A record is skipped when a stored note (live or in the trash), or an earlier record of the
same import, has the same text and `created_at`: importing the same notes again adds
nothing. A record without `created_at` gets the moment of the import (a microsecond apart
from the one before, so they keep their order), so importing it twice adds it twice.
"""

import pickle
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from sqlalchemy import Connection, select

from notes_core.errors import InvalidImport, InvalidNote
from notes_core.models import notes, utc_now
from notes_core.repository.notes import InsertedRow, insert_notes, link_tags
from notes_core.transfer.records import ImportRecord
from notes_core.validation import check_tag_count, clean_tags, clean_text

IMPORT_BATCH = 1000
# An import of at least this many notes refreshes PostgreSQL's planner statistics.
ANALYZE_AFTER = 10_000
# Called with the records checked so far and the records written so far.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    skipped: int


# A checked record: an InsertedRow (text, created_at, updated_at, trashed_at, pinned) and its
# tags.
CheckedRow = tuple[InsertedRow, list[str]]


def check_records(
    records: Iterable[ImportRecord],
    *,
    tags: Iterable[str] = (),
    spool: BinaryIO,
    progress: Progress | None = None,
) -> int:
    """Check every record and write the rows to `spool` in batches; `tags` are added to
    each. Returns how many there are. Raises InvalidImport naming the first bad record."""
    extra = clean_tags(tags)
    now = utc_now()
    count = 0
    batch: list[CheckedRow] = []
    for record in records:
        batch.append(_checked(record, extra, now + timedelta(microseconds=count)))
        count += 1
        if len(batch) == IMPORT_BATCH:
            pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
            batch = []
            if progress is not None:
                progress(count, 0)
    if batch:
        pickle.dump(batch, spool, protocol=pickle.HIGHEST_PROTOCOL)
    if progress is not None:
        progress(count, 0)
    return count


def write_checked(
    session: Connection, *, spool: BinaryIO, count: int, progress: Progress | None = None
) -> ImportResult:
    """Add the `count` rows check_records() spooled, in their order, in the caller's
    transaction, skipping those the store already has."""
    spool.seek(0)
    imported = written = 0
    for batch in _spooled(spool):
        imported += _write(session, batch)
        written += len(batch)
        if progress is not None:
            progress(count, written)
    if imported >= ANALYZE_AFTER and session.dialect.name == "postgresql":
        # The planner's statistics come from autovacuum, which runs later, if at all (it
        # can be off): until then it takes a few pinned notes for thousands and a date
        # range for half the table, and a listing right after a big import walked a
        # whole index (2.7 s against 0.06 ms at 1M notes; benchmarks/listing.py).
        # ANALYZE samples a fixed number of rows: a fraction of a second.
        session.exec_driver_sql("ANALYZE notes, note_tags")
    return ImportResult(imported, written - imported)


def _spooled(spool: BinaryIO) -> Iterator[list[CheckedRow]]:
    while True:
        try:
            yield pickle.load(spool)  # our own file, written by check_records
        except EOFError:
            return


def _checked(record: ImportRecord, extra: list[str], now: datetime) -> CheckedRow:
    try:
        text = clean_text(record.text)
        names = sorted(set(clean_tags(record.tags)) | set(extra))
        check_tag_count(names)
    except InvalidNote as exc:
        raise InvalidImport(f"{record.source}: {exc}; nothing was imported") from None
    dates = (record.created_at, record.updated_at, record.trashed_at)
    if any(moment is not None and moment.tzinfo is None for moment in dates):
        raise InvalidImport(f"{record.source}: a date has no time zone; nothing was imported")
    # A record that only says when it was last changed was created then too.
    created = record.created_at or record.updated_at or now
    updated = record.updated_at or created
    if updated < created:
        raise InvalidImport(
            f"{record.source}: updated_at ({updated.isoformat()}) is before created_at "
            f"({created.isoformat()}); nothing was imported"
        )
    return (text, created, updated, record.trashed_at, record.pinned), names


def _write(session: Connection, batch: list[CheckedRow]) -> int:
    """Insert the rows of `batch` the store does not have yet; return how many."""
    # Only exact (created_at, text) pairs come back: many stored notes may share a date.
    created = {row[1] for row, _ in batch}
    texts = {row[0] for row, _ in batch}
    query = select(notes.c.created_at, notes.c.text).where(
        notes.c.created_at.in_(created), notes.c.text.in_(texts)
    )
    seen = {(when, text) for when, text in session.execute(query)}
    fresh: list[CheckedRow] = []
    for row, names in batch:
        key = (row[1], row[0])
        if key not in seen:
            seen.add(key)
            fresh.append((row, names))
    if not fresh:
        return 0
    ids = insert_notes(session, [row for row, _ in fresh])
    link_tags(session, {note_id: names for note_id, (_, names) in zip(ids, fresh, strict=True)})
    return len(fresh)
