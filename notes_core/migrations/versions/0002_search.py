"""Full-text search: FTS5 on SQLite, a tsvector column with a GIN index on PostgreSQL.

Both are filled from the notes that already exist and kept in sync by the database
itself (triggers on SQLite, a generated column on PostgreSQL), so they cannot drift.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL refuses a tsvector over 1 MB; the first 100,000 characters always fit.
POSTGRES_INDEXED_CHARS = 100_000

SQLITE_UP = [
    """CREATE VIRTUAL TABLE notes_fts USING fts5(
        text, content='notes', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
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
    "INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')",
]

# Anything but letters and digits separates words, as in SQLite's unicode61 tokenizer:
# PostgreSQL's own parser would keep `docs/setup`, `example.com` or `20.04` as one word.
POSTGRES_UP = [
    f"""ALTER TABLE notes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
        (to_tsvector('simple', regexp_replace(
            left(text, {POSTGRES_INDEXED_CHARS}), '[^[:alnum:]]+', ' ', 'g'))) STORED""",
    "CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector)",
]


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in SQLITE_UP if sqlite else POSTGRES_UP:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER notes_fts_{trigger}")
        op.execute("DROP TABLE notes_fts")
    else:
        op.execute("DROP INDEX ix_notes_search_vector")
        op.execute("ALTER TABLE notes DROP COLUMN search_vector")
