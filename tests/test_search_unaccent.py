"""PostgreSQL search needs the `unaccent` extension (migration 0007): a role that may not
create it gets one line that says what to run, the store is left as it was, and once the
owner has run it the same command works."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, make_url, text
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core import repository
from notes_core.engine import open_store
from notes_core.migrate import upgrade
from notes_core.session import session_scope


@pytest.fixture
def limited_role(empty_postgres_database: str) -> Iterator[tuple[str, str]]:
    """(admin URL, URL as a role that owns the notes tables but may not create
    extensions: not the database owner, not a superuser), on an empty database."""
    role = f"notes_limited_{uuid.uuid4().hex[:8]}"
    admin = create_engine(empty_postgres_database, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.execute(text(f"GRANT CREATE ON SCHEMA public TO {role}"))
    limited = make_url(empty_postgres_database).set(username=role)
    try:
        yield empty_postgres_database, limited.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))
        admin.dispose()


def test_a_role_that_cannot_create_unaccent_is_told_what_to_run(
    limited_role: tuple[str, str], runner: CliRunner
) -> None:
    admin_url, limited_url = limited_role
    # The store as notes 0006 left it, made by the limited role, with a note in it.
    engine = create_engine(limited_url)
    with engine.begin() as connection:
        upgrade(connection, target="0006")
        connection.execute(
            text("INSERT INTO notes (text, created_at, updated_at) VALUES ('Café', now(), now())")
        )
    engine.dispose()

    result = runner.invoke(app, ["--db", limited_url, "search", "cafe"])
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot upgrade the store")
    assert "CREATE EXTENSION unaccent;" in lines[0]
    assert "nothing was changed" in lines[0], lines[0]
    check = create_engine(limited_url)
    with check.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "0006"
        )
    check.dispose()

    # What the message says to run, as the owner; then the same command works.
    owner = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as connection:
        connection.execute(text("CREATE EXTENSION unaccent"))
    owner.dispose()
    result = runner.invoke(app, ["--db", limited_url, "search", "cafe", "--format", "plain"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("1\t")
    store = open_store(limited_url)
    try:
        with session_scope(store) as session:
            assert [hit.note.id for hit in repository.search(session, query="CAFE")] == [1]
    finally:
        store.close()
