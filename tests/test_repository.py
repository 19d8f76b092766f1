"""Every repository operation, on SQLite and on PostgreSQL."""

from datetime import UTC, datetime, timedelta

import pytest

from notes_core import repository
from notes_core.engine import Store
from notes_core.errors import InvalidInput, InvalidNote, NoteNotFound
from notes_core.repository import NewNote, trash
from notes_core.session import session_scope


def add(store: Store, text: str, tags: list[str] | None = None) -> int:
    with session_scope(store, write=True) as session:
        return repository.add(session, text=text, tags=tags or []).id


def ids(store: Store, **filters: object) -> list[int]:
    with session_scope(store) as session:
        return [note.id for note in repository.iterate(session, **filters)]  # type: ignore[arg-type]


def test_add_then_get_returns_the_same_note(store: Store) -> None:
    before = datetime.now(UTC)
    note_id = add(store, "Buy milk\nand bread", ["Home", "errands", "home"])
    with session_scope(store) as session:
        note = repository.get(session, note_id=note_id)
    assert note.id == 1
    assert note.text == "Buy milk\nand bread"
    assert note.tags == ["errands", "home"]
    assert note.created_at == note.updated_at
    assert note.created_at.tzinfo is not None and note.created_at.utcoffset() == timedelta(0)
    assert before - timedelta(seconds=5) <= note.created_at <= datetime.now(UTC)


def test_get_unknown_id_raises(store: Store) -> None:
    with session_scope(store) as session, pytest.raises(NoteNotFound, match="no note with id 9"):
        repository.get(session, note_id=9)


def test_invalid_note_writes_nothing(store: Store) -> None:
    with pytest.raises(InvalidNote):
        add(store, "ok", ["bad tag"])
    assert ids(store) == []


def test_ids_are_never_reused_after_a_purge(store: Store) -> None:
    first, second = add(store, "one"), add(store, "two")
    with session_scope(store, write=True) as session:
        trash.trash_many(session, note_ids=[second])
        trash.purge_many(session, note_ids=[second])
    assert add(store, "three") == second + 1
    assert ids(store) == [3, first]


def test_list_is_newest_first_with_limit(store: Store) -> None:
    for number in range(5):
        add(store, f"note {number}")
    assert ids(store) == [5, 4, 3, 2, 1]
    assert ids(store, limit=2) == [5, 4]


def test_repeated_tags_mean_all_of_them(store: Store) -> None:
    add(store, "a", ["x"])
    add(store, "b", ["x", "y"])
    add(store, "c", ["y"])
    assert ids(store, tags=["x"]) == [2, 1]
    assert ids(store, tags=["X", "y"]) == [2]
    assert ids(store, tags=["nope"]) == []


def test_streaming_crosses_batch_boundaries_in_order(store: Store) -> None:
    count = repository.BATCH_SIZE * 2 + 3
    with session_scope(store, write=True) as session:
        repository.add_many(session, notes=(NewNote(f"n{i}") for i in range(count)))
    assert ids(store) == list(range(count, 0, -1))
    assert ids(store, oldest_first=True, limit=count - 1) == list(range(1, count))


def test_list_pages_by_cursor_without_gaps(store: Store) -> None:
    for number in range(7):
        add(store, f"note {number}")
    seen: list[int] = []
    cursor = None
    with session_scope(store) as session:
        while True:
            page = repository.page(session, limit=3, cursor=cursor)
            seen += [note.id for note in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
    assert seen == [7, 6, 5, 4, 3, 2, 1]


@pytest.mark.parametrize("cursor", ["garbage", "!!!", "b2Zmc2V0OjE", "aWQ6LTE"])
def test_bad_cursor_is_invalid_input(store: Store, cursor: str) -> None:
    # b2Zmc2V0OjE is a search cursor ("offset:1"); aWQ6LTE is "id:-1".
    with session_scope(store) as session, pytest.raises(InvalidInput, match="cursor"):
        repository.page(session, limit=3, cursor=cursor)


def test_update_text_and_tags(store: Store) -> None:
    note_id = add(store, "draft", ["todo", "work"])
    with session_scope(store, write=True) as session:
        note = repository.update(
            session, note_id=note_id, text="final", add_tags=["Done"], remove_tags=["todo"]
        )
    assert (note.text, note.tags) == ("final", ["done", "work"])
    assert note.updated_at > note.created_at
    with session_scope(store, write=True) as session:
        note = repository.update(session, note_id=note_id, tags=["only"])
    assert note.tags == ["only"]


def test_update_that_changes_nothing_keeps_updated_at(store: Store) -> None:
    note_id = add(store, "same", ["t"])
    with session_scope(store, write=True) as session:
        note = repository.update(session, note_id=note_id, text="same", add_tags=["T"])
    assert note.updated_at == note.created_at


def test_update_unknown_or_invalid_changes_nothing(store: Store) -> None:
    note_id = add(store, "keep")
    with session_scope(store, write=True) as session, pytest.raises(NoteNotFound):
        repository.update(session, note_id=99, text="x")
    with session_scope(store, write=True) as session, pytest.raises(InvalidNote):
        repository.update(session, note_id=note_id, text="   ")
    with session_scope(store) as session:
        assert repository.get(session, note_id=note_id).text == "keep"


def test_trash_is_all_or_nothing(store: Store) -> None:
    first, second = add(store, "one"), add(store, "two")
    with (
        session_scope(store, write=True) as session,
        pytest.raises(NoteNotFound, match="no notes with id 7, 8; nothing was moved to the trash"),
    ):
        trash.trash_many(session, note_ids=[first, 7, 8])
    assert ids(store) == [second, first]
    with session_scope(store, write=True) as session:
        trash.trash_many(session, note_ids=[first, second, first])
    assert ids(store) == []
    with session_scope(store) as session:
        assert [note.id for note in trash.iterate_trash(session)] == [second, first]


def test_add_many_writes_all_in_one_transaction(store: Store) -> None:
    with session_scope(store, write=True) as session:
        new_ids = repository.add_many(
            session, notes=[NewNote("a", ["x"]), NewNote(b"b", ["Y", "x"]), NewNote("c")]
        )
    assert new_ids == [1, 2, 3]
    assert ids(store, tags=["x"]) == [2, 1]
    with session_scope(store) as session:
        assert repository.get(session, note_id=2).tags == ["x", "y"]


def test_add_many_with_one_bad_note_writes_none(store: Store) -> None:
    notes = [NewNote(f"ok {i}") for i in range(repository.BATCH_SIZE + 10)] + [NewNote(" ")]
    with pytest.raises(InvalidNote), session_scope(store, write=True) as session:
        repository.add_many(session, notes=notes)
    assert ids(store) == []


def test_unicode_text_round_trips(store: Store) -> None:
    text = "naïve café — 日本語 🙂\r\nline two\ttab"
    note_id = add(store, text)
    with session_scope(store) as session:
        assert repository.get(session, note_id=note_id).text == text
