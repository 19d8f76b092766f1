"""Pins: `notes.pinned`, the small index of pinned live notes, and listings by date.

- `pinned` is false for every existing note. Listings show pinned notes first; they are
  found through `ix_notes_pinned`, which holds only pinned live notes, so the pinned group
  costs what it holds, however many notes there are.
- `ix_notes_created_at` becomes (created_at, id): a listing filtered by `--since` /
  `--until` is walked in (created_at, id) order, one page at a time, on both engines
  (PostgreSQL's btree does not carry the id the way SQLite's rowid does).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN with a constant default (no batch table rebuild, which would drop
    # SQLite's FTS triggers).
    op.add_column(
        "notes",
        sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_notes_pinned",
        "notes",
        ["id"],
        sqlite_where=sa.text("pinned = 1 AND trashed_at IS NULL"),
        postgresql_where=sa.text("pinned = true AND trashed_at IS NULL"),
    )
    op.drop_index("ix_notes_created_at", "notes")
    op.create_index("ix_notes_created_at", "notes", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_notes_created_at", "notes")
    op.create_index("ix_notes_created_at", "notes", ["created_at"])
    op.drop_index("ix_notes_pinned", "notes")
    if op.get_bind().dialect.name == "sqlite":
        # Native DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the FTS triggers.
        op.execute("ALTER TABLE notes DROP COLUMN pinned")
    else:
        op.drop_column("notes", "pinned")
