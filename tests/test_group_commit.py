"""Group commit (notes_core/group_commit.py): writes that arrive together share one
transaction; each is answered only once that transaction is committed; a write that fails
fails alone, and a database failure fails exactly its transaction's writes.

Batches are made deterministic here by holding the first write inside its transaction
until the others are queued behind it.
"""

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from notes_core import Notes
from notes_core.errors import InvalidNote
from notes_core.group_commit import GroupCommit
from notes_core.models import Note


class Outcomes:
    """What each write was told, by name, and whether its note was already readable from
    another connection when it was told (it must be: told only after the commit)."""

    def __init__(self, reader: Notes) -> None:
        self.reader = reader
        self.told: dict[str, tuple[Any, BaseException | None, bool]] = {}
        self.lock = threading.Lock()
        self.all_told = threading.Event()
        self.expected = 0

    def done(self, name: str) -> Callable[[Any, BaseException | None], None]:
        self.expected += 1

        def tell(result: Any, error: BaseException | None) -> None:
            visible = isinstance(result, Note) and self.reader.get(result.id).text == result.text
            with self.lock:
                self.told[name] = (result, error, visible)
                if len(self.told) == self.expected:
                    self.all_told.set()

        return tell


@pytest.fixture
def group(db_target: str) -> Iterator[tuple[GroupCommit, Outcomes, Notes]]:
    with Notes.open(db_target) as notes, Notes.open(db_target) as reader:
        committer = GroupCommit(notes)
        try:
            yield committer, Outcomes(reader), notes
        finally:
            committer.close()


def hold_first(committer: GroupCommit, outcomes: Outcomes) -> threading.Event:
    """Queue a write that waits inside its transaction until the returned event is set;
    returns once it is waiting there, so every write queued next forms the next batch."""
    inside, go_on = threading.Event(), threading.Event()

    def first(notes: Notes) -> Note:
        inside.set()
        assert go_on.wait(30)
        return notes.add("first")

    committer.submit(first, outcomes.done("first"))
    assert inside.wait(30)
    return go_on


def stored_texts(notes: Notes) -> list[str]:
    return sorted(note.text for note in notes.iterate())


def test_writes_queued_together_share_one_commit_and_are_told_after_it(
    group: tuple[GroupCommit, Outcomes, Notes],
) -> None:
    committer, outcomes, notes = group
    go_on = hold_first(committer, outcomes)
    for i in range(20):
        committer.submit(lambda bound, i=i: bound.add(f"note {i}"), outcomes.done(f"n{i}"))
    assert outcomes.told == {}  # nobody is answered before the commit that holds them
    go_on.set()
    assert outcomes.all_told.wait(30)
    assert (committer.commits, committer.committed) == (2, 21)
    for name, (_result, error, visible) in outcomes.told.items():
        assert error is None, name
        assert visible, f"{name} was answered before its note was committed"
    ids = [outcomes.told[f"n{i}"][0].id for i in range(20)]
    assert ids == sorted(ids)  # in the order they were queued
    assert stored_texts(notes) == sorted(["first", *(f"note {i}" for i in range(20))])


def test_a_write_that_fails_fails_alone(group: tuple[GroupCommit, Outcomes, Notes]) -> None:
    committer, outcomes, notes = group
    go_on = hold_first(committer, outcomes)
    committer.submit(lambda bound: bound.add("before"), outcomes.done("before"))
    committer.submit(lambda bound: bound.add(" \n "), outcomes.done("blank"))
    committer.submit(lambda bound: bound.add("after"), outcomes.done("after"))
    go_on.set()
    assert outcomes.all_told.wait(30)
    _, error, _ = outcomes.told["blank"]
    assert isinstance(error, InvalidNote)
    for name in ("first", "before", "after"):
        assert outcomes.told[name][1] is None, name
        assert outcomes.told[name][2], name
    assert stored_texts(notes) == ["after", "before", "first"]


def test_a_database_failure_fails_exactly_the_writes_of_its_transaction(
    tmp_path: Path,
) -> None:
    store = str(tmp_path / "notes.db")
    with Notes.open(store) as notes, Notes.open(store) as reader:
        # The database refuses one statement: the transaction that holds it fails.
        with closing(sqlite3.connect(store)) as db:
            db.execute(
                "CREATE TRIGGER refuse BEFORE INSERT ON notes WHEN NEW.text = 'refused' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"
            )
            db.commit()
        committer = GroupCommit(notes)
        try:
            outcomes = Outcomes(reader)
            go_on = hold_first(committer, outcomes)
            for text in ("a", "refused", "b"):
                committer.submit(lambda bound, text=text: bound.add(text), outcomes.done(text))
            go_on.set()
            assert outcomes.all_told.wait(30)
            assert outcomes.told["first"][1] is None  # its own transaction, committed
            for text in ("a", "refused", "b"):
                assert isinstance(outcomes.told[text][1], DBAPIError), text
            later = Outcomes(reader)
            committer.submit(lambda bound: bound.add("later"), later.done("later"))
            assert later.all_told.wait(30)
            assert later.told["later"][1] is None  # the next transaction is fine
        finally:
            committer.close()
        assert stored_texts(notes) == ["first", "later"]


def test_close_commits_what_is_queued(db_target: str) -> None:
    with Notes.open(db_target) as notes, Notes.open(db_target) as reader:
        committer = GroupCommit(notes)
        outcomes = Outcomes(reader)
        for i in range(50):
            committer.submit(lambda bound, i=i: bound.add(f"queued {i}"), outcomes.done(str(i)))
        committer.close()
        assert outcomes.all_told.is_set()
        assert all(error is None for _, error, _ in outcomes.told.values())
        assert len(stored_texts(notes)) == 50
        with pytest.raises(RuntimeError, match="closed"):
            committer.submit(lambda bound: bound.add("too late"), outcomes.done("late"))
