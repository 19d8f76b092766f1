"""The only way in: add, get, list, update, delete and search notes.

Every function takes the caller's connection (from session_scope()) and keyword-only
arguments, validates its input through notes_core.validation, and never commits: the
caller's scope is the transaction.
"""

import base64
import binascii
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    bindparam,
    column,
    delete,
    exists,
    func,
    insert,
    literal_column,
    not_,
    select,
    table,
)
from sqlalchemy import (
    update as update_rows,
)

from notes_core import search_query
from notes_core.errors import InvalidInput, NoteChanged, NoteNotFound
from notes_core.models import Note, note_tags, notes, utc_now
from notes_core.models import tags as tags_table
from notes_core.validation import check_limit, check_tag_count, clean_tags, clean_text

AnySelect = Select[*tuple[Any, ...]]
BATCH_SIZE = 500
MAX_EXISTS_TAGS = 32  # tag filters longer than this use one grouped subquery
T = TypeVar("T")


@dataclass(frozen=True)
class NewNote:
    """A note to insert in a batch."""

    text: str | bytes
    tags: Sequence[str] = ()


@dataclass(frozen=True)
class SearchHit:
    """A note that matched, with a short snippet around the match.

    `highlights` are (start, end) character offsets of matched words in `snippet`.
    """

    note: Note
    snippet: str
    highlights: list[tuple[int, int]]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results, and the opaque cursor for the next one (None at the end)."""

    items: list[T]
    next_cursor: str | None


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
    found = _notes_from_rows(session, session.execute(query).all())
    if not found:
        raise NoteNotFound([note_id])
    return found[0]


def _notes_from_rows(session: Connection, rows: Sequence[Row[*tuple[Any, ...]]]) -> list[Note]:
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


def list_notes(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int | None = None,
    before_id: int | None = None,
    after_id: int | None = None,
    newest_first: bool = True,
) -> list[Note]:
    """One page of notes, newest (highest id) first unless `newest_first` is False.

    Pages by id (keyset), so page 10,000 costs what page 1 does. Raises InvalidInput,
    InvalidNote (for a malformed tag).
    """
    query = _filter_tags(select(*NOTE_COLUMNS), clean_tags(tags))
    if before_id is not None:
        query = query.where(notes.c.id < before_id)
    if after_id is not None:
        query = query.where(notes.c.id > after_id)
    query = query.order_by(notes.c.id.desc() if newest_first else notes.c.id.asc())
    if check_limit(limit) is not None:
        query = query.limit(limit)
    return _notes_from_rows(session, session.execute(query).all())


def iter_notes(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int | None = None,
    newest_first: bool = True,
) -> Iterator[Note]:
    """Stream notes in pages, so memory stays flat however many there are."""
    names = clean_tags(tags)
    remaining = check_limit(limit)
    cursor: int | None = None
    while remaining is None or remaining > 0:
        size = BATCH_SIZE if remaining is None else min(BATCH_SIZE, remaining)
        page = list_notes(
            session,
            tags=names,
            limit=size,
            before_id=cursor if newest_first else None,
            after_id=cursor if not newest_first else None,
            newest_first=newest_first,
        )
        yield from page
        if len(page) < size:
            return
        cursor = page[-1].id
        if remaining is not None:
            remaining -= len(page)


def list_page(
    session: Connection, *, tags: Iterable[str] = (), limit: int, cursor: str | None = None
) -> Page[Note]:
    """A page of notes newest first, and the cursor for the next. Raises InvalidInput."""
    before_id = _decode_cursor(cursor, "id") if cursor else None
    found = list_notes(session, tags=tags, limit=limit + 1, before_id=before_id)
    more = len(found) > limit
    found = found[:limit]
    return Page(found, _encode_cursor("id", found[-1].id) if more else None)


def _filter_tags(
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


# --- search ----------------------------------------------------------------------------


def search(
    session: Connection,
    *,
    query: str,
    tags: Iterable[str] = (),
    limit: int | None = 20,
    offset: int = 0,
) -> list[SearchHit]:
    """Notes matching `query`, best match first (ties: newest first). Raises InvalidInput
    for a query over the size limits (search_query.MAX_QUERY_CHARS, MAX_QUERY_WORDS) or a
    bad limit or offset; never for what the query says."""
    return list(iter_search(session, query=query, tags=tags, limit=limit, offset=offset))


def iter_search(
    session: Connection,
    *,
    query: str,
    tags: Iterable[str] = (),
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[SearchHit]:
    """Stream search hits, best match first. Checks its input before it returns (so the
    CLI fails before printing anything): raises InvalidInput as search() does."""
    parsed = search_query.parse(query)
    names = clean_tags(tags)
    check_limit(limit)
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, not {offset}")
    return _search_hits(session, parsed, names, limit, offset)


def _search_hits(
    session: Connection,
    parsed: search_query.SearchQuery,
    names: list[str],
    limit: int | None,
    offset: int,
) -> Iterator[SearchHit]:
    if parsed.is_empty:
        return
    if session.dialect.name == "sqlite":
        batches = _sqlite_search(session, parsed, names, limit, offset)
        fold = search_query.fold_case_and_accents
    else:
        statement = _filter_tags(_postgres_search(parsed), names).limit(limit).offset(offset)
        batches = session.execute(statement.execution_options(yield_per=BATCH_SIZE)).partitions()
        fold = search_query.fold_case
    for batch in batches:
        for note in _notes_from_rows(session, batch):
            # Built here rather than by the engines: see search_query (time, markers).
            snippet, highlights = search_query.snippet(note.text, parsed, fold=fold)
            yield SearchHit(note, snippet, highlights)


def search_page(
    session: Connection,
    *,
    query: str,
    tags: Iterable[str] = (),
    limit: int,
    cursor: str | None = None,
) -> Page[SearchHit]:
    """A page of search hits, and the cursor for the next. Raises InvalidInput."""
    offset = _decode_cursor(cursor, "offset") if cursor else 0
    hits = search(session, query=query, tags=tags, limit=limit + 1, offset=offset)
    more = len(hits) > limit
    return Page(hits[:limit], _encode_cursor("offset", offset + limit) if more else None)


def _sqlite_search(
    session: Connection,
    parsed: search_query.SearchQuery,
    names: list[str],
    limit: int | None,
    offset: int,
) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Batches of NOTE_COLUMNS rows, best match first."""
    fts = table("notes_fts", column("rowid"), column("rank"))
    fts_row: ColumnElement[Any] = literal_column("notes_fts")  # MATCH takes the table
    match = parsed.fts5()
    if match is None:
        excluded = select(fts.c.rowid).where(fts_row.op("MATCH")(parsed.excluded_fts5()))
        query = select(*NOTE_COLUMNS).where(notes.c.id.not_in(excluded))
        query = _filter_tags(query.order_by(notes.c.id.desc()), names).limit(limit).offset(offset)
        yield from session.execute(query.execution_options(yield_per=BATCH_SIZE)).partitions()
        return
    # Two steps: rank the matches on the index alone, then read the notes of each batch.
    best = _filter_tags(select(fts.c.rowid).where(fts_row.op("MATCH")(match)), names, fts.c.rowid)
    best = best.order_by(fts.c.rank, fts.c.rowid.desc()).limit(limit).offset(offset)
    ranked = session.execute(best.execution_options(yield_per=BATCH_SIZE))
    for batch in ranked.partitions():
        ids = [row.rowid for row in batch]
        # A literal id list: SQLite looks each one up, where a subquery would rescan.
        found = {
            row.id: row for row in session.execute(select(*NOTE_COLUMNS).where(notes.c.id.in_(ids)))
        }
        yield [found[note_id] for note_id in ids]


def _postgres_search(parsed: search_query.SearchQuery) -> AnySelect:
    """NOTE_COLUMNS of the matches, best first. Each tsquery is one bound text parameter,
    flat however many terms it has (to_tsquery() reads `&`, `|`, `<->`, `:*`)."""
    vector: ColumnElement[Any] = literal_column("notes.search_vector")
    query = select(*NOTE_COLUMNS)
    excluded = parsed.excluded_tsquery()
    if excluded is not None:
        unwanted = func.to_tsquery("simple", bindparam("excluded", excluded))
        query = query.where(not_(vector.op("@@")(unwanted)))
    required = parsed.tsquery()
    if required is None:
        return query.order_by(notes.c.id.desc())
    wanted = func.to_tsquery("simple", bindparam("wanted", required))
    return query.where(vector.op("@@")(wanted)).order_by(
        func.ts_rank(vector, wanted).desc(), notes.c.id.desc()
    )


# --- cursors ---------------------------------------------------------------------------


def _encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, value = raw.partition(":")
        number = int(value)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page") from None
    if found != kind or number < 0 or number > 2**63 - 1:
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page")
    return number
