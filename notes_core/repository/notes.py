"""Notes: adding, changing, deleting, reading one, and listing many.

Every function takes the caller's connection and keyword-only arguments, validates its
input through notes_core.validation, and never commits: the caller's transaction is the
unit of work.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    FunctionElement,
    Insert,
    Row,
    Select,
    String,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
)
from sqlalchemy import update as update_rows
from sqlalchemy.ext.compiler import compiles

from notes_core.errors import NoteChanged, NoteInTrash, NoteNotFound
from notes_core.models import LIVE, TRASHED, Note, note_revisions, note_tags, notes, utc_now
from notes_core.models import tags as tags_table
from notes_core.repository.pagination import Page, decode_cursor, encode_cursor
from notes_core.validation import check_limit, check_tag_count, clean_tags, clean_text

AnySelect = Select[*tuple[Any, ...]]
# Which notes a walk by id takes: the live ones, the trash, or both (`export --trash`).
Scope = Literal["live", "trash", "all"]
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
    note_id = session.execute(INSERT_NOTE, values).scalar_one()
    link_tags(session, {note_id: names})
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
    ids = insert_notes(session, [(text, now, now, None, False) for text, _ in batch])
    link_tags(session, {note_id: names for note_id, (_, names) in zip(ids, batch, strict=True)})
    return ids


# Built once: building a statement costs more than running it from the cache.
INSERT_NOTE = insert(notes).returning(notes.c.id)
TAG_IDS = select(tags_table.c.name, tags_table.c.id).where(
    tags_table.c.name.in_(bindparam("names", expanding=True))
)


# The columns insert_notes() fills, in the order of its row tuples.
INSERTED_COLUMNS = (
    notes.c.text,
    notes.c.created_at,
    notes.c.updated_at,
    notes.c.trashed_at,
    notes.c.pinned,
)
InsertedRow = tuple[str, datetime, datetime, datetime | None, bool]


def insert_notes(session: Connection, rows: Sequence[InsertedRow]) -> list[int]:
    """Insert rows of INSERTED_COLUMNS into `notes`; return their ids in the same order.
    At most 6,000 rows at a time (SQLite takes 32,766 parameters per statement)."""
    if session.dialect.name != "sqlite":
        statement = insert(notes).returning(notes.c.id, sort_by_parameter_order=True)
        keys = [column.name for column in INSERTED_COLUMNS]
        values = [dict(zip(keys, row, strict=True)) for row in rows]
        return list(session.execute(statement, values).scalars())
    # One multi-row INSERT, not one statement per row: FTS5 flushes its pending index
    # data at every statement's savepoint, so per-row statements (executemany, or
    # SQLAlchemy keeping RETURNING's order) made an import 6x slower (3.9 s against 0.6 s
    # for 100,000 rows). SQLAlchemy's own multi-row VALUES costs more to compile than to
    # run, so the statement is spelled here and the values go through the columns' own
    # bind processors (the same date storage as every other write).
    processors = [
        column.type.dialect_impl(session.dialect).bind_processor(session.dialect)
        for column in INSERTED_COLUMNS
    ]
    parameters: list[Any] = []
    for row in rows:
        for value, process in zip(row, processors, strict=True):
            parameters.append(process(value) if process is not None else value)
    names = ", ".join(column.name for column in INSERTED_COLUMNS)
    placeholders = "(" + ", ".join("?" * len(INSERTED_COLUMNS)) + ")"
    # This transaction holds the write lock (BEGIN IMMEDIATE), and AUTOINCREMENT gives each
    # row a larger id than any before it: the new rows are exactly those above the largest
    # id before the INSERT, in the order they were inserted.
    newest = session.execute(select(func.coalesce(func.max(notes.c.id), 0))).scalar_one()
    session.exec_driver_sql(
        f"INSERT INTO notes ({names}) VALUES " + ", ".join([placeholders] * len(rows)),
        tuple(parameters),
    )
    query = select(notes.c.id).where(notes.c.id > newest).order_by(notes.c.id)
    return list(session.execute(query).scalars())


def update(
    session: Connection,
    *,
    note_id: int,
    text: str | bytes | None = None,
    tags: Iterable[str] | None = None,
    add_tags: Iterable[str] = (),
    remove_tags: Iterable[str] = (),
    pinned: bool | None = None,
    if_match: str | None = None,
) -> Note:
    """Change a note's text and tags and return it; `tags` replaces them all, `add_tags`
    and `remove_tags` edit them. `updated_at` moves only when the text or the tags changed
    (and only then is the version before kept); `pinned` pins or unpins it, which is not
    an edit.

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
    before = Note(note.id, note.text, list(note.tags), note.created_at, note.updated_at)
    if pinned is not None and pinned != note.pinned:
        session.execute(update_rows(notes).where(notes.c.id == note_id).values(pinned=pinned))
        note.pinned = pinned
    names = sorted((set(note.tags if replace is None else replace) | set(adding)) - set(removing))
    check_tag_count(names)
    changed = False
    if clean is not None and clean != note.text:
        note.text, changed = clean, True
    if names != note.tags:
        session.execute(delete(note_tags).where(note_tags.c.note_id == note_id))
        link_tags(session, {note_id: names})
        note.tags, changed = names, True
    if changed:
        keep_versions(session, [before])
        note.updated_at = utc_now()
        values = {"text": note.text, "updated_at": note.updated_at}
        session.execute(update_rows(notes).where(notes.c.id == note_id).values(values))
    return note


