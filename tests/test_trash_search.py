"""The trash and the search index: trashed notes are in no search, on either engine, and
the index follows them out of the trash and back (migration 0005)."""

from collections.abc import Iterator

import pytest
from sqlalchemy import event, text

from notes_core import Notes
from notes_core.errors import NoteInTrash


@pytest.fixture
def notes(db_target: str) -> Iterator[Notes]:
    with Notes.open(db_target) as opened:
        yield opened


def found(notes: Notes, query: str) -> list[int]:
    return [hit.note.id for hit in notes.search(query)]


def test_a_trashed_note_leaves_every_search_and_comes_back_on_restore(notes: Notes) -> None:
    kept = notes.add("quarterly report draft", tags=["work"]).id
    binned = notes.add("quarterly report final", tags=["work"]).id
    notes.trash([binned])

    assert found(notes, "quarterly") == [kept]
    assert found(notes, '"report final"') == []
    assert found(notes, "final OR draft") == [kept]
    assert found(notes, "quarter*") == [kept]
    # A query of exclusions only walks the notes table, not the index.
    assert found(notes, "-draft") == []
    assert [hit.note.id for hit in notes.search("report", tags=["work"])] == [kept]

    notes.restore([binned])
    assert sorted(found(notes, "quarterly")) == [kept, binned]
    assert found(notes, "-draft") == [binned]


def test_a_purged_note_is_gone_from_the_index_and_its_id_is_not_reused(notes: Notes) -> None:
    binned = notes.add("ephemeral scratch").id
    notes.trash([binned])
    notes.purge([binned])
    assert found(notes, "ephemeral") == []
    assert notes.add("ephemeral again").id == binned + 1
    assert found(notes, "ephemeral") == [binned + 1]


def test_a_note_edited_before_it_was_trashed_is_found_by_its_new_words_after_restore(
    notes: Notes,
) -> None:
    note = notes.add("old wording")
    notes.update(note.id, text="new wording")
    notes.trash([note.id])
    with pytest.raises(NoteInTrash, match=rf"notes restore {note.id}"):
        notes.update(note.id, text="edited in the trash")
    notes.restore([note.id])
    assert found(notes, "new") == [note.id]
    assert found(notes, "old") == []
    assert found(notes, "trash") == []


def test_the_sqlite_index_holds_exactly_the_live_notes(sqlite_path: object) -> None:
    with Notes.open(str(sqlite_path)) as notes:
        ids = [notes.add(f"common word {n}").id for n in range(6)]
        notes.trash(ids[:3])
        notes.restore(ids[:1])
        notes.update(ids[3], text="common word edited")
        notes.purge(ids[1:2])
        with notes.store.engine.connect() as connection:
            # FTS5's own consistency check of its index structures.
            connection.execute(text("INSERT INTO notes_fts(notes_fts) VALUES ('integrity-check')"))
            indexed = connection.execute(
                text("SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'common' ORDER BY rowid")
            ).scalars()
            assert list(indexed) == [ids[0], *ids[3:]]


def test_listing_on_sqlite_walks_the_live_notes_index(sqlite_path: object) -> None:
    """What keeps `notes list` as fast with a big trash as with none: SQLite's planner
    never picks the partial index on its own, so the query names it."""
    with Notes.open(str(sqlite_path)) as notes:
        notes.add("one")
        statements: list[tuple[str, object]] = []

        def capture(_c: object, _cur: object, statement: str, params: object, *_: object) -> None:
            statements.append((statement, params))

        event.listen(notes.store.engine, "before_cursor_execute", capture)
        assert [note.text for note in notes.iterate(limit=10)] == ["one"]
        # The second group's query: the pinned notes have an index of their own.
        listing, params = next((s, p) for s, p in statements if "notes.pinned = 0" in s)
        with notes.store.engine.connect() as connection:
            plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {listing}", params).all()
        assert any("ix_notes_live_id" in row[-1] for row in plan), plan
