"""Tags across the store: how many live notes carry each, and renaming one.

Counting is computed on every call, not stored. At 1M notes and 1,000 tags
(benchmarks/tags.py) it is, on SQLite, two index-only scans: every link counted per tag
from the (tag_id, note_id) index, minus the links of trashed notes, which
ix_notes_trashed_at finds without touching a live note; on PostgreSQL, one pass over the
links that leaves out the trashed notes' by an anti-join. That keeps `notes tags` under
twice the start-up of `notes list --limit 1`, the target, while a count kept per tag would
have to be maintained by every write (add, edit, import, rm, restore, purge, revert) in
the same transaction, on both engines, and could drift from the links it counts. The cost
grows with the number of links (and, on SQLite, of trashed notes), not with the number of
tags.

Renaming is a change of tags of every live note that carries the old name: each keeps its
previous version and its `updated_at` moves, as any edit of its tags would, in the
caller's one write transaction. Notes in the trash are left as they are (a trashed note
cannot be edited, and comes back from the trash unchanged), so they keep the old name.
"""

from sqlalchemy import Connection, func, insert, select, update

from notes_core.errors import InvalidInput, TagNotFound
from notes_core.models import (
    LIVE,
    TRASHED,
    TagCount,
    TagRenamed,
    note_tags,
    notes,
    utc_now,
)
from notes_core.models import tags as tags_table
from notes_core.repository.ids import chunks
from notes_core.repository.notes import NOTE_COLUMNS, keep_versions, notes_from_rows
from notes_core.validation import clean_tags, shown


def tag_counts(session: Connection) -> list[TagCount]:
    """Every tag carried by at least one live note, with how many live notes carry it,
    sorted by name (in Python: the same order whatever the database's collation)."""
    counts = _live_links(session)
    in_use = {tag_id for tag_id, count in counts.items() if count > 0}
    if not in_use:
        return []
    # All rows, filtered here: an IN list of 1,000 ids would cost more than the few
    # unused names the table keeps (a tag's row stays when its last note loses it).
    names = session.execute(select(tags_table.c.id, tags_table.c.name))
    found = [TagCount(name, counts[tag_id]) for tag_id, name in names if tag_id in in_use]
    return sorted(found, key=lambda tag: tag.name)


def _live_links(session: Connection) -> dict[int, int]:
    """How many live notes link to each tag id (a tag id with none may be missing, or 0)."""
    if session.dialect.name == "postgresql":
        in_trash = select(notes.c.id).where(notes.c.id == note_tags.c.note_id, TRASHED)
        # One pass over the links, leaving out those of trashed notes by a hash of their
        # ids (an anti-join): 15-20% less than the two passes below, whose second one
        # PostgreSQL also makes a scan of every link.
        live = (
            select(note_tags.c.tag_id, func.count())
            .where(~in_trash.exists())
            .group_by(note_tags.c.tag_id)
        )
        return {tag_id: count for tag_id, count in session.execute(live)}
    # SQLite would look each link's note up instead (1.2 s at 1M notes): every link
    # counted from the (tag_id, note_id) index, minus the links of trashed notes, which
    # the partial index ix_notes_trashed_at finds (60 ms each).
    links = select(note_tags.c.tag_id, func.count()).group_by(note_tags.c.tag_id)
    counts: dict[int, int] = {tag_id: count for tag_id, count in session.execute(links)}
    trashed = (
        select(note_tags.c.tag_id, func.count())
        .select_from(notes.join(note_tags, note_tags.c.note_id == notes.c.id))
        .where(TRASHED)
        .group_by(note_tags.c.tag_id)
        .with_hint(notes, "INDEXED BY ix_notes_trashed_at", "sqlite")
    )
    for tag_id, count in session.execute(trashed):
        counts[tag_id] -= count
    return counts


