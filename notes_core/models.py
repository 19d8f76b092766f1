"""The schema as SQLAlchemy Core tables, and the typed record the repository returns.

Core rather than the ORM: importing sqlalchemy.orm alone costs ~115 ms per command on
this class of machine (measured by benchmarks/cli_startup.py), a third of the start-up
budget, and the repository needs none of the ORM's unit of work.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)

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
    # AUTOINCREMENT: ids are never reused, even after the newest note is deleted.
    sqlite_autoincrement=True,
)

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


@dataclass(slots=True)
class Note:
    """A stored note, as every repository function returns it."""

    id: int
    text: str
    tags: list[str]
    created_at: datetime
    updated_at: datetime
