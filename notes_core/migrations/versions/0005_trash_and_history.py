"""Trash and history: `notes.trashed_at`, the live-note indexes, and `note_revisions`;
the date indexes that listings filter and sort by (created_at; updated_at, id).

The search index holds live notes only, so trashed notes cost search nothing:
- SQLite: the FTS5 triggers index a note while `trashed_at` is NULL and drop it from the
  index when it is trashed (an external-content FTS5 'delete' must only be issued for a
  row that is indexed, with its indexed text: hence the conditions).
- PostgreSQL: the GIN index over `search_vector` becomes partial (`WHERE trashed_at IS
  NULL`); queries repeat that condition so the planner can use it. Autovacuum is told to
  clean the notes table sooner (see below).

Every note is live when this runs, so the existing FTS5 index is already right.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NoteId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = sa.text("trashed_at IS NULL")
TRASHED = sa.text("trashed_at IS NOT NULL")

SQLITE_TRIGGERS = [
    """CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes
    WHEN new.trashed_at IS NULL BEGIN
        INSERT INTO notes_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes
    WHEN old.trashed_at IS NULL BEGIN
        INSERT INTO notes_fts(notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER notes_fts_update AFTER UPDATE OF text, trashed_at ON notes BEGIN
        INSERT INTO notes_fts(notes_fts, rowid, text)
            SELECT 'delete', old.id, old.text WHERE old.trashed_at IS NULL;
        INSERT INTO notes_fts(rowid, text)
            SELECT new.id, new.text WHERE new.trashed_at IS NULL;
    END""",
]
# 0002's triggers, for downgrade.
SQLITE_OLD_TRIGGERS = [
    """CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
        INSERT INTO notes_fts(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
        INSERT INTO notes_fts(notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER notes_fts_update AFTER UPDATE OF text ON notes BEGIN
        INSERT INTO notes_fts(notes_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO notes_fts(rowid, text) VALUES (new.id, new.text);
    END""",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # A plain ADD COLUMN (no batch table rebuild), so the FTS triggers stay in place.
    op.add_column("notes", sa.Column("trashed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_notes_created_at", "notes", ["created_at"])
    op.create_index("ix_notes_updated_at", "notes", ["updated_at", "id"])
    op.create_index("ix_notes_live_id", "notes", ["id"], sqlite_where=LIVE, postgresql_where=LIVE)
    op.create_index(
        "ix_notes_trashed_at",
        "notes",
        ["trashed_at", "id"],
        sqlite_where=TRASHED,
        postgresql_where=TRASHED,
    )
    op.create_table(
        "note_revisions",
        sa.Column("note_id", NoteId, sa.ForeignKey("notes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("note_id", "revision", name="pk_note_revisions"),
    )
    if sqlite:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER notes_fts_{trigger}")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        op.execute("DROP INDEX ix_notes_search_vector")
        op.execute(
            "CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector) "
            "WHERE trashed_at IS NULL"
        )
        # Trashing a note leaves its old row version in the live-notes index until a
        # vacuum, and a newest-first listing steps over those entries: 100k notes trashed
        # at once made `list --limit 10` 1.23x slower (benchmarks/trash.py). PostgreSQL's
        # default waits for 20% of the table to be dead rows; 1% (and at least 1,000)
        # has autovacuum clean up within a minute or so of a big trash or purge.
        op.execute(
            "ALTER TABLE notes SET (autovacuum_vacuum_scale_factor = 0.01, "
            "autovacuum_vacuum_threshold = 1000)"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Notes in the trash are deleted for good: the older schema has no trash.
    op.execute("DELETE FROM notes WHERE trashed_at IS NOT NULL")
    if sqlite:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER notes_fts_{trigger}")
        for statement in SQLITE_OLD_TRIGGERS:
            op.execute(statement)
    else:
        op.execute(
            "ALTER TABLE notes RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)"
        )
        op.execute("DROP INDEX ix_notes_search_vector")
        op.execute("CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector)")
    op.drop_table("note_revisions")
    op.drop_index("ix_notes_trashed_at", "notes")
    op.drop_index("ix_notes_live_id", "notes")
    op.drop_index("ix_notes_updated_at", "notes")
    op.drop_index("ix_notes_created_at", "notes")
    if sqlite:
        # Native DROP COLUMN (SQLite 3.35+): a batch rebuild would drop the FTS triggers.
        op.execute("ALTER TABLE notes DROP COLUMN trashed_at")
    else:
        op.drop_column("notes", "trashed_at")
