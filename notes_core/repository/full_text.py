"""Full-text search: one entry point for both engines, best match first.

The query language is parsed once (notes_core.search_query); each engine's module turns it
into its own SQL (search_sqlite: FTS5, search_postgres: tsvector); snippets are built here
for both, from the notes' text.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from notes_core import search_query
from notes_core.errors import InvalidInput
from notes_core.models import Note
from notes_core.repository import search_postgres, search_sqlite
from notes_core.repository.notes import DateWindow, notes_from_rows
from notes_core.repository.pagination import Page, decode_cursor, encode_cursor
from notes_core.validation import check_limit, clean_tags


@dataclass(frozen=True)
class SearchHit:
    """A note that matched, with a short snippet around the match.

    `highlights` are (start, end) character offsets of matched words in `snippet`.
    """

    note: Note
    snippet: str
    highlights: list[tuple[int, int]]


def iter_search(
    session: Connection,
    *,
    query: str,
    tags: Iterable[str] = (),
    limit: int | None = None,
    offset: int = 0,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[SearchHit]:
    """Stream the notes matching `query` (and created in [since, until)), best match first
    (ties: newest first).

    Checks its input before it returns (so the CLI fails before printing anything):
    raises InvalidInput for a query over the size limits (search_query.MAX_QUERY_CHARS,
    MAX_QUERY_WORDS) or a bad limit or offset; never for what the query says.
    """
    parsed = search_query.parse(query)
    names = clean_tags(tags)
    check_limit(limit)
    if offset < 0:
        raise InvalidInput(f"offset must not be negative, not {offset}")
    window = DateWindow(since, until)
    return _hits(session, parsed, names, limit, offset, window)


def search(
    session: Connection,
    *,
    query: str,
    tags: Iterable[str] = (),
    limit: int | None = 20,
    offset: int = 0,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SearchHit]:
    """The hits of iter_search(), as a list."""
    return list(
        iter_search(
            session,
            query=query,
            tags=tags,
            limit=limit,
            offset=offset,
            since=since,
            until=until,
        )
    )


def search_page(
    session: Connection,
    *,
    query: str,
    tags: Iterable[str] = (),
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[SearchHit]:
    """A page of search hits (created in [since, until)), and the cursor of the next.
    Raises InvalidInput."""
    offset = decode_cursor(cursor, "offset") if cursor else 0
    hits = search(
        session,
        query=query,
        tags=tags,
        limit=limit + 1,
        offset=offset,
        since=since,
        until=until,
    )
    more = len(hits) > limit
    return Page(hits[:limit], encode_cursor("offset", offset + limit) if more else None)


def _hits(
    session: Connection,
    parsed: search_query.SearchQuery,
    names: list[str],
    limit: int | None,
    offset: int,
    window: DateWindow,
) -> Iterator[SearchHit]:
    if parsed.is_empty:
        return
    batches: Iterator[Sequence[Row[*tuple[Any, ...]]]]
    if session.dialect.name == "sqlite":
        batches = search_sqlite.batches(session, parsed, names, limit, offset, window)
    else:
        batches = search_postgres.batches(session, parsed, names, limit, offset, window)
    for batch in batches:
        for note in notes_from_rows(session, batch):
            # Built here rather than by the engines: see search_query (time, markers).
            # Both engines ignore case and accents (PostgreSQL since migration 0007).
            snippet, highlights = search_query.snippet(
                note.text, parsed, fold=search_query.fold_case_and_accents
            )
            yield SearchHit(note, snippet, highlights)
