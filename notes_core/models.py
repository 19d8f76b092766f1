"""The schema as SQLAlchemy Core tables, and the typed record the repository returns.

Core rather than the ORM: importing sqlalchemy.orm alone costs ~115 ms per command on
this class of machine (measured by benchmarks/cli_startup.py), a third of the start-up
budget, and the repository needs none of the ORM's unit of work.

The tables describe the whole schema but for the search index, which each engine's
migrations build their own way; `include_name` names exactly what they leave out.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
    true,
)

if TYPE_CHECKING:
    from alembic.runtime.environment import NameFilterParentNames, NameFilterType

# SQLite only gives INTEGER PRIMARY KEY its rowid (and AUTOINCREMENT) behaviour when the
# type is spelled INTEGER; PostgreSQL gets a 64-bit identity.
NoteId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both engines (SQLite stores it as naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite the two steps above and SQLAlchemy's own text conversion become one call
    # each way, in C: a fifth of an import's and an export's time went to converting
    # dates (benchmarks/README.md). The text is SQLAlchemy's SQLite storage format,
    # `2026-11-25 13:00:00.123456`, so stores written either way read the same.
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def to_text(value: datetime | None) -> str | None:
            if value is None:
                return None
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return to_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)

        def from_text(value: str | None) -> datetime | None:
            return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)

        return from_text


def utc_now() -> datetime:
    return datetime.now(UTC)


metadata = MetaData()

notes = Table(
    "notes",
    metadata,
    Column("id", NoteId, primary_key=True, autoincrement=True),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Set while the note is in the trash (migration 0005).
    Column("trashed_at", UTCDateTime, nullable=True),
    # Pinned notes come first in listings (migration 0006).
    Column("pinned", Boolean, nullable=False, server_default=false()),
    # Import's "same text and created_at" check, and listings filtered by date, which are
    # keyset-paged on (created_at, id).
    Index("ix_notes_created_at", "created_at", "id"),
    # `list --sort updated`: most recently changed first, keyset-paged on (updated_at, id).
    Index("ix_notes_updated_at", "updated_at", "id"),
    # AUTOINCREMENT: ids are never reused, even after the newest note is deleted.
    sqlite_autoincrement=True,
)

LIVE = notes.c.trashed_at.is_(None)
TRASHED = notes.c.trashed_at.is_not(None)
# Compared with a literal (`pinned = 1` on SQLite), never a bound parameter: SQLite uses a
# partial index only when the query's WHERE repeats the index's terms as they are written.
PINNED = notes.c.pinned == true()
UNPINNED = notes.c.pinned == false()


def with_partial_indexes() -> MetaData:
    """`metadata` with the partial indexes of the notes table added, for Alembic's
    comparisons (migrations/env.py, the drift test).

    Listings walk the live notes only, so their cost does not grow with the trash; the
    trash has its own index, most recently trashed first; the pinned live notes have theirs,
    which holds only them. They are left out of `metadata`
    until asked for because their dialect-specific WHERE makes SQLAlchemy import the
    PostgreSQL dialect (35 ms of every command's start-up, SQLite or not); queries name
    them by text (repository.notes.select_notes), so nothing else needs them.
    """
    if "ix_notes_live_id" not in {index.name for index in notes.indexes}:
        Index("ix_notes_live_id", notes.c.id, sqlite_where=LIVE, postgresql_where=LIVE)
        Index(
            "ix_notes_trashed_at",
            notes.c.trashed_at,
            notes.c.id,
            sqlite_where=TRASHED,
            postgresql_where=TRASHED,
        )
        pinned_live = PINNED & LIVE
        Index("ix_notes_pinned", notes.c.id, sqlite_where=pinned_live, postgresql_where=pinned_live)
    return metadata


tags = Table(
    "tags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
)

note_tags = Table(
    "note_tags",
    metadata,
    Column("note_id", NoteId, ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_note_tags_tag_id_note_id", "tag_id", "note_id"),
)

# The versions of a note before its current one, numbered from 1; the current version is
# the note itself (number: the count of these plus one).
note_revisions = Table(
    "note_revisions",
    metadata,
    Column("note_id", NoteId, ForeignKey("notes.id", ondelete="CASCADE"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("tags", JSON, nullable=False),
    # When this version was made: the note's updated_at while it was current.
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("note_id", "revision", name="pk_note_revisions"),
)

# --- what the tables leave to the migrations --------------------------------------------
# Search is built by migrations only (0002, 0004), differently on each engine. Describing
# it here would put a PostgreSQL-only tsvector column into a table SQLite uses too, and
# Alembic can neither compare nor alter a generated column's expression anyway. So
# autogenerate (migrations/env.py) and the drift test (tests/test_migrations.py) skip
# exactly these names, and that test checks search on a migrated store by its results.

# SQLite: the FTS5 table and the shadow tables FTS5 keeps beside it (external content:
# there is no notes_fts_content). Its three triggers are invisible to autogenerate.
SEARCH_TABLES = frozenset(
    {"notes_fts", "notes_fts_data", "notes_fts_idx", "notes_fts_docsize", "notes_fts_config"}
)
# PostgreSQL: the generated tsvector column and its GIN index, as (table, name).
SEARCH_COLUMNS = frozenset({("notes", "search_vector")})
SEARCH_INDEXES = frozenset({("notes", "ix_notes_search_vector")})


def include_name(
    name: str | None, type_: "NameFilterType", parent_names: "NameFilterParentNames"
) -> bool:
    """Alembic's `include_name` filter: False for the search objects above, which only
    migrations make, so autogenerate never proposes to drop them."""
    table = parent_names.get("table_name")
    if type_ == "table":
        return name not in SEARCH_TABLES
    if type_ == "column":
        return (table, name) not in SEARCH_COLUMNS
    if type_ == "index":
        return (table, name) not in SEARCH_INDEXES
    return True


@dataclass(slots=True)
class Note:
    """A stored note, as every repository function returns it."""

    id: int
    text: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    trashed_at: datetime | None = None
    pinned: bool = False

    @property
    def etag(self) -> str:
        """This version of the note as a strong HTTP entity tag (RFC 9110), quotes included.

        It changes whenever the text, the tags, `updated_at` or the pin do (`created_at`
        never changes; pinning is not an edit, so it moves no date), so two reads carry the
        same tag exactly when nothing was written between.
        """
        version: list[object] = [self.id, self.text, self.tags, self.updated_at.isoformat()]
        if self.pinned:  # unpinned notes keep the tags they had before pins existed
            version.append(True)
        digest = hashlib.blake2b(json.dumps(version).encode(), digest_size=16).hexdigest()
        return '"' + digest + '"'

    def matches(self, if_match: str) -> bool:
        """Whether an `If-Match` condition holds for this version: `*`, or a
        comma-separated list of entity tags one of which is `etag` (strong comparison, so
        a weak `W/"..."` tag never matches). Anything malformed simply does not match."""
        if if_match.strip() == "*":
            return True
        return self.etag in (candidate.strip() for candidate in if_match.split(","))


@dataclass(slots=True, frozen=True)
class Revision:
    """One version of a note: number 1 is the oldest, the highest the current text."""

    note_id: int
    revision: int
    text: str
    tags: list[str]
    updated_at: datetime
    current: bool


@dataclass(slots=True, frozen=True)
class TagCount:
    """A tag in use, and how many live notes (not in the trash) carry it."""

    name: str
    count: int


@dataclass(slots=True, frozen=True)
class TagRenamed:
    """What `notes tag rename` did: the two names as stored, and how many notes changed."""

    old: str
    new: str
    notes: int
