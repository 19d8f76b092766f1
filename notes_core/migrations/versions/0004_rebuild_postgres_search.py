"""PostgreSQL: stores made with the first 0002 get today's search column.

0002 was edited after it landed, which docs/contributing.md now forbids. Its first version
generated `to_tsvector('simple', left(text, 100000))`, whose parser keeps `docs/setup.md`
or `example.com` as one word, so searching `setup` or `example` missed such notes. Alembic
never runs a revision twice, so stores created with that version kept that column. Here
the column and its GIN index are rebuilt with today's expression wherever the store's
differs; stores that already have it are left untouched.

The rebuild rewrites the notes table and its index under an exclusive lock, once: on
PostgreSQL 15 on a shared 2-core machine, 1.8 s for 10,000 notes of 450 characters and
19-22 s for 100,000 (measured by hand, not a kept benchmark); checking a store already
current took 13 ms.

SQLite: nothing to do, its FTS5 index never changed.

The expression is copied here, not imported from 0002: this revision must do the same
thing on every store, whatever later files say.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Anything but letters and digits separates words, as in SQLite's unicode61 tokenizer.
SEARCH_VECTOR = (
    "to_tsvector('simple', regexp_replace(left(text, 100000), '[^[:alnum:]]+', ' ', 'g'))"
)
# Made and dropped inside this migration's transaction: no other session ever sees it.
PROBE = "notes_search_probe_0004"


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    if _generated_expression(connection, "notes") == _todays_expression(connection):
        return
    op.execute("DROP INDEX IF EXISTS ix_notes_search_vector")
    op.execute("ALTER TABLE notes DROP COLUMN IF EXISTS search_vector")
    op.execute(
        f"ALTER TABLE notes ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED"
    )
    op.execute("CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector)")


def _todays_expression(connection: sa.Connection) -> str | None:
    """SEARCH_VECTOR as this server prints it back (casts and quoting vary by version)."""
    connection.execute(
        sa.text(
            f"CREATE TABLE {PROBE} (text text, "
            f"search_vector tsvector GENERATED ALWAYS AS ({SEARCH_VECTOR}) STORED)"
        )
    )
    expression = _generated_expression(connection, PROBE)
    connection.execute(sa.text(f"DROP TABLE {PROBE}"))
    return expression


def _generated_expression(connection: sa.Connection, table: str) -> str | None:
    """The expression behind `table`.search_vector; None when there is no such column."""
    query = sa.text(
        "SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
        "JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = to_regclass(:table) AND a.attname = 'search_vector' "
        "AND NOT a.attisdropped"
    )
    return connection.execute(query, {"table": table}).scalar()


def downgrade() -> None:
    # 0003 reads today's column as well as the old one; the old one was the bug.
    pass
