"""Pins: `notes pin` / `unpin`, pinned notes first in `list` (each group newest first),
`list --pinned`, `"pinned"` in JSON, and `PATCH {"pinned": ...}`, on SQLite and
PostgreSQL; the API also through a real `notes serve`."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from typer.testing import CliRunner

from notes_api.app import create_app
from notes_cli.app import app
from notes_core import Notes
from notes_core.library import NewNote
from notes_core.settings import Settings
from tests.serving import Server, request

LOCAL = "http://127.0.0.1"


def cli(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def listed(runner: CliRunner, *args: str) -> list[int]:
    code, out, err = cli(runner, "list", *args, "--format", "ids")
    assert (code, err) == (0, ""), err
    return [int(line) for line in out.split()]


@pytest.fixture
def six(db_target: str) -> Iterator[Notes]:
    """Notes 1-6, with tags `even` and `odd`."""
    with Notes.open(db_target) as notes:
        notes.add_many(
            [NewNote(f"note {n}", ["even" if n % 2 == 0 else "odd"]) for n in range(1, 7)]
        )
        yield notes


# --- the CLI -----------------------------------------------------------------------------


def test_pinned_notes_come_first_each_group_newest_first(
    runner: CliRunner, notes_db: str, six: Notes
) -> None:
    assert cli(runner, "pin", "2", "5") == (0, "", "")
    assert listed(runner) == [5, 2, 6, 4, 3, 1]
    assert listed(runner, "--pinned") == [5, 2]
    assert listed(runner, "--tag", "even") == [2, 6, 4]
    assert listed(runner, "--limit", "3") == [5, 2, 6]
    assert listed(runner, "--limit", "1") == [5]
    assert cli(runner, "unpin", "5") == (0, "", "")
    assert listed(runner) == [2, 6, 5, 4, 3, 1]


def test_pinning_is_not_an_edit_and_survives_the_trash(
    runner: CliRunner, notes_db: str, six: Notes
) -> None:
    before = six.get(3)
    cli(runner, "pin", "3")
    pinned = six.get(3)
    assert pinned.pinned and pinned.updated_at == before.updated_at
    assert len(six.history(3)) == 1  # no version kept
    assert pinned.etag != before.etag  # but what a client holds is no longer current
    cli(runner, "rm", "3")
    assert listed(runner, "--pinned") == []
    cli(runner, "restore", "3")
    assert six.get(3).pinned and listed(runner) == [3, 6, 5, 4, 2, 1]


def test_pin_is_all_or_nothing(runner: CliRunner, notes_db: str, six: Notes) -> None:
    code, out, err = cli(runner, "pin", "1", "99")
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and "99" in err and err.count("\n") == 1
    cli(runner, "rm", "4")
    code, _, err = cli(runner, "pin", "2", "4")
    assert code == 1 and "4" in err and "restore" in err
    assert listed(runner, "--pinned") == []
    code, _, err = cli(runner, "unpin", "x")
    assert code == 1 and err.startswith("Error: ")


def test_json_notes_say_whether_they_are_pinned(
    runner: CliRunner, notes_db: str, six: Notes
) -> None:
    cli(runner, "pin", "6")
    code, out, _ = cli(runner, "list", "--json", "--limit", "2")
    assert code == 0
    assert [(note["id"], note["pinned"]) for note in json.loads(out)] == [(6, True), (5, False)]
    code, out, _ = cli(runner, "show", "6", "--format", "json")
    assert json.loads(out)["pinned"] is True


def test_pinned_first_holds_with_sort_updated_and_date_windows(
    runner: CliRunner, notes_db: str, six: Notes
) -> None:
    six.update(1, text="note 1, changed")
    cli(runner, "pin", "3")
    assert listed(runner, "--sort", "updated") == [3, 1, 6, 5, 4, 2]
    assert listed(runner, "--since", "1d") == [3, 6, 5, 4, 2, 1]
    assert listed(runner, "--since", "1d", "--pinned") == [3]


# --- paging ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "window",
    [{}, {"sort": "updated"}, {"since": "1d"}, {"tags": ["odd"]}],
    ids=["by-id", "updated", "dated", "tagged"],
)
def test_pages_cross_from_the_pinned_group_without_repeating_or_skipping(
    six: Notes, window: dict[str, Any]
) -> None:
    from notes_core.dates import parse_moment

    if "since" in window:
        window = {"since": parse_moment(window["since"])}
    six.pin([1, 3, 4])
    expected = [note.id for note in six.iterate(**window)]
    for size in (1, 2, 3, 4):
        seen: list[int] = []
        cursor = None
        while True:
            page = six.page(limit=size, cursor=cursor, **window)
            seen += [note.id for note in page.items]
            if (cursor := page.next_cursor) is None:
                break
        assert seen == expected, size
    assert expected == ([3, 1, 5] if "tags" in window else [4, 3, 1, 6, 5, 2])


def test_a_cursor_of_one_listing_is_refused_by_another(six: Notes) -> None:
    from notes_core.errors import InvalidInput

    six.pin([2, 4])
    in_pinned_group = six.page(limit=1).next_cursor
    past_it = six.page(limit=3).next_cursor
    pinned_only = six.page(limit=1, pinned=True).next_cursor
    assert in_pinned_group and past_it and pinned_only
    for cursor, listing in [
        (in_pinned_group, {"sort": "updated"}),
        (in_pinned_group, {"pinned": True}),
        (past_it, {"pinned": True}),  # not an empty page: an error
        (pinned_only, {}),
    ]:
        with pytest.raises(InvalidInput, match="cursor is not valid"):
            six.page(limit=1, cursor=cursor, **listing)
    assert [n.id for n in six.page(limit=5, cursor=pinned_only, pinned=True).items] == [2]


def test_on_sqlite_the_pinned_group_is_read_from_its_own_index(tmp_path: Path) -> None:
    target = str(tmp_path / "notes.db")
    statements: list[tuple[str, Any]] = []
    with Notes.open(target) as notes:
        notes.add_many([NewNote(f"note {n}") for n in range(50)])
        notes.pin([7])

        def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
            if statement.startswith("SELECT notes.id, notes.text"):
                statements.append((statement, parameters))

        event.listen(notes.store.engine, "before_cursor_execute", keep)
        assert [n.id for n in notes.iterate(limit=3)] == [7, 50, 49]
        notes.page(limit=3, sort="updated")
    with sqlite3.connect(target) as connection:
        plans = [
            " | ".join(row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + s, p))
            for s, p in statements
        ]
    assert len(plans) == 4
    assert all("ix_notes_pinned" in plan for plan in plans[::2]), plans
    assert "ix_notes_live_id" in plans[1] and "TEMP B-TREE" not in plans[1], plans
    assert "ix_notes_updated_at" in plans[3] and "TEMP B-TREE" not in plans[3], plans


def test_a_date_window_is_walked_in_its_index_on_sqlite(tmp_path: Path) -> None:
    target = str(tmp_path / "notes.db")
    statements: list[tuple[str, Any]] = []
    with Notes.open(target) as notes:
        notes.add_many([NewNote(f"note {n}") for n in range(50)])
        from datetime import UTC, datetime

        def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
            if "ORDER BY notes.created_at DESC" in statement and "ix_notes_pinned" not in statement:
                statements.append((statement, parameters))

        event.listen(notes.store.engine, "before_cursor_execute", keep)
        since = datetime(2020, 1, 1, tzinfo=UTC)
        first = notes.page(limit=5, since=since)
        notes.page(limit=5, since=since, cursor=first.next_cursor)
    with sqlite3.connect(target) as connection:
        for statement, parameters in statements:
            plan = " | ".join(
                row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "ix_notes_created_at" in plan and "TEMP B-TREE" not in plan, plan
    assert len(statements) == 2


# --- the API -----------------------------------------------------------------------------


@pytest.fixture
def client(db_target: str, six: Notes) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


def test_patch_pins_and_the_listing_puts_pinned_notes_first(client: TestClient) -> None:
    before = client.get("/api/v1/notes/2")
    response = client.patch("/api/v1/notes/2", json={"pinned": True})
    assert response.status_code == 200
    note = response.json()
    assert note["pinned"] is True
    assert note["updated_at"] == before.json()["updated_at"]
    assert response.headers["ETag"] != before.headers["ETag"]
    listing = client.get("/api/v1/notes", params={"limit": 3}).json()
    assert [item["id"] for item in listing["items"]] == [2, 6, 5]
    pinned = client.get("/api/v1/notes", params={"pinned": "true"}).json()
    assert [item["id"] for item in pinned["items"]] == [2]
    assert client.get("/api/v1/notes/2/revisions").json()["items"][-1]["revision"] == 1


@pytest.mark.parametrize("value", ["yes", 1, None, "true"])
def test_pinned_must_be_a_json_boolean(client: TestClient, value: Any) -> None:
    response = client.patch("/api/v1/notes/2", json={"pinned": value})
    if value is None:  # null: a field left out
        assert response.status_code == 200
        assert response.json()["pinned"] is False
        return
    assert response.status_code == 422
    assert "detail" in response.json()
    assert client.get("/api/v1/notes/2").json()["pinned"] is False


def test_pinned_does_not_apply_to_a_search(client: TestClient) -> None:
    response = client.get("/api/v1/notes", params={"q": "note", "pinned": "true"})
    assert response.status_code == 422
    assert "pinned" in response.json()["detail"]


@pytest.mark.serve
def test_pins_through_a_real_server(db_target: str, six: Notes) -> None:
    with Server(db_target) as server:
        base = server.base
        status, note = request(base, "PATCH", "/api/v1/notes/1", {"pinned": True})
        assert (status, note["pinned"]) == (200, True)
        status, page = request(base, "GET", "/api/v1/notes?limit=2")
        assert [item["id"] for item in page["items"]] == [1, 6]
        status, page = request(base, "GET", "/api/v1/notes?limit=1&cursor=" + page["next_cursor"])
        assert [item["id"] for item in page["items"]] == [5]
        status, note = request(base, "PATCH", "/api/v1/notes/1", {"pinned": False})
        assert (status, note["pinned"]) == (200, False)
        output = server.stop()
    assert "Traceback" not in output


# --- export and import -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json", "markdown"])
def test_pins_survive_export_then_import(
    runner: CliRunner, db_target: str, tmp_path: Path, fmt: str, six: Notes
) -> None:
    six.pin([2, 5])
    out = tmp_path / ("notes" if fmt == "markdown" else f"notes.{fmt}")
    code, _, err = cli(runner, "--db", db_target, "export", "--format", fmt, "--output", str(out))
    assert code == 0, err
    other = str(tmp_path / "other.db")
    code, _, err = cli(runner, "--db", other, "import", str(out), "--format", fmt)
    assert code == 0, err
    with Notes.open(other) as copy:
        assert [(note.text, note.pinned) for note in copy.iterate(pinned=True)] == [
            ("note 5", True),
            ("note 2", True),
        ]


def test_an_import_record_whose_pinned_is_not_a_boolean_names_it(
    runner: CliRunner, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a", "pinned": true}\n{"text": "b", "pinned": "yes"}\n')
    target = str(tmp_path / "notes.db")
    code, out, err = cli(runner, "--db", target, "import", str(source))
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == 'Error: line 2: "pinned" must be true or false, not a string'
    with Notes.open(target) as notes:
        assert list(notes.iterate()) == []


def test_after_a_big_import_postgresql_reads_the_pinned_group_from_its_index(
    postgres_database: str,
) -> None:
    """PostgreSQL plans from statistics that autovacuum gathers later, if at all: without
    them a listing right after an import took the pinned notes for thousands and walked a
    whole index to find them. A big import refreshes them."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from notes_core.transfer.records import ImportRecord

    start = datetime(2020, 1, 1, tzinfo=UTC)
    records = (
        ImportRecord(f"note {n}", [], start + timedelta(minutes=n), None, None, f"line {n}")
        for n in range(10_000)
    )
    with Notes.open(postgres_database) as notes:
        notes.import_records(records)
        notes.pin([5])
        query = (
            "EXPLAIN SELECT id FROM notes WHERE trashed_at IS NULL AND pinned = true "
            "ORDER BY updated_at DESC, id DESC LIMIT 11"
        )
        # A manual ANALYZE sets last_analyze; autovacuum sets only last_autoanalyze.
        statistics = "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'notes'"
        with notes.store.engine.connect() as connection:
            plan = "\n".join(connection.execute(text(query)).scalars())
            gathered = connection.execute(text(statistics)).scalar_one()
    assert "ix_notes_pinned" in plan, plan
    # At 10,000 notes the planner still guesses right without statistics (at 1M it did
    # not: benchmarks/listing.py); that they are there is what carries to a big store.
    assert gathered is not None


def test_a_pin_between_the_two_groups_of_a_page_shows_no_note_twice(
    db_target: str, six: Notes, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page reads the pinned notes, then the others: one read transaction, one snapshot,
    on both engines. (On PostgreSQL's default READ COMMITTED, an unpin committed between
    the two statements listed the note in both groups.)"""
    from notes_core.repository import listing

    six.pin([1])
    select_group = listing.select_group
    calls: list[bool] = []

    def then_unpin(*args: Any, **kwargs: Any) -> list[Any]:
        found = select_group(*args, **kwargs)
        if not calls:
            with Notes.open(db_target) as other:  # another client, its own transaction
                other.unpin([1])
        calls.append(kwargs["pinned"])
        return found

    monkeypatch.setattr(listing, "select_group", then_unpin)
    assert [note.id for note in six.page(limit=10).items] == [1, 6, 5, 4, 3, 2]
    calls.clear()
    six.pin([1])
    assert [note.id for note in six.iterate()] == [1, 6, 5, 4, 3, 2]
    assert calls[:2] == [True, False]
