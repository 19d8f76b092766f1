"""The versions of a note: every change of text or tags keeps the one before it
(repository.notes.update does, in the same transaction); reverting makes an old one
current again as a new version, so history is never rewritten."""

from sqlalchemy import Connection, func, select

from notes_core.errors import InvalidInput, RevisionNotFound
from notes_core.models import Note, Revision, note_revisions
from notes_core.repository.notes import get, update
from notes_core.validation import MAX_REVISION


def history(session: Connection, *, note_id: int, preview: int | None = None) -> list[Revision]:
    """Every version of a live note, oldest first; the last is the current one. With
    `preview`, the earlier versions' texts are cut to that many characters (a list of them
    reads no more). Raises NoteNotFound, NoteInTrash."""
    note = get(session, note_id=note_id)
    text = note_revisions.c.text
    query = (
        select(
            note_revisions.c.revision,
            text if preview is None else func.substr(text, 1, preview).label("text"),
            note_revisions.c.tags,
            note_revisions.c.updated_at,
        )
        .where(note_revisions.c.note_id == note_id)
        .order_by(note_revisions.c.revision)
    )
    versions = [
        Revision(note_id, row.revision, row.text, list(row.tags), row.updated_at, current=False)
        for row in session.execute(query)
    ]
    versions.append(_current(note, len(versions) + 1))
    return versions


def revision(session: Connection, *, note_id: int, number: int) -> Revision:
    """Version `number` of a live note (1 is the oldest). Raises NoteNotFound, NoteInTrash,
    RevisionNotFound, InvalidInput."""
    if number < 1:
        raise InvalidInput(f"a version number is 1 or more, not {number}")
    note = get(session, note_id=note_id)
    of_note = note_revisions.c.note_id == note_id
    # Beyond the column's type there is no such version: asking would crash PostgreSQL.
    if number <= MAX_REVISION:
        query = select(note_revisions.c.text, note_revisions.c.tags, note_revisions.c.updated_at)
        row = session.execute(query.where(of_note, note_revisions.c.revision == number)).first()
        if row is not None:
            return Revision(note_id, number, row.text, list(row.tags), row.updated_at, False)
    count = session.execute(select(func.count()).where(of_note)).scalar_one()
    if number == count + 1:
        return _current(note, number)
    raise RevisionNotFound(note_id, number, count + 1)


def revert(session: Connection, *, note_id: int, number: int) -> Note:
    """Make version `number`'s text and tags current again, as a new version (nothing
    changes when they already are). Raises as revision() does."""
    version = revision(session, note_id=note_id, number=number)
    return update(session, note_id=note_id, text=version.text, tags=version.tags)


def _current(note: Note, number: int) -> Revision:
    return Revision(note.id, number, note.text, note.tags, note.updated_at, current=True)