def keep_versions(session: Connection, before: Sequence[Note]) -> None:
    """Store the versions a change replaces (at most a chunk of notes at a time), each
    numbered after the ones its note has kept so far: two statements however many."""
    note_ids = [note.id for note in before]
    # One lookup in the primary key (note_id, revision) per note, correlated: grouping
    # the versions of an IN list instead let PostgreSQL scan the whole table whenever its
    # statistics lagged behind a bulk change (50 ms a batch at 300,000 versions).
    latest = (
        select(func.max(note_revisions.c.revision))
        .where(note_revisions.c.note_id == notes.c.id)
        .scalar_subquery()
    )
    numbered = select(notes.c.id, func.coalesce(latest, 0)).where(notes.c.id.in_(note_ids))
    newest: dict[int, int] = {note_id: number for note_id, number in session.execute(numbered)}
    rows = [
        {
            "note_id": note.id,
            "revision": newest[note.id] + 1,
            "text": note.text,
            "tags": note.tags,
            "updated_at": note.updated_at,
        }
        for note in before
    ]
    session.execute(insert(note_revisions), rows)


@cache
def _create_tags(dialect: str) -> Insert:
    """INSERT INTO tags ... ON CONFLICT DO NOTHING, in the dialect's own words."""
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(tags_table).on_conflict_do_nothing()
    from sqlalchemy.dialects import postgresql

    return postgresql.insert(tags_table).on_conflict_do_nothing()


def link_tags(session: Connection, names_by_note: dict[int, list[str]]) -> None:
    """Attach tags to notes, creating tags as needed; safe against concurrent writers."""
    wanted = sorted({name for names in names_by_note.values() for name in names})
    if not wanted:
        return
    # The names as parameters of one statement (executemany), not rows of its VALUES: a
    # multi-row VALUES with ON CONFLICT has no cache key, and was compiled anew for every
    # note (half the time of adding a note with tags).
    session.execute(_create_tags(session.dialect.name), [{"name": name} for name in wanted])
    tag_ids = {name: tag_id for name, tag_id in session.execute(TAG_IDS, {"names": wanted})}
    links = [(note_id, tag_ids[name]) for note_id, names in names_by_note.items() for name in names]
    if session.dialect.name == "sqlite":
        # Two integers a row need no conversion: straight to the driver's executemany,
        # which spares SQLAlchemy's per-row parameter handling (15% of an import).
        session.exec_driver_sql("INSERT INTO note_tags (note_id, tag_id) VALUES (?, ?)", links)
    else:
        keys = ("note_id", "tag_id")
        session.execute(insert(note_tags), [dict(zip(keys, link, strict=True)) for link in links])


# --- reading ---------------------------------------------------------------------------

NOTE_COLUMNS = (
    notes.c.id,
    notes.c.text,
    notes.c.created_at,
    notes.c.updated_at,
    notes.c.trashed_at,
    notes.c.pinned,
)


def get(session: Connection, *, note_id: int) -> Note:
    """Return one live note. Raises NoteNotFound, NoteInTrash."""
    return _get(session, note_id)


