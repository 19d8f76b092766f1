"""Pins: pinned notes come first in listings (repository.listing).

Pinning is not an edit: it keeps no version and moves no date, like starring a repository.
"""

from collections.abc import Iterable

from sqlalchemy import Connection, update

from notes_core.models import notes
from notes_core.repository.ids import chunks, live_ids


def set_pinned(session: Connection, *, note_ids: Iterable[int], pinned: bool) -> None:
    """Pin (or unpin) live notes, all or nothing; pinning a pinned note changes nothing.
    Raises NoteNotFound (unknown ids) or NoteInTrash (ids in the trash), naming them all."""
    verb = "pinned" if pinned else "unpinned"
    wanted = live_ids(session, note_ids, consequence=f"nothing was {verb}")
    for some in chunks(wanted):
        changing = update(notes).where(notes.c.id.in_(some), notes.c.pinned != pinned)
        session.execute(changing.values(pinned=pinned))
