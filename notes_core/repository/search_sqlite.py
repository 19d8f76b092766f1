"""Search on SQLite: the FTS5 index `notes_fts`, kept by triggers (migration 0002)."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, column, literal_column, select, table

from notes_core.models import LIVE, notes
from notes_core.repository.notes import BATCH_SIZE, NOTE_COLUMNS, DateWindow, filter_tags
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
    newest first). The FTS5 index holds live notes only (its triggers skip the trash:
    migration 0005)."""
    fts = table("notes_fts", column("rowid"), column("rank"))
    fts_row: ColumnElement[Any] = literal_column("notes_fts")  # MATCH takes the table
    match = parsed.fts5()
    if match is None:
        excluded = select(fts.c.rowid).where(fts_row.op("MATCH")(parsed.excluded_fts5()))
        query = window.apply(select(*NOTE_COLUMNS).where(LIVE, notes.c.id.not_in(excluded)))
        query = filter_tags(query.order_by(notes.c.id.desc()), names).limit(limit).offset(offset)
        yield from session.execute(query.execution_options(yield_per=BATCH_SIZE)).partitions()
        return
    # Two steps: rank the matches on the index alone, then read the notes of each batch.
    best = filter_tags(select(fts.c.rowid).where(fts_row.op("MATCH")(match)), names, fts.c.rowid)
    if window.since is not None or window.until is not None:
        # The dates live in `notes`: join it (by primary key) only when they are asked for.
        best = window.apply(best.join(notes, notes.c.id == fts.c.rowid))
    best = best.order_by(fts.c.rank, fts.c.rowid.desc()).limit(limit).offset(offset)
    ranked = session.execute(best.execution_options(yield_per=BATCH_SIZE))
    for batch in ranked.partitions():
        ids = [row.rowid for row in batch]
        # A literal id list: SQLite looks each one up, where a subquery would rescan.
        found = {
            row.id: row for row in session.execute(select(*NOTE_COLUMNS).where(notes.c.id.in_(ids)))
        }
        yield [found[note_id] for note_id in ids]
