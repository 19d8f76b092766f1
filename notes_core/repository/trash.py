"""The trash: moving notes into it, listing it, restoring from it, purging it.

A trashed note keeps its row, with `trashed_at` set: its id stays reserved, and restoring
it only clears that column, so text, tags and timestamps come back unchanged. Purging
deletes the row; its tag links and versions go with it (ON DELETE CASCADE).
"""

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, or_, select, update

from notes_core.errors import NoteNotInTrash
from notes_core.models import LIVE, TRASHED, Note, notes, utc_now
from notes_core.repository.ids import chunks, live_ids
from notes_core.repository.notes import (
    NOTE_COLUMNS,
    filter_dates,
    filter_tags,
    keyset_batches,
    notes_from_rows,
)
from notes_core.repository.pagination import Page, decode_moment_cursor, encode_moment_cursor
from notes_core.validation import check_limit, clean_tags


def trash_many(session: Connection, *, note_ids: Iterable[int]) -> None:
    """Move live notes to the trash, all or nothing. Raises NoteNotFound (unknown ids) or
    NoteInTrash (ids already there), and then moves none."""
    wanted = live_ids(session, note_ids, consequence="nothing was moved to the trash")
    now = utc_now()
    for some in chunks(wanted):
        session.execute(update(notes).where(notes.c.id.in_(some)).values(trashed_at=now))


def restore_many(session: Connection, *, note_ids: Iterable[int]) -> list[Note]:
    """Bring notes back from the trash unchanged, all or nothing, and return them. Raises
    NoteNotInTrash (naming every id that is not in the trash), and then restores none."""
    wanted = _in_trash(session, note_ids, consequence="nothing was restored")
    restored: list[Note] = []
    for some in chunks(wanted):
        session.execute(update(notes).where(notes.c.id.in_(some)).values(trashed_at=None))
        query = select(*NOTE_COLUMNS).where(notes.c.id.in_(some)).order_by(notes.c.id)
        restored += notes_from_rows(session, session.execute(query).all())
    return restored


def purge_many(session: Connection, *, note_ids: Iterable[int]) -> None:
    """Delete notes in the trash for good, with their versions, all or nothing. Raises
    NoteNotInTrash (naming every id that is not in the trash), and then deletes none."""
    wanted = _in_trash(session, note_ids, consequence="nothing was purged")
    for some in chunks(wanted):
        session.execute(delete(notes).where(notes.c.id.in_(some)))


def purge_all(session: Connection) -> int:
    """Delete every note in the trash for good; return how many there were."""
    return session.execute(delete(notes).where(TRASHED)).rowcount


def _in_trash(session: Connection, note_ids: Iterable[int], *, consequence: str) -> list[int]:
    wanted = sorted(set(note_ids))
    found: set[int] = set()
    for some in chunks(wanted):
        query = select(notes.c.id).where(notes.c.id.in_(some), TRASHED).with_for_update()
        found.update(session.execute(query).scalars())
    missing = [note_id for note_id in wanted if note_id not in found]
    if missing:
        raise NoteNotInTrash(missing, consequence=consequence)
    return wanted


# --- reading ---------------------------------------------------------------------------


def _select_trashed(
    session: Connection,
    *,
    names: list[str],
    limit: int,
    after: tuple[datetime, int] | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Note]:
    """Notes in the trash, most recently trashed first (ties: highest id first), after the
    (trashed_at, id) of the last one seen."""
    query = filter_dates(filter_tags(select(*NOTE_COLUMNS).where(TRASHED), names), since, until)
    if after is not None:
        trashed_at, note_id = after
        query = query.where(
            or_(
                notes.c.trashed_at < trashed_at,
                and_(notes.c.trashed_at == trashed_at, notes.c.id < note_id),
            )
        )
    query = query.order_by(notes.c.trashed_at.desc(), notes.c.id.desc()).limit(limit)
    return notes_from_rows(session, session.execute(query).all())


def iterate_trash(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[Note]:
    """Every note in the trash, most recently trashed first, in batches (flat memory).
    Checks its input before it returns: raises InvalidInput, InvalidNote."""
    names = clean_tags(tags)
    check_limit(limit)

    def fetch(last: Note | None, size: int) -> list[Note]:
        after = None if last is None or last.trashed_at is None else (last.trashed_at, last.id)
        return _select_trashed(
            session, names=names, limit=size, after=after, since=since, until=until
        )

    return keyset_batches(fetch, limit)


def trash_page(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[Note]:
    """A page of the trash, most recently trashed first, and the cursor of the next.
    Raises InvalidInput (a bad limit or cursor), InvalidNote (a malformed tag)."""
    after = decode_moment_cursor(cursor, "trash") if cursor else None
    check_limit(limit)
    found = _select_trashed(
        session, names=clean_tags(tags), limit=limit + 1, after=after, since=since, until=until
    )
    more = len(found) > limit
    found = found[:limit]
    if not more:
        return Page(found, None)
    last = found[-1]
    assert last.trashed_at is not None
    return Page(found, encode_moment_cursor("trash", last.trashed_at, last.id))


def count_live(session: Connection) -> int:
    """How many notes are not in the trash."""
    return session.execute(select(func.count()).select_from(notes).where(LIVE)).scalar_one()