class JoinedNames(FunctionElement[str]):
    """The names of a group, comma-separated: group_concat on SQLite, string_agg on
    PostgreSQL. (SQLAlchemy's aggregate_strings sends the separator as a literal that it
    renders again on every execution: 5% of a request for one note.)"""

    type = String()
    inherit_cache = True


@compiles(JoinedNames, "sqlite")
def _joined_names_sqlite(element: JoinedNames, compiler: Any, **kw: Any) -> str:
    return f"group_concat({compiler.process(element.clauses, **kw)}, ',')"


@compiles(JoinedNames, "postgresql")
def _joined_names_postgresql(element: JoinedNames, compiler: Any, **kw: Any) -> str:
    return f"string_agg({compiler.process(element.clauses, **kw)}, ',')"


# A note's tags in its own row, comma-separated (a tag name never holds a comma: see
# validation.clean_tag). One query per note or page instead of two: the second round trip
# cost more than both queries' work.
TAG_LIST = (
    select(JoinedNames(tags_table.c.name))
    .select_from(note_tags.join(tags_table, tags_table.c.id == note_tags.c.tag_id))
    .where(note_tags.c.note_id == notes.c.id)
    .correlate(notes)
    .scalar_subquery()
)
# NOTE_COLUMNS and the note's TAG_LIST: rows that tagged_notes() turns into notes.
TAGGED_NOTE_COLUMNS = (*NOTE_COLUMNS, TAG_LIST.label("tag_list"))


def tagged_notes(rows: Sequence[Row[*tuple[Any, ...]]]) -> list[Note]:
    """Notes for rows of TAGGED_NOTE_COLUMNS, in the same order."""
    # Tags sorted in Python: the same order whatever the database's collation.
    return [
        Note(
            note_id,
            text,
            sorted(tag_list.split(",")) if tag_list else [],
            created_at,
            updated_at,
            trashed_at,
            pinned,
        )
        for note_id, text, created_at, updated_at, trashed_at, pinned, tag_list in rows
    ]


# Built once: a statement built per call, and its cache key computed per call, were a
# fifth of the work of `GET /api/v1/notes/{id}`; this one's key is computed once.
ONE_NOTE = select(*TAGGED_NOTE_COLUMNS).where(notes.c.id == bindparam("note_id"))
LOCK_ONE_NOTE = select(notes.c.id).where(notes.c.id == bindparam("note_id")).with_for_update()


def _get(session: Connection, note_id: int, *, for_update: bool = False) -> Note:
    if for_update and session.dialect.name != "sqlite":
        # The row lock first, in a statement of its own: PostgreSQL (READ COMMITTED)
        # gives the next statement a snapshot taken after the lock was granted, so the
        # tags read below are those of the writer that held it. Read in the locking
        # statement itself, they came from before the wait, and an edit that waited for
        # a rename wrote the old tags back. (SQLite's BEGIN IMMEDIATE already excludes
        # every other writer.)
        session.execute(LOCK_ONE_NOTE, {"note_id": note_id})
    found = tagged_notes(session.execute(ONE_NOTE, {"note_id": note_id}).all())
    if not found:
        raise NoteNotFound([note_id])
    if found[0].trashed_at is not None:
        raise NoteInTrash([note_id])
    return found[0]


