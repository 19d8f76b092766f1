"""Search on PostgreSQL: the generated `search_vector` column and its GIN index."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    bindparam,
    func,
    literal_column,
    not_,
    select,
    text,
)

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

# The text search configuration of the `search_vector` column (migration 0007): `simple`
# with accents removed first. Queries must go through the same one to find its words.
CONFIGURATION: ColumnElement[Any] = literal_column("'notes_search'::regconfig")


def batches(
    session: Connection,
    parsed: SearchQuery,
    names: list[str],
    limit: int | None,
    offset: int,
    window: DateWindow,
) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    """Batches of NOTE_COLUMNS rows created within `window`, best match first (ts_rank;
    ties newest first; past search_query.RANKED_MATCHES matches, see there)."""
    vector: ColumnElement[Any] = literal_column("notes.search_vector")
    # LIVE as the partial GIN index spells it (migration 0005), so the planner uses it.
    query = select(*NOTE_COLUMNS).where(LIVE)
    excluded = parsed.excluded_tsquery()
    if excluded is not None:
        unwanted = func.to_tsquery(CONFIGURATION, bindparam("excluded", excluded))
        query = query.where(not_(vector.op("@@")(unwanted)))
    query = window.apply(filter_tags(query, names))
    required = parsed.tsquery()
    if required is None:
        yield from _read(session, query.order_by(notes.c.id.desc()), limit, offset)
        return
    # Each tsquery is one bound text parameter, flat however many terms it has
    # (to_tsquery() reads `&`, `|`, `<->`, `:*`).
    wanted = func.to_tsquery(CONFIGURATION, bindparam("wanted", required))
    matches = query.where(vector.op("@@")(wanted))
    # The bounded worst case (search_query.RANKED_MATCHES), in one statement: the newest
    # matches with their ts_rank (an index walk newest first for a frequent word, which
    # stops at the bound), then the best of them; their notes are read by primary key for
    # the page only. A query below the bound reads each match from the table once.
    bound = search_query.RANKED_MATCHES
    # Whether to walk the index newest first or to collect every match depends on how
    # often the words occur: plan each search for its own words. psycopg prepares a
    # statement run five times, and PostgreSQL may then plan it once for any words (a
    # generic plan). Measured at 1M notes with an earlier form of these statements: the
    # most frequent word took 750-930 ms once planned generically, 13 ms planned for it.
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    newest_first = matches.order_by(notes.c.id.desc())
    newest = (
        newest_first.with_only_columns(notes.c.id, func.ts_rank(vector, wanted).label("score"))
        .limit(bound)
        .subquery()
    )
    ranked = (
        select(*NOTE_COLUMNS)
        .join(newest, newest.c.id == notes.c.id)
        .order_by(newest.c.score.desc(), notes.c.id.desc())
    )
    if offset < bound:
        shown = 0
        for batch in _read(session, ranked, limit, offset):
            shown += len(batch)
            yield batch
        if (limit is not None and shown == limit) or shown < bound - offset:
            return  # the page is full, or there were fewer matches than the bound
        limit = None if limit is None else limit - shown
        offset = bound  # where the older matches start
    # Only for a page past the bound: where the older matches start, the newest
    # `bound`-th match.
    oldest = session.execute(
        newest_first.with_only_columns(notes.c.id).limit(1).offset(bound - 1)
    ).scalar()
    if oldest is not None:
        yield from _read(session, newest_first.where(notes.c.id < oldest), limit, offset - bound)


def _read(
    session: Connection, query: AnySelect, limit: int | None, offset: int
) -> Iterator[Sequence[Row[*tuple[Any, ...]]]]:
    statement = query.limit(limit).offset(offset).execution_options(yield_per=BATCH_SIZE)
    yield from session.execute(statement).partitions()
