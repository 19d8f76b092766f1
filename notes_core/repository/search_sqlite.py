"""Search on SQLite: the FTS5 index `notes_fts`, kept by triggers (migration 0002)."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, column, literal_column, select, table

from notes_core import search_query
from notes_core.models import LIVE, notes
from notes_core.repository.notes import (
    BATCH_SIZE,
    NOTE_COLUMNS,
    AnySelect,
    DateWindow,
    filter_tags,
)
from notes_core.search_query import SearchQuery


def batches(
    session: Connection,
    parsed: SearchQuery,
    names: list[str],
    limit: int | None,
    offset: int,
    window: DateWindow,
) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Batches of NOTE_COLUMNS rows created within `window`, best match first (BM25; ties
    newest first; past search_query.RANKED_MATCHES matches, see there). The FTS5 index
    holds live notes only (its triggers skip the trash: migration 0005)."""
    fts = table("notes_fts", column("rowid"), column("rank"))
    fts_row: ColumnElement[Any] = literal_column("notes_fts")  # MATCH takes the table
    match = parsed.fts5()
    if match is None:
        excluded = select(fts.c.rowid).where(fts_row.op("MATCH")(parsed.excluded_fts5()))
        query = window.apply(select(*NOTE_COLUMNS).where(LIVE, notes.c.id.not_in(excluded)))
        query = filter_tags(query.order_by(notes.c.id.desc()), names).limit(limit).offset(offset)
        yield from session.execute(query.execution_options(yield_per=BATCH_SIZE)).partitions()
        return
    # Rank the matches on the index alone, then read the notes of each batch.
    matches = filter_tags(select(fts.c.rowid).where(fts_row.op("MATCH")(match)), names, fts.c.rowid)
    if window.since is not None or window.until is not None:
        # The dates live in `notes`: join it (by primary key) only when they are asked for.
        matches = window.apply(matches.join(notes, notes.c.id == fts.c.rowid))
    newest_first = matches.order_by(fts.c.rowid.desc())
    # The bounded worst case (search_query.RANKED_MATCHES), in one pass over the index:
    # FTS5 walks the matches newest first, scoring each, and stops at the bound, so a
    # frequent word costs the bound, not the store; a query below the bound is evaluated
    # once (a count first, then a ranking, evaluated a phrase twice).
    bound = search_query.RANKED_MATCHES
    newest = newest_first.add_columns(fts.c.rank.label("score")).limit(bound).subquery()
    ranked = select(newest.c.rowid).order_by(newest.c.score, newest.c.rowid.desc())
    if offset < bound:
        shown = 0
        rows = session.execute(
            ranked.limit(limit).offset(offset).execution_options(yield_per=BATCH_SIZE)
        )
        for batch in rows.partitions():
            shown += len(batch)
            yield from _notes(session, [row.rowid for row in batch])
        if (limit is not None and shown == limit) or shown < bound - offset:
            return  # the page is full, or there were fewer matches than the bound
        limit = None if limit is None else limit - shown
        offset = bound  # where the older matches start
    # Only for a page past the bound: where the older matches start, the newest
    # `bound`-th match. FTS5 stops walking there.
    oldest = session.execute(newest_first.limit(1).offset(bound - 1)).scalar()
    if oldest is not None:
        older = newest_first.where(fts.c.rowid < oldest)
        yield from _read(session, older, limit, offset - bound)


def _notes(session: Connection, ids: list[int]) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Batches of NOTE_COLUMNS rows for `ids`, in that order."""
    for start in range(0, len(ids), BATCH_SIZE):
        wanted = ids[start : start + BATCH_SIZE]
        # A literal id list: SQLite looks each one up, where a subquery would rescan.
        found = {
            row.id: row
            for row in session.execute(select(*NOTE_COLUMNS).where(notes.c.id.in_(wanted)))
        }
        yield [found[note_id] for note_id in wanted]


def _read(
    session: Connection, ids: AnySelect, limit: int | None, offset: int
) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Batches of NOTE_COLUMNS rows for the note ids `ids` selects, in its order."""
    found_ids = session.execute(
        ids.limit(limit).offset(offset).execution_options(yield_per=BATCH_SIZE)
    )
    for batch in found_ids.partitions():
        yield from _notes(session, [row.rowid for row in batch])
