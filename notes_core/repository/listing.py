"""Listing live notes, newest first: pinned notes before the others, in one of three orders,
one page (or one batch) at a time.

A listing walks at most two groups: the pinned notes, then the rest (`pinned=True` walks
only the first). Within a group the order is

- `id`: newest (highest id) first; the default, through the live notes' index;
- `created`: by `created_at`, newest first, when `--since`/`--until` filter on it, through
  the (created_at, id) index: a date window is then found in the index, not by walking
  every id outside it (imported notes keep their old dates under new ids, so the two
  orders differ only for them);
- `updated`: most recently changed first (`--sort updated`), filtered on `updated_at`.

Each is keyset-paged, so every page costs what the first does. A cursor names its group
and order (`pin-id`, `id`, `pinned-id`, `pin-crt`, ...: see `encode`) and the last note's
key.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import cache, partial
from typing import Literal, get_args

from sqlalchemy import Connection, bindparam, select, tuple_

from notes_core.errors import InvalidInput
from notes_core.models import LIVE, PINNED, UNPINNED, Note, notes
from notes_core.repository.notes import (
    TAGGED_NOTE_COLUMNS,
    AnySelect,
    filter_dates,
    filter_tags,
    keyset_batches,
    tagged_notes,
)
from notes_core.repository.pagination import (
    Page,
    cursor_kind,
    decode_cursor,
    decode_moment_cursor,
    encode_cursor,
    encode_moment_cursor,
)
from notes_core.validation import check_limit, clean_tags

# What a listing orders by, newest first, and what its `since`/`until` filter on: when a
# note was created (the default), or last changed.
Sort = Literal["created", "updated"]
SORTS: tuple[Sort, ...] = get_args(Sort)
# The order a group is walked in (see the module's docstring).
Key = Literal["id", "created", "updated"]
CURSOR_KINDS: dict[Key, str] = {"id": "id", "created": "crt", "updated": "upd"}


def check_sort(sort: str) -> None:
    """Raises InvalidInput unless `sort` is one of SORTS."""
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")


def order_key(sort: Sort, since: datetime | None, until: datetime | None) -> Key:
    if sort == "updated":
        return "updated"
    return "id" if since is None and until is None else "created"


# Where a walk stands: the last note seen's date in the order (None for `id`) and its id.
Position = tuple[datetime | None, int]


def position(key: Key, note: Note) -> Position:
    if key == "id":
        return None, note.id
    return (note.created_at if key == "created" else note.updated_at), note.id


def select_group(
    session: Connection,
    *,
    names: list[str],
    key: Key,
    pinned: bool,
    limit: int,
    after: Position | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Note]:
    """Up to `limit` live notes of one group (pinned or not) with all of the (already
    clean) tags `names`, in the order `key`, after the position `after`."""
    if key == "id" and not names:
        statement = plain_group(pinned=pinned, paged=after is not None)
        params = {"limit": limit, "after_id": None if after is None else after[1]}
        return tagged_notes(session.execute(statement, params).all())
    query: AnySelect = select(*TAGGED_NOTE_COLUMNS).where(LIVE, PINNED if pinned else UNPINNED)
    query = filter_tags(query, names)
    if key == "id":  # no date filter: with one the key is `created`
        query = in_id_order(query, pinned=pinned)
        if after is not None:
            query = query.where(notes.c.id < after[1])
        query = query.order_by(notes.c.id.desc())
    else:
        column = notes.c.created_at if key == "created" else notes.c.updated_at
        query = filter_dates(query, since, until, column=column)
        if pinned:
            # Few notes are pinned: read them all from their own index and sort those.
            query = query.with_hint(notes, "INDEXED BY ix_notes_pinned", "sqlite")
        if after is not None:
            query = query.where(tuple_(column, notes.c.id) < after)
        query = query.order_by(column.desc(), notes.c.id.desc())
    return tagged_notes(session.execute(query.limit(limit)).all())


def in_id_order(query: AnySelect, *, pinned: bool) -> AnySelect:
    """`query` through the index that holds its group in id order. SQLite's planner must
    be told which partial index that is (PostgreSQL's picks it itself): the pinned notes'
    own, or the live notes', so neither trashed nor (for the pinned group) unpinned notes
    cost anything."""
    index = "ix_notes_pinned" if pinned else "ix_notes_live_id"
    return query.with_hint(notes, f"INDEXED BY {index}", "sqlite")


@cache
def plain_group(*, pinned: bool, paged: bool) -> AnySelect:
    """A group in id order with no tag or date filter (every `notes list` and API listing
    by default), built once: building the statement and its cache key cost more than
    running it. Parameters: `limit`, and `after_id` when `paged`."""
    query = in_id_order(
        select(*TAGGED_NOTE_COLUMNS).where(LIVE, PINNED if pinned else UNPINNED), pinned=pinned
    )
    if paged:
        query = query.where(notes.c.id < bindparam("after_id"))
    return query.order_by(notes.c.id.desc()).limit(bindparam("limit"))


def iterate(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: Sort = "created",
    pinned: bool = False,
) -> Iterator[Note]:
    """Every live note with all of `tags`, pinned ones first (with `pinned`, only those),
    newest first in the order `sort` names, read in batches so memory stays flat. Checks
    its input before it returns: raises InvalidInput, InvalidNote."""
    check_limit(limit)
    check_sort(sort)
    key = order_key(sort, since, until)
    group = partial(
        select_group, session, names=clean_tags(tags), key=key, since=since, until=until
    )

    def walk(of_pinned: bool, most: int | None) -> Iterator[Note]:
        def fetch(last: Note | None, size: int) -> list[Note]:
            after = None if last is None else position(key, last)
            return group(pinned=of_pinned, limit=size, after=after)

        return keyset_batches(fetch, most)

    def both_groups() -> Iterator[Note]:
        shown = 0
        for note in walk(True, limit):
            shown += 1
            yield note
        if not pinned and (limit is None or shown < limit):
            yield from walk(False, None if limit is None else limit - shown)

    return both_groups()


def page(
    session: Connection,
    *,
    tags: Iterable[str] = (),
    limit: int,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    sort: Sort = "created",
    pinned: bool = False,
) -> Page[Note]:
    """A page of live notes, pinned ones first (with `pinned`, only those), newest first in
    the order `sort` names, and the cursor of the next page. Raises InvalidInput (a bad
    limit, sort or cursor), InvalidNote (a malformed tag)."""
    check_sort(sort)
    key = order_key(sort, since, until)
    in_pinned_group, after = True, None
    if cursor:
        in_pinned_group, after = decode(cursor, key, pinned_only=pinned)
    check_limit(limit)
    group = partial(
        select_group, session, names=clean_tags(tags), key=key, since=since, until=until
    )
    found: list[Note] = []
    if in_pinned_group:
        found = group(pinned=True, limit=limit + 1, after=after)
        after = None
    if not pinned and len(found) <= limit:
        found += group(pinned=False, limit=limit + 1 - len(found), after=after)
    if len(found) <= limit:
        return Page(found, None)
    del found[limit:]
    return Page(found, encode(key, found[-1], pinned_only=pinned))


# A cursor's kind starts with the group it stands in: the pinned group of a whole listing
# (`pin-`), its other notes (nothing), or a listing of the pinned notes only (`pinned-`),
# so that no listing takes another's cursor for its own.
PINNED_GROUP, OTHERS, PINNED_ONLY = "pin-", "", "pinned-"


def encode(key: Key, last: Note, *, pinned_only: bool) -> str:
    """The cursor of the page after `last`, in the group `last` belongs to."""
    group = PINNED_ONLY if pinned_only else PINNED_GROUP if last.pinned else OTHERS
    kind = group + CURSOR_KINDS[key]
    moment, note_id = position(key, last)
    if moment is None:
        return encode_cursor(kind, note_id)
    return encode_moment_cursor(kind, moment, note_id)


def decode(cursor: str, key: Key, *, pinned_only: bool) -> tuple[bool, Position]:
    """Whether a cursor of a listing in the order `key` stands in the pinned group, and
    where. Raises InvalidInput for a cursor of another listing, or none at all."""
    found = cursor_kind(cursor)
    groups = [PINNED_ONLY] if pinned_only else [PINNED_GROUP, OTHERS]
    # The longest prefix first: every kind starts with OTHERS, the empty one. A kind of no
    # group of this listing is decoded as its first, which then refuses it.
    group = next((group for group in groups if found.startswith(group)), groups[0])
    kind = group + CURSOR_KINDS[key]
    if key == "id":
        return group != OTHERS, (None, decode_cursor(cursor, kind))
    return group != OTHERS, decode_moment_cursor(cursor, kind)
