"""Notes: adding, changing, deleting, reading one, and listing many.

Every function takes the caller's connection and keyword-only arguments, validates its
input through notes_core.validation, and never commits: the caller's transaction is the
unit of work.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, Select, delete, exists, func, insert, select
from sqlalchemy import update as update_rows

from notes_core.errors import NoteChanged, NoteNotFound
from notes_core.models import Note, note_tags, notes, utc_now
from notes_core.models import tags as tags_table
from notes_core.repository.pagination import Page, decode_cursor, encode_cursor
from notes_core.validation import check_limit, check_tag_count, clean_tags, clean_text

AnySelect = Select[*tuple[Any, ...]]
BATCH_SIZE = 500
MAX_EXISTS_TAGS = 32  # tag filters longer than this use one grouped subquery


@dataclass(frozen=True)
class NewNote:
    """A note to insert in a batch."""

    text: str | bytes
    tags: Sequence[str] = ()


# --- writing ---------------------------------------------------------------------------


def add(session: Connection, *, text: str | bytes, tags: Iterable[str] = ()) -> Note:
    """Add a note and return it. Raises InvalidNote."""
    clean = clean_text(text)
    names = clean_tags(tags)
    now = utc_now()
    values = {"text": clean, "created_at": now, "updated_at": now}
    note_id = session.execute(insert(notes).values(values).returning(notes.c.id)).scalar_one()
    _link_tags(session, {note_id: names})
    return Note(id=note_id, text=clean, tags=names, created_at=now, updated_at=now)


def add_many(session: Connection, *, notes: Iterable[NewNote]) -> list[int]:
    """Insert many notes in the caller's transaction, in batches; return their ids in order.

    Everything is validated before its batch is written; raises InvalidNote, and the
    caller's rollback then leaves nothing behind.
    """
    ids: list[int] = []
    batch: list[tuple[str, list[str]]] = []
    for new in notes:
        batch.append((clean_text(new.text), clean_tags(new.tags)))
        if len(batch) == BATCH_SIZE:
            ids += _insert_batch(session, batch)
            batch = []
    if batch:
        ids += _insert_batch(session, batch)
    return ids


def _insert_batch(session: Connection, batch: list[tuple[str, list[str]]]) -> list[int]:
    now = utc_now()
    rows = [{"text": text, "created_at": now, "updated_at": now} for text, _ in batch]
    statement = insert(notes).returning(notes.c.id, sort_by_parameter_order=True)
    ids = list(session.execute(statement, rows).scalars())
    _link_tags(session, {note_id: names for note_id, (_, names) in zip(ids, batch, strict=True)})
    return ids


def update(
    session: Connection,
    *,
    note_id: int,
    text: str | bytes | None = None,
    tags: Iterable[str] | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    if_match: str | None = None,
) -> Note:
    """Change a note's text and tags and return it; `tags` replaces them all, `add_tags`
    and `remove_tags` edit them. `updated_at` moves only when something changed.

    With `if_match` (an etag read earlier, a list of them, or `*`: see Note.matches) the
    note is changed only if it is still that version, checked under the write lock.

    Raises NoteNotFound, InvalidNote, NoteChanged.
    """
    clean = None if text is None else clean_text(text)
    replace = None if tags is None else clean_tags(tags)
    adding, removing = clean_tags(add_tags), clean_tags(remove_tags)
    # Locked (FOR UPDATE; BEGIN IMMEDIATE on SQLite) until the caller's commit, so no
    # other writer can slip in between this check and the write.
    note = _get(session, note_id, for_update=True)
    if if_match is not None and not note.matches(if_match):
        raise NoteChanged(note_id)
    names = sorted((set(note.tags if replace is None else replace) | set(adding)) - set(removing))
    check_tag_count(names)
    changed = False
    if clean is not None and clean != note.text:
        note.text, changed = clean, True
    if names != note.tags:
        session.execute(delete(note_tags).where(note_tags.c.note_id == note_id))
        _link_tags(session, {note_id: names})
        note.tags, changed = names, True
    if changed:
        note.updated_at = utc_now()
        values = {"text": note.text, "updated_at": note.updated_at}
        session.execute(update_rows(notes).where(notes.c.id == note_id).values(values))
    return note


def delete_many(session: Connection, *, note_ids: Iterable[int]) -> None:
    """Delete notes, all or nothing. Raises NoteNotFound (naming every unknown id), and then
    deletes none."""
    wanted = sorted(set(note_ids))
    # FOR UPDATE on PostgreSQL; SQLite renders nothing (BEGIN IMMEDIATE holds the lock).
    query = select(notes.c.id).where(notes.c.id.in_(wanted)).with_for_update()
    found = set(session.execute(query).scalars())
    missing = [note_id for note_id in wanted if note_id not in found]
    if missing:
        raise NoteNotFound(missing, consequence="nothing was deleted")
    # note_tags rows go with them (ON DELETE CASCADE).
    session.execute(delete(notes).where(notes.c.id.in_(wanted)))


def _link_tags(session: Connection, names_by_note: dict[int, list[str]]) -> None:
    """Attach tags to notes, creating tags as needed; safe against concurrent writers."""
    wanted = sorted({name for names in names_by_note.values() for name in names})
    if not wanted:
        return
    rows = [{"name": name} for name in wanted]
    if session.dialect.name == "sqlite":
        from sqlalchemy.dialects import sqlite

        session.execute(sqlite.insert(tags_table).values(rows).on_conflict_do_nothing())
    else:
        from sqlalchemy.dialects import postgresql

        session.execute(postgresql.insert(tags_table).values(rows).on_conflict_do_nothing())
    query = select(tags_table.c.name, tags_table.c.id).where(tags_table.c.name.in_(wanted))
    tag_ids = {name: tag_id for name, tag_id in session.execute(query)}
    links = [
        {"note_id": note_id, "tag_id": tag_ids[name]}
        for note_id, names in names_by_note.items()
        for name in names
    ]
    session.execute(insert(note_tags), links)


# --- reading ---------------------------------------------------------------------------

NOTE_COLUMNS = (notes.c.id, notes.c.text, notes.c.created_at, notes.c.updated_at)


def get(session: Connection, *, note_id: int) -> Note:
    """Return one note. Raises NoteNotFound."""
    return _get(session, note_id)


def _get(session: Connection, note_id: int, *, for_update: bool = False) -> Note:
    query = select(*NOTE_COLUMNS).where(notes.c.id == note_id)
    if for_update:
        query = query.with_for_update()
    found = notes_from_rows(session, session.execute(query).all())
    if not found:
        raise NoteNotFound([note_id])
    return found[0]


def notes_from_rows(session: Connection, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[Note]:
    """Notes for rows of NOTE_COLUMNS, in the same order, with their tags (one query)."""
    if not rows:
        return []
    names: dict[int, list[str]] = {row.id: [] for row in rows}
    query = (
        select(note_tags.c.note_id, tags_table.c.name)
        .join(tags_table, tags_table.c.id == note_tags.c.tag_id)
        .where(note_tags.c.note_id.in_(names))
    )
    for note_id, name in session.execute(query):
        names[note_id].append(name)
    return [
        Note(
            id=row.id,
            text=row.text,
            tags=sorted(names[row.id]),  # in Python: the same order whatever the collation
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def select_notes(
    session: Connection,
    *,
    names: list[str],
    limit: int,
    after_id: int | None = None,
    oldest_first: bool = False,
) -> list[Note]:
    """Up to `limit` notes with all of the (already clean) tags `names`, after `after_id`
    in the order asked for: newest (highest id) first, or oldest first. Keyset paging by
    id, so the 10,000th page costs what the first does."""
    query = filter_tags(select(*NOTE_COLUMNS), names)
    if after_id is not None:
        query = query.where(notes.c.id > after_id if oldest_first else notes.c.id < after_id)
    query = query.order_by(notes.c.id.asc() if oldest_first else notes.c.id.desc())
    return notes_from_rows(session, session.execute(query.limit(limit)).all())


def iterate(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int | None = None,
    oldest_first: bool = False,
) -> Iterator[Note]:
    """Every note with all of `tags`, newest first (or oldest first), read in batches so
    memory stays flat however many there are. Checks its input before it returns (so a
    caller fails before printing anything): raises InvalidInput, InvalidNote."""
    names = clean_tags(tags)
    remaining = check_limit(limit)

    def batches() -> Iterator[Note]:
        nonlocal remaining
        after_id: int | None = None
        while remaining is None or remaining > 0:
            size = BATCH_SIZE if remaining is None else min(BATCH_SIZE, remaining)
            batch = select_notes(
                session, names=names, limit=size, after_id=after_id, oldest_first=oldest_first
            )
            yield from batch
            if len(batch) < size:
                return
            after_id = batch[-1].id
            if remaining is not None:
                remaining -= len(batch)

    return batches()


def page(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int,
    cursor: str | None = None,
    oldest_first: bool = False,
) -> Page[Note]:
    """A page of notes, newest first (or oldest first), and the cursor of the next.
    Raises InvalidInput (a bad limit or cursor), InvalidNote (a malformed tag)."""
    kind = "asc" if oldest_first else "id"
    after_id = decode_cursor(cursor, kind) if cursor else None
    check_limit(limit)
    found = select_notes(
        session,
        names=clean_tags(tags),
        limit=limit + 1,
        after_id=after_id,
        oldest_first=oldest_first,
    )
    more = len(found) > limit
    found = found[:limit]
    return Page(found, encode_cursor(kind, found[-1].id) if more else None)


def filter_tags(
    query: AnySelect, names: list[str], note_id: ColumnElement[Any] = notes.c.id
) -> AnySelect:
    if len(names) > MAX_EXISTS_TAGS:
        # One EXISTS per tag is cheapest (a page stops early), but a long chain of them
        # outgrows SQLite's expression depth (1000) and PostgreSQL's stack: check a long
        # list in one grouped subquery instead.
        tagged = (
            select(note_tags.c.note_id)
            .join(tags_table, tags_table.c.id == note_tags.c.tag_id)
            .where(tags_table.c.name.in_(names))
            .group_by(note_tags.c.note_id)
            .having(func.count() == len(names))
        )
        return query.where(note_id.in_(tagged))
    for name in names:
        tag_id = select(tags_table.c.id).where(tags_table.c.name == name).scalar_subquery()
        query = query.where(
            exists().where(note_tags.c.note_id == note_id).where(note_tags.c.tag_id == tag_id)
        )
    return query