def notes_from_rows(session: Connection, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[Note]:
    """Notes for rows of NOTE_COLUMNS, in the same order, with their tags (one query)."""
    if not rows:
        return []
    # Rows unpacked as tuples, not read by attribute name: a third of an export's time
    # went to Row attribute lookups.
    names: dict[int, list[str]] = {row[0]: [] for row in rows}
    low, high = min(names), max(names)
    # A dense run of ids (a page of a listing, a batch of an export) is read as a range,
    # which costs the database what an IN list does but spares building 500 parameters.
    wanted = (
        note_tags.c.note_id.between(low, high)
        if high - low < 2 * len(names)
        else note_tags.c.note_id.in_(names)
    )
    query = (
        select(note_tags.c.note_id, tags_table.c.name)
        .join(tags_table, tags_table.c.id == note_tags.c.tag_id)
        .where(wanted)
    )
    for note_id, name in session.execute(query).all():
        found = names.get(note_id)  # None: a note in the range that was not asked for
        if found is not None:
            found.append(name)
    # Tags sorted in Python: the same order whatever the database's collation.
    return [
        Note(note_id, text, sorted(names[note_id]), created_at, updated_at, trashed_at, pinned)
        for note_id, text, created_at, updated_at, trashed_at, pinned in rows
    ]


def select_notes(
    session: Connection,
    *,
    names: list[str],
    limit: int,
    after_id: int | None = None,
    oldest_first: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    scope: Scope = "live",
) -> list[Note]:
    """Up to `limit` notes in `scope` with all of the (already clean) tags `names`, created
    in [since, until), after `after_id` in the order asked for: newest (highest id) first,
    or oldest first. Keyset paging by id, so the 10,000th page costs what the first does."""
    query = filter_tags(select(*NOTE_COLUMNS), names)
    query = filter_scope(filter_dates(query, since, until), scope)
    if scope == "live" and since is None and until is None:
        # Walk the live notes' index in id order, so trashed notes cost nothing here
        # (PostgreSQL's planner picks the partial index itself; SQLite's must be told).
        query = query.with_hint(notes, "INDEXED BY ix_notes_live_id", "sqlite")
    if after_id is not None:
        query = query.where(notes.c.id > after_id if oldest_first else notes.c.id < after_id)
    query = query.order_by(notes.c.id.asc() if oldest_first else notes.c.id.desc())
    return notes_from_rows(session, session.execute(query.limit(limit)).all())


def filter_scope(query: AnySelect, scope: Scope) -> AnySelect:
    # Spelled exactly as the partial indexes' conditions, so both planners use them.
    if scope == "live":
        return query.where(LIVE)
    if scope == "trash":
        return query.where(TRASHED)
    return query


def filter_dates(
    query: AnySelect,
    since: datetime | None,
    until: datetime | None,
    *,
    column: ColumnElement[datetime] = notes.c.created_at,
) -> AnySelect:
    """`query` narrowed to rows whose `column` (by default created_at) is in [since, until)."""
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


@dataclass(frozen=True)
class DateWindow:
    """The created_at range [since, until) a search keeps; None is open-ended."""

    since: datetime | None = None
    until: datetime | None = None

    def apply(self, query: AnySelect) -> AnySelect:
        return filter_dates(query, self.since, self.until)


def iterate(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int | None = None,
    oldest_first: bool = False,
    since: datetime | None = None,
    until: datetime | None = None,
    scope: Scope = "live",
) -> Iterator[Note]:
    """Every note in `scope` with all of `tags` (created in [since, until)) in id order,
    newest first (or oldest first), read in batches so memory stays flat however many
    there are: what export walks. Listings of live notes, pinned first, are
    repository.listing's. Checks its input before it returns (so a caller fails before
    printing anything): raises InvalidInput, InvalidNote."""
    names = clean_tags(tags)
    check_limit(limit)

    def fetch(after: Note | None, size: int) -> list[Note]:
        return select_notes(
            session,
            names=names,
            limit=size,
            after_id=None if after is None else after.id,
            oldest_first=oldest_first,
            since=since,
            until=until,
            scope=scope,
        )

    return keyset_batches(fetch, limit)


def keyset_batches(
    fetch: Callable[[Note | None, int], list[Note]], limit: int | None
) -> Iterator[Note]:
    """Up to `limit` notes (None: all), read BATCH_SIZE at a time by `fetch(last, size)`,
    which returns the `size` notes after `last` (None: from the start) in its order."""
    remaining = limit
    last: Note | None = None
    while remaining is None or remaining > 0:
        size = BATCH_SIZE if remaining is None else min(BATCH_SIZE, remaining)
        batch = fetch(last, size)
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1]
        if remaining is not None:
            remaining -= len(batch)


def oldest_first_page(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[Note]:
    """A page of live notes in id order, oldest first (the seed's `GET /notes`), and the
    cursor of the next. Raises InvalidInput (a bad limit or cursor), InvalidNote."""
    after_id = decode_cursor(cursor, "asc") if cursor else None
    check_limit(limit)
    found = select_notes(
        session,
        names=clean_tags(tags),
        limit=limit + 1,
        after_id=after_id,
        oldest_first=True,
        since=since,
        until=until,
    )
    more = len(found) > limit
    found = found[:limit]
    return Page(found, encode_cursor("asc", found[-1].id) if more else None)


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
