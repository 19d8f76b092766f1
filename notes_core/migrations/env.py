"""Alembic environment: always run by notes_core.migrate on a live connection."""

from alembic import context

from notes_core.models import include_name, with_partial_indexes

config = context.config
connection = config.attributes["connection"]

context.configure(
    connection=connection,
    target_metadata=with_partial_indexes(),
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
    # The search objects only migrations make (FTS5 tables, the tsvector column and its
    # index): the same rule the drift test in tests/test_migrations.py applies.
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
