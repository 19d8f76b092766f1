"""Search on PostgreSQL: the generated `search_vector` column and its GIN index."""

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, bindparam, func, literal_column, not_, select

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
    """Batches of NOTE_COLUMNS rows created within `window`, best match first (ts_rank;
    ties newest first)."""
    statement = window.apply(filter_tags(_ranked(parsed), names)).limit(limit).offset(offset)
    yield from session.execute(statement.execution_options(yield_per=BATCH_SIZE)).partitions()


def _ranked(parsed: SearchQuery) -> AnySelect:
    """NOTE_COLUMNS of the matches, best first. Each tsquery is one bound text parameter,
    flat however many terms it has (to_tsquery() reads `&`, `|`, `<->`, `:*`)."""
    vector: ColumnElement[Any] = literal_column("notes.search_vector")
    # LIVE as the partial GIN index spells it (migration 0005), so the planner uses it.
    query = select(*NOTE_COLUMNS).where(LIVE)
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
