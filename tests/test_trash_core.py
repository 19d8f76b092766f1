"""The trash through the library API (`notes_core.Notes`), as a user's own script uses it,
on SQLite and PostgreSQL."""

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from notes_core import Notes
from notes_core.errors import (
    InvalidInput,
    InvalidNote,
    NoteInTrash,
    NoteNotFound,
    NoteNotInTrash,
)
from notes_core.models import Note, note_revisions


@pytest.fixture
def notes(db_target: str) -> Iterator[Notes]:
    with Notes.open(db_target) as opened:
        yield opened


def live(notes: Notes) -> list[int]:
    return [note.id for note in notes.iterate()]


def trashed(notes: Notes, **filters: object) -> list[int]:
    return [note.id for note in notes.trashed(**filters)]  # type: ignore[arg-type]


def whole_store(notes: Notes) -> list[Note]:
    """Every note, live or trashed, with its trashed_at: what a refused call must keep."""
    return list(notes.export(trash=True))


def kept_versions(notes: Notes) -> int:
    with notes.store.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(note_revisions)).scalar_one()


@pytest.fixture
def five(notes: Notes) -> Notes:
    """Notes 1-5 with tags; note 2 edited once."""
    for number in range(1, 6):
        notes.add(f"note {number} about cats", tags=["odd" if number % 2 else "even", "all"])
    notes.update(2, text="note 2 about dogs")
    return notes


def test_trash_then_restore_gives_back_the_same_note(five: Notes) -> None:
    before = five.get(2)
    five.trash([2])
    (in_trash,) = five.trashed()
    assert in_trash.trashed_at is not None and in_trash.trashed_at >= before.updated_at
    assert (in_trash.text, in_trash.tags, in_trash.created_at, in_trash.updated_at) == (
        before.text,
        before.tags,
        before.created_at,
        before.updated_at,
    )
    assert five.restore([2]) == [before]
    assert five.get(2) == before and five.get(2).trashed_at is None
    assert [v.text for v in five.history(2)] == ["note 2 about cats", "note 2 about dogs"]


def test_a_trashed_note_is_out_of_every_listing_and_cannot_be_changed(five: Notes) -> None:
    five.trash([4, 5])
    assert live(five) == [3, 2, 1]
    assert [n.id for n in five.page(limit=10).items] == [3, 2, 1]
    assert sorted(hit.note.id for hit in five.search("cats")) == [1, 3]
    assert {hit.note.id for hit in five.search_page("cats", limit=10).items} == {1, 3}
    assert [n.id for n in five.iterate(tags=["even"])] == [2]
    assert [n.id for n in five.export()] == [1, 2, 3]
    assert [(n.id, n.trashed_at is not None) for n in five.export(trash=True)] == [
        (1, False),
        (2, False),
        (3, False),
        (4, True),
        (5, True),
    ]
    before = whole_store(five)
    for attempt in (
        lambda: five.get(4),
        lambda: five.update(4, text="changed"),
        lambda: five.update(4, add_tags=["x"]),
        lambda: five.history(4),
        lambda: five.revision(4, 1),
        lambda: five.revert(4, 1),
    ):
        with pytest.raises(NoteInTrash, match=r"^note 4 is in the trash .*notes restore 4\)$"):
            attempt()
    assert whole_store(five) == before


def test_trash_is_all_or_nothing(five: Notes) -> None:
    five.trash([5])
    before = whole_store(five)
    with pytest.raises(NoteNotFound) as unknown:
        five.trash([1, 9, 2, 8])
    assert unknown.value.note_ids == [8, 9]
    assert str(unknown.value) == "no notes with id 8, 9; nothing was moved to the trash"
    with pytest.raises(NoteInTrash) as already:
        five.trash([1, 5, 2])
    assert already.value.note_ids == [5]
    assert "nothing was moved to the trash" in str(already.value)
    assert whole_store(five) == before
    five.trash([1, 2, 1])  # a repeated id is one id
    assert live(five) == [4, 3]


