"""Sets of note ids a write works on: checked all at once, in slices a statement can take."""

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import Connection, select

from notes_core.errors import NoteInTrash, NoteNotFound
from notes_core.models import notes
from notes_core.repository.notes import BATCH_SIZE


def chunks(ids: list[int]) -> Iterator[list[int]]:
    """`ids` in slices of BATCH_SIZE: an IN list stays far below SQLite's 32,766
    parameters however many ids a caller passes."""
    for start in range(0, len(ids), BATCH_SIZE):
        yield ids[start : start + BATCH_SIZE]


def live_ids(session: Connection, note_ids: Iterable[int], *, consequence: str) -> list[int]:
    """`note_ids`, sorted and unique, locked until the caller's commit. Raises NoteNotFound
    (unknown ids) or NoteInTrash (ids in the trash), naming every such id and saying
    `consequence` (what the caller then leaves undone)."""
    wanted = sorted(set(note_ids))
    found: dict[int, datetime | None] = {}
    for some in chunks(wanted):
        # FOR UPDATE on PostgreSQL; SQLite renders nothing (BEGIN IMMEDIATE holds the lock).
        query = select(notes.c.id, notes.c.trashed_at).where(notes.c.id.in_(some))
        found.update((row.id, row.trashed_at) for row in session.execute(query.with_for_update()))
    missing = [note_id for note_id in wanted if note_id not in found]
    if missing:
        raise NoteNotFound(missing, consequence=consequence)
    trashed = [note_id for note_id in wanted if found[note_id] is not None]
    if trashed:
        raise NoteInTrash(trashed, consequence=consequence)
    return wanted
