"""Migrations cannot drift: a migrated store has exactly the schema the models describe,
and a store from any earlier revision, with notes in it, upgrades to head intact.

Run on SQLite and PostgreSQL. docs/contributing.md says what to do when one fails.
"""

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text

from notes_core import repository
from notes_core.engine import Store, open_store
from notes_core.location import resolve_url
from notes_core.migrate import SCHEMA_HEAD, upgrade
from notes_core.models import include_name, with_partial_indexes
from notes_core.session import session_scope


def earlier_revisions() -> list[str]:
    """Every revision but head, oldest first: a new migration joins this list by itself."""
    config = Config()
    config.set_main_option("script_location", "notes_core:migrations")
    script = ScriptDirectory.from_config(config)
    return [
        r.revision for r in reversed(list(script.walk_revisions())) if r.revision != SCHEMA_HEAD
    ]


def drift(store: Store) -> list[Any]:
    """What `alembic revision --autogenerate` would write for this store: nothing, ideally."""
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": include_name})
        return list(compare_metadata(context, with_partial_indexes()))


def bare_engine(target: str) -> Engine:
    """A plain engine on `target`, to build a store as an older notes left it."""
    url = resolve_url(target)
    if url.get_backend_name() == "sqlite":
        Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


# Plain SQL: valid at every revision so far, since none after 0001 changed these tables.
# A migration that does must give older revisions their own seed.
SEED_NOTES = [
    (
        1,
        "Read docs/setup.md before the deploy",
        "2025-01-02 03:04:05.000006",
        "2025-01-03 00:00:00",
    ),
    (2, "Renew the example.com certificate", "2025-02-01 10:00:00", "2025-02-01 10:00:00"),
    (3, "untagged thought", "2025-03-01 00:00:00", "2025-03-04 05:06:07.5"),
]
SEED_TAGS = {1: "ops", 2: "work"}
SEED_LINKS = [(1, 1), (1, 2), (2, 1)]


def seed(connection: Connection) -> None:
    for note_id, note_text, created, updated in SEED_NOTES:
        connection.execute(
            text(
                "INSERT INTO notes (id, text, created_at, updated_at) "
                "VALUES (:id, :text, :created, :updated)"
            ),
            {"id": note_id, "text": note_text, "created": created, "updated": updated},
        )
    for tag_id, name in SEED_TAGS.items():
        connection.execute(
            text("INSERT INTO tags (id, name) VALUES (:id, :name)"), {"id": tag_id, "name": name}
        )
    for note_id, tag_id in SEED_LINKS:
        connection.execute(
            text("INSERT INTO note_tags (note_id, tag_id) VALUES (:n, :t)"),
            {"n": note_id, "t": tag_id},
        )
    if connection.dialect.name == "postgresql":
        # Explicit ids do not move the sequences; an older notes inserted without them.
        connection.execute(text("SELECT setval('notes_id_seq', 3)"))
        connection.execute(text("SELECT setval('tags_id_seq', 2)"))


def assert_seed_intact_and_searchable(store: Store) -> None:
    with session_scope(store) as session:
        found = {i: repository.get(session, note_id=i) for i in (1, 2, 3)}
        assert {i: (n.text, n.tags) for i, n in found.items()} == {
            1: ("Read docs/setup.md before the deploy", ["ops", "work"]),
            2: ("Renew the example.com certificate", ["ops"]),
            3: ("untagged thought", []),
        }
        assert [(n.created_at.isoformat(), n.updated_at.isoformat()) for n in found.values()] == [
            ("2025-01-02T03:04:05.000006+00:00", "2025-01-03T00:00:00+00:00"),
            ("2025-02-01T10:00:00+00:00", "2025-02-01T10:00:00+00:00"),
            ("2025-03-01T00:00:00+00:00", "2025-03-04T05:06:07.500000+00:00"),
        ]
        # Words inside a path or a host name are words, on both engines.
        for query, expected in [("setup", [1]), ("example", [2]), ("thought", [3])]:
            assert [hit.note.id for hit in repository.search(session, query=query)] == expected
        assert [
            hit.note.id for hit in repository.search(session, query="deploy", tags=["ops"])
        ] == [1]
    # The store takes new notes after the upgrade, with fresh ids and existing tags.
    with session_scope(store, write=True) as session:
        added = repository.add(session, text="after the upgrade", tags=["work"])
    assert (added.id, added.tags) == (4, ["work"])
    with session_scope(store) as session:
        assert [hit.note.id for hit in repository.search(session, query="upgrade")] == [4]


def stored_revision(store: Store) -> str | None:
    with store.engine.connect() as connection:
        revision: str | None = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).scalar()
        return revision


