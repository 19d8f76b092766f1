"""Alembic environment: always run by notes_core.migrate on a live connection."""

from alembic import context

from notes_core.models import metadata

config = context.config
connection = config.attributes["connection"]


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    # FTS5 keeps shadow tables beside its virtual table; autogenerate must not drop them.
    return not (type_ == "table" and name is not None and name.startswith("notes_fts"))


context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    transactional_ddl=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