def rename_tag(session: Connection, *, old: str, new: str) -> TagRenamed:
    """Rename the tag `old` to `new` on every live note that carries it, merging into `new`
    where a note carries both (it then has `new` once). Both names are normalised first
    (`Errands` is `errands`). Each changed note keeps its previous version and its
    `updated_at` moves; notes in the trash keep `old`. Returns the names as stored and how
    many notes changed.

    Raises InvalidNote (a malformed name), InvalidInput (the same tag once normalised),
    TagNotFound (no note carries `old`).
    """
    [old_name] = clean_tags([old])
    [new_name] = clean_tags([new])
    if old_name == new_name:
        raise InvalidInput(
            f"{shown(old)} and {shown(new)} are the same tag ({shown(new_name)}); "
            "nothing was renamed"
        )
    if session.dialect.name == "postgresql":
        _lock_out_writers(session, old_name)
    old_id = _tag_id(session, old_name)
    live = select(notes.c.id).where(LIVE)
    carriers = select(note_tags.c.note_id).where(
        note_tags.c.tag_id == old_id, note_tags.c.note_id.in_(live)
    )
    note_ids = (
        [] if old_id is None else list(session.scalars(carriers.order_by(note_tags.c.note_id)))
    )
    if old_id is None or not note_ids:
        raise TagNotFound(old_name)
    renamed = TagRenamed(old_name, new_name, len(note_ids))
    now = utc_now()
    for some in chunks(note_ids):
        _keep_versions(session, some)
        session.execute(update(notes).where(notes.c.id.in_(some)).values(updated_at=now))
    new_id = _tag_id(session, new_name)
    if new_id is None:
        session.execute(insert(tags_table).values(name=new_name))
        new_id = _tag_id(session, new_name)
    # A note with both keeps its link to `new`; every other live link moves over. The old
    # row stays for the notes in the trash (or unused, as a tag's row does when its last
    # note loses it).
    both = select(note_tags.c.note_id).where(note_tags.c.tag_id == new_id)
    for some in chunks(note_ids):
        moving = note_tags.c.note_id.in_(some)
        session.execute(
            note_tags.delete().where(
                note_tags.c.tag_id == old_id, moving, note_tags.c.note_id.in_(both)
            )
        )
        session.execute(
            update(note_tags).where(note_tags.c.tag_id == old_id, moving).values(tag_id=new_id)
        )
    return renamed


def _lock_out_writers(session: Connection, name: str) -> None:
    """On PostgreSQL: hold off every writer that could change what a rename reads.
    (SQLite's BEGIN IMMEDIATE already holds the store's one write lock.)

    The rows of the notes carrying `name` are locked first, in id order, as an edit
    locks its note before it touches the tag and version tables: an edit in flight then
    finishes, rather than deadlock with the rename. Then no other writer may link or
    create a tag, or keep a version (every edit of a note does), until this commits, so
    the notes read next are exactly the ones renamed and their versions are numbered
    without a race. Readers are never blocked."""
    tag = select(tags_table.c.id).where(tags_table.c.name == name).scalar_subquery()
    carrying = select(note_tags.c.note_id).where(note_tags.c.tag_id == tag)
    rows = select(notes.c.id).where(notes.c.id.in_(carrying)).order_by(notes.c.id)
    session.execute(rows.with_for_update())
    session.exec_driver_sql("LOCK TABLE tags, note_tags, note_revisions IN EXCLUSIVE MODE")


def _tag_id(session: Connection, name: str) -> int | None:
    query = select(tags_table.c.id).where(tags_table.c.name == name)
    tag_id: int | None = session.execute(query).scalar_one_or_none()
    return tag_id


def _keep_versions(session: Connection, note_ids: list[int]) -> None:
    """Store the current version of each note in `note_ids` (at most a chunk of them):
    read in one statement, kept by repository.notes.keep_versions (rename_tag's locks keep
    any other version from being kept meanwhile; FOR UPDATE here only reaches a note that
    gained the tag before those were taken)."""
    query = select(*NOTE_COLUMNS).where(notes.c.id.in_(note_ids)).order_by(notes.c.id)
    before = notes_from_rows(session, session.execute(query.with_for_update()).all())
    keep_versions(session, before)