# --- the migrated schema is the schema in code --------------------------------------------


def test_an_empty_store_migrated_to_head_matches_the_models(empty_db_target: str) -> None:
    store = open_store(empty_db_target)
    try:
        assert stored_revision(store) == SCHEMA_HEAD
        assert drift(store) == []
    finally:
        store.close()


def test_the_drift_check_sees_what_the_models_lack(db_target: str) -> None:
    """The search exclusions are exact names: a stray column, or a table that merely
    starts like FTS5's, is still reported."""
    store = open_store(db_target)
    try:
        with store.engine.begin() as connection:
            connection.execute(text("ALTER TABLE notes ADD COLUMN stray TEXT"))
            connection.execute(text("CREATE TABLE notes_fts_stray (id INTEGER PRIMARY KEY)"))
        found = {(diff[0], getattr(diff[-1], "name", None)) for diff in drift(store)}
        assert found == {("remove_column", "stray"), ("remove_table", "notes_fts_stray")}
    finally:
        store.close()


# --- every earlier revision upgrades with its data -------------------------------------------


def test_the_upgrade_tests_cover_every_revision_before_head() -> None:
    assert earlier_revisions() == [f"{n:04d}" for n in range(1, int(SCHEMA_HEAD))]


@pytest.mark.parametrize("revision", earlier_revisions())
def test_a_store_at_an_earlier_revision_upgrades_with_its_notes(
    empty_db_target: str, revision: str
) -> None:
    engine = bare_engine(empty_db_target)
    with engine.begin() as connection:
        upgrade(connection, target=revision)
        seed(connection)
    engine.dispose()

    store = open_store(empty_db_target)
    try:
        assert stored_revision(store) == SCHEMA_HEAD
        assert drift(store) == []
        assert_seed_intact_and_searchable(store)
    finally:
        store.close()


# --- 0004: PostgreSQL stores made with the first 0002 --------------------------------------

# The DDL of 0002 as it first landed, before it was edited (see 0004's docstring).
FIRST_0002 = [
    """ALTER TABLE notes ADD COLUMN search_vector tsvector GENERATED ALWAYS AS
        (to_tsvector('simple', left(text, 100000))) STORED""",
    "CREATE INDEX ix_notes_search_vector ON notes USING gin (search_vector)",
]


def raw_matches(connection: Connection, word: str) -> list[int]:
    """Notes whose stored search_vector holds `word`, without the repository's help."""
    query = text(
        "SELECT id FROM notes WHERE search_vector @@ to_tsquery('simple', :word) ORDER BY id"
    )
    return list(connection.execute(query, {"word": word}).scalars())


def test_a_postgres_store_from_the_first_0002_gets_todays_search(
    empty_postgres_database: str,
) -> None:
    engine = bare_engine(empty_postgres_database)
    with engine.begin() as connection:
        upgrade(connection, target="0001")
        for statement in FIRST_0002:
            connection.execute(text(statement))
        connection.execute(text("UPDATE alembic_version SET version_num = '0002'"))
        seed(connection)
    with engine.connect() as connection:
        # The store really has the old column: `setup` and `example` are not words in it.
        assert raw_matches(connection, "setup") == raw_matches(connection, "example") == []
    engine.dispose()

    store = open_store(empty_postgres_database)  # runs 0003 and 0004
    try:
        assert stored_revision(store) == SCHEMA_HEAD
        with store.engine.connect() as connection:
            assert raw_matches(connection, "setup") == [1]
            assert raw_matches(connection, "example") == [2]
        assert drift(store) == []
        assert_seed_intact_and_searchable(store)
    finally:
        store.close()


def search_column_identity(connection: Connection) -> tuple[int, int]:
    """The column's number and its index's oid: both change when they are rebuilt."""
    row = connection.execute(
        text(
            "SELECT a.attnum, to_regclass('ix_notes_search_vector')::oid FROM pg_attribute a "
            "WHERE a.attrelid = 'notes'::regclass AND a.attname = 'search_vector'"
        )
    ).one()
    return (row[0], row[1])


def test_0004_does_not_rewrite_a_postgres_store_that_is_already_current(
    empty_postgres_database: str,
) -> None:
    """Rebuilding locks and rewrites the whole notes table: only stores that need it pay.
    (0005 rebuilds the index once more, as a partial one: this checks 0004 alone.)"""
    engine = bare_engine(empty_postgres_database)
    try:
        with engine.begin() as connection:
            upgrade(connection, target="0003")
            seed(connection)
            before = search_column_identity(connection)
        with engine.begin() as connection:
            upgrade(connection, target="0004")
            assert search_column_identity(connection) == before
    finally:
        engine.dispose()