@pytest.mark.parametrize("operation", ["restore", "purge"])
def test_restore_and_purge_are_all_or_nothing(five: Notes, operation: str) -> None:
    five.trash([2, 3])
    before = whole_store(five)
    versions = kept_versions(five)
    with pytest.raises(NoteNotInTrash) as raised:
        getattr(five, operation)([2, 1, 9, 3])
    assert raised.value.note_ids == [1, 9]
    done = "restored" if operation == "restore" else "purged"
    assert str(raised.value) == f"no notes with id 1, 9 in the trash; nothing was {done}"
    assert whole_store(five) == before
    assert kept_versions(five) == versions


def test_purge_deletes_for_good_with_the_history(five: Notes) -> None:
    assert kept_versions(five) == 1
    five.trash([2, 3])
    five.purge([2])
    assert kept_versions(five) == 0
    assert trashed(five) == [3]
    with pytest.raises(NoteNotFound):
        five.get(2)
    with pytest.raises(NoteNotInTrash):
        five.restore([2])


def test_purge_all_counts_and_leaves_live_notes(five: Notes) -> None:
    assert five.purge_all() == 0
    five.trash([1])
    five.trash([4, 5])
    assert five.purge_all() == 3
    assert trashed(five) == [] and live(five) == [3, 2]
    assert five.purge_all() == 0


def test_ids_are_never_reused_after_a_purge(five: Notes) -> None:
    five.trash([4, 5])
    five.purge_all()
    assert five.add("after").id == 6
    five.trash([6])
    five.purge([6])
    assert five.add("later").id == 7


def test_a_trash_in_a_failed_transaction_moves_nothing(five: Notes) -> None:
    with pytest.raises(InvalidNote), five.transaction(write=True) as tx:
        tx.trash([1, 2])
        tx.add(" ")
    assert live(five) == [5, 4, 3, 2, 1]
    with five.transaction(write=True) as tx:
        tx.trash([1])
        tx.restore([1])
        tx.trash([2])
    assert trashed(five) == [2]


def test_the_trash_is_most_recently_trashed_first(five: Notes) -> None:
    five.trash([2])
    five.trash([1, 4])  # one moment: ties go highest id first
    five.trash([3])
    assert trashed(five) == [3, 4, 1, 2]
    assert trashed(five, limit=2) == [3, 4]
    assert trashed(five, tags=["EVEN"]) == [4, 2]
    assert trashed(five, tags=["even", "all"], limit=1) == [4]
    with pytest.raises(InvalidInput):
        five.trashed(limit=0)


def test_trash_pages_chain_without_gaps_or_repeats(five: Notes) -> None:
    for number in range(6, 26):
        five.add(f"note {number}", tags=["odd" if number % 2 else "even"])
    five.trash([7])
    five.trash(range(8, 20))  # twelve notes trashed at one moment
    five.trash([1, 2])
    five.trash([25])
    expected = trashed(five)
    assert expected == [25, 2, 1, *range(19, 7, -1), 7]
    for size in (1, 2, 5, 16, 100):
        seen: list[int] = []
        cursor: str | None = None
        while True:
            page = five.trash_page(limit=size, cursor=cursor)
            assert 0 < len(page.items) <= size
            seen += [note.id for note in page.items]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        assert seen == expected, size
    evens, cursor = [], None
    while True:
        page = five.trash_page(tags=["even"], limit=3, cursor=cursor)
        evens += [note.id for note in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert evens == [n for n in expected if n % 2 == 0]
    # Trashing more while paging: the walk goes on after the last note seen.
    first = five.trash_page(limit=3)
    five.trash([3])
    rest = five.trash_page(limit=100, cursor=first.next_cursor)
    assert [n.id for n in first.items + rest.items] == expected


@pytest.mark.parametrize("cursor", ["garbage", "aWQ6Mw", "dHJhc2g6MQ", "dHJhc2g6LTE6Mg"])
def test_a_bad_trash_cursor_is_invalid_input(five: Notes, cursor: str) -> None:
    # aWQ6Mw is a listing's cursor ("id:3"); dHJhc2g6MQ is "trash:1" (one value, not two);
    # dHJhc2g6LTE6Mg is "trash:-1:2".
    five.trash([1])
    with pytest.raises(InvalidInput, match="cursor"):
        five.trash_page(limit=2, cursor=cursor)
