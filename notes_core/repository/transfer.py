"""Import: records from files into the store, all or nothing, skipping notes it already has.

A record is skipped when a stored note (live or in the trash), or an earlier record of the
same import, has the same text and `created_at`: importing the same notes again adds
nothing. Records are checked and written in batches inside the caller's one transaction,
so memory stays flat however long the input is, and a bad record anywhere rolls back all.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from notes_core.errors import InvalidImport, InvalidNote
from notes_core.models import notes, utc_now
from notes_core.repository.notes import insert_notes, link_tags
from notes_core.transfer.records import ImportRecord
from notes_core.validation import check_tag_count, clean_tags, clean_text

IMPORT_BATCH = 1000


@dataclass(frozen=True, slots=True)
class ImportResult:
    imported: int
    skipped: int


@dataclass(frozen=True, slots=True)
class _Row:
    text: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    trashed_at: datetime | None


def import_records(
    session: Connection,
    *,
    records: Iterable[ImportRecord],
    tags: Iterable[str] = (),
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Add the records' notes in their order, keeping their dates; `tags` are added to
    every one. Raises InvalidImport naming the first bad record (the caller's rollback then
    leaves the store as it was)."""
    extra = clean_tags(tags)
    now = utc_now()
    imported = skipped = 0
    batch: list[_Row] = []
    for record in records:
        batch.append(_checked(record, extra, now))
        if len(batch) == IMPORT_BATCH:
            added = _write(session, batch)
            imported, skipped = imported + added, skipped + len(batch) - added
            if progress is not None:
                progress(len(batch))
            batch = []
    if batch:
        added = _write(session, batch)
        imported, skipped = imported + added, skipped + len(batch) - added
        if progress is not None:
            progress(len(batch))
    return ImportResult(imported, skipped)


def _checked(record: ImportRecord, extra: list[str], now: datetime) -> _Row:
    try:
        text = clean_text(record.text)
        names = sorted(set(clean_tags(record.tags)) | set(extra))
        check_tag_count(names)
    except InvalidNote as exc:
        raise InvalidImport(f"{record.source}: {exc}; nothing was imported") from None
    dates = (record.created_at, record.updated_at, record.trashed_at)
    if any(moment is not None and moment.tzinfo is None for moment in dates):
        raise InvalidImport(f"{record.source}: a date has no time zone; nothing was imported")
    created = record.created_at or now
    updated = record.updated_at or created
    if updated < created:
        raise InvalidImport(
            f"{record.source}: updated_at ({updated.isoformat()}) is before created_at "
            f"({created.isoformat()}); nothing was imported"
        )
    return _Row(text, names, created, updated, record.trashed_at)


def _write(session: Connection, batch: list[_Row]) -> int:
    """Insert the rows of `batch` the store does not have yet; return how many."""
    created = {row.created_at for row in batch}
    query = select(notes.c.created_at, notes.c.text).where(notes.c.created_at.in_(created))
    seen = {(when, text) for when, text in session.execute(query)}
    fresh: list[_Row] = []
    for row in batch:
        key = (row.created_at, row.text)
        if key not in seen:
            seen.add(key)
            fresh.append(row)
    if not fresh:
        return 0
    ids = insert_notes(
        session, [(row.text, row.created_at, row.updated_at, row.trashed_at) for row in fresh]
    )
    link_tags(session, {note_id: row.tags for note_id, row in zip(ids, fresh, strict=True)})
    return len(fresh)
