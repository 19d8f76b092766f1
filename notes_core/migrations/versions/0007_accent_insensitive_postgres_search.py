"""PostgreSQL: accents stop mattering in search (`cafe` finds `café`), as on SQLite.

The way PostgreSQL's documentation for the `unaccent` module shows: a text search
configuration, `notes_search`, copied from `simple`, whose word mappings go through the
`unaccent` dictionary before `simple` (which lowercases). `unaccent()` the function is not
immutable, so it cannot feed a generated column; `to_tsvector()` with an explicit
configuration is, so the column and its partial GIN index are rebuilt with it. Queries name
the same configuration (notes_core/repository/search_postgres.py).

Everything else about the column stays as 0004 and 0005 left it: the first 100,000
characters, anything but letters and digits separating words, the index holding live notes
only. The rebuild rewrites the notes table once, under an exclusive lock (see 0004 for what
that costs).

`unaccent` is a trusted extension: the database owner (or anyone allowed to CREATE in the
database) may create it. When the role notes connects as may not, the upgrade stops, changes
nothing, and the error says what to run.

SQLite: nothing to do; its FTS5 tokenizer already removes diacritics.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from notes_core.errors import StoreError

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIGURATION = "notes_search"
# The token types the `default` parser gives to words with letters beyond ASCII (the hword
# types cannot occur: every hyphen has become a space by then). ASCII words and numbers
# have no accents and keep `simple` alone.
UNACCENTED_TOKENS = "word, numword, hword, hword_part, hword_numpart"
# Copied, not imported: this revision must do the same thing on every store.
SEARCH_VECTOR = (
    f"to_tsvector('{CONFIGURATION}'::regconfig, "
    "regexp_replace(left(text, 100000), '[^[:alnum:]]+', ' ', 'g'))"
)
OLD_SEARCH_VECTOR = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace(left(text, 100000), '[^[:alnum:]]+', ' ', 'g'))"
)


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    _create_unaccent(connection)
    op.execute(f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = simple)")
    op.execute(
        f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} "
        f"ALTER MAPPING FOR {UNACCENTED_TOKENS} WITH unaccent, simple"
    )
    _rebuild_column(SEARCH_VECTOR)


def _create_unaccent(connection: sa.Connection) -> None:
    """CREATE EXTENSION unaccent, or a StoreError that says who can run it."""
    # Checked first: a role that may not create extensions can still use one made for it.
    present = connection.execute(
        sa.text("SELECT 1 FROM pg_extension WHERE extname = 'unaccent'")
    ).scalar()
    if present:
        return
    try:
        # A savepoint, so the error below is ours and not "current transaction is aborted".
        with connection.begin_nested():
            connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    except sa.exc.DBAPIError as exc:
        database = connection.execute(sa.text("SELECT current_database()")).scalar()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise StoreError(
            f"cannot upgrade the store: search needs the PostgreSQL extension unaccent, "
            f"which this role may not create ({reason}); run `CREATE EXTENSION unaccent;` "
            f'in database "{database}" as its owner or a superuser, then retry; '
            "nothing was changed"
        ) from None


def _rebuild_column(expression: str) -> None:
    op.execute("DROP INDEX IF EXISTS ix_notes_search_vector")
    op.execute("ALTER TABLE notes DROP COLUMN IF EXISTS search_vector")
    op.execute(
        f"ALTER TABLE notes ADD COLUMN search_vector tsvector "
        f"GENERATED ALWAYS AS ({expression}) STORED"
    )
    op.execute(
        "CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector) "
        "WHERE trashed_at IS NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    _rebuild_column(OLD_SEARCH_VECTOR)
    op.execute(f"DROP TEXT SEARCH CONFIGURATION {CONFIGURATION}")
    # The extension stays: other things in the database may use it by now.
