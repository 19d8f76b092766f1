"""`--since` / `--until` on `list`, `search` and `trash`, `--sort updated` on `list`, and
their API twins (`since`, `until`, `sort` on /api/v1/notes and /api/v1/trash), on SQLite
and PostgreSQL. The notes carry dates set through import, so every range is exact."""

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from typer.testing import CliRunner

from notes_api.app import create_app
from notes_cli.app import app
from notes_core.library import NewNote, Notes
from notes_core.settings import Settings
from notes_core.transfer.records import ImportRecord

NOTES = str(Path(sys.executable).parent / "notes")
LOCAL = "http://127.0.0.1"
RECENT = datetime.now(UTC) - timedelta(hours=1)


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


# text, tags, created_at, updated_at, trashed_at. Import gives ids in this order (1..7).
SEEDED = [
    ("january plan", ["work"], at(1, 10), at(6, 1), None),
    ("february plan", ["work"], at(2, 10), at(2, 10), None),
    ("march plan", [], at(3, 10), at(4, 1), None),
    # 16:00 UTC on Feb 9 is already Feb 10 in Tokyo (UTC+9): local midnight matters.
    ("evening plan", ["work"], at(2, 9, 16), at(2, 9, 16), None),
    ("recent plan", ["work"], RECENT, RECENT, None),
    ("trashed january plan", [], at(1, 20), at(1, 20), at(7, 1)),
    ("trashed march plan", [], at(3, 20), at(3, 20), at(7, 2)),
]
JANUARY, FEBRUARY, MARCH, LATE_EVENING, RECENT_ID, TRASHED_JANUARY, TRASHED_MARCH = range(1, 8)


def seed(target: str) -> None:
    records = [
        ImportRecord(text, tags, created, updated, trashed, f"record {number}")
        for number, (text, tags, created, updated, trashed) in enumerate(SEEDED, 1)
    ]
    with Notes.open(target) as notes:
        notes.import_records(records)


@pytest.fixture
def seeded(db_target: str) -> Iterator[Notes]:
    seed(db_target)
    with Notes.open(db_target) as notes:
        yield notes


def ids_of(found: Any) -> list[int]:
    return [getattr(item, "note", item).id for item in found]


# --- the library -------------------------------------------------------------------------


def test_listing_keeps_notes_created_in_the_range(seeded: Notes) -> None:
    assert ids_of(seeded.iterate(since=at(2, 10, 0))) == [RECENT_ID, MARCH, FEBRUARY]
    assert ids_of(seeded.iterate(until=at(2, 10))) == [LATE_EVENING, JANUARY]  # exclusive
    # A date window lists by creation date, newest first: imported notes keep their dates
    # under new ids, so this is not id order.
    window = seeded.iterate(since=at(2, 1), until=at(3, 1), tags=["work"])
    assert ids_of(window) == [FEBRUARY, LATE_EVENING]


def test_sort_updated_orders_and_filters_by_the_last_change(seeded: Notes) -> None:
    assert ids_of(seeded.iterate(sort="updated")) == [
        RECENT_ID,
        JANUARY,
        MARCH,
        FEBRUARY,
        LATE_EVENING,
    ]
    # Created in January but changed in June: in a June range only when sorting by change.
    assert ids_of(seeded.iterate(sort="updated", since=at(5, 1), until=at(7, 1))) == [JANUARY]
    assert ids_of(seeded.iterate(since=at(5, 1), until=at(7, 1))) == []
    assert ids_of(seeded.iterate(sort="updated", limit=2)) == [RECENT_ID, JANUARY]


def test_an_edit_moves_a_note_to_the_top_of_sort_updated(seeded: Notes) -> None:
    seeded.update(LATE_EVENING, text="evening plan, revised")
    assert ids_of(seeded.iterate(sort="updated", limit=2)) == [LATE_EVENING, RECENT_ID]
    assert ids_of(seeded.iterate(limit=2)) == [RECENT_ID, LATE_EVENING]  # created: unchanged


def test_search_keeps_matches_created_in_the_range(seeded: Notes) -> None:
    assert ids_of(seeded.search("plan", since=at(2, 1), until=at(3, 1))) == [
        LATE_EVENING,
        FEBRUARY,
    ]
    assert ids_of(seeded.search("plan", since=at(3, 1), tags=["work"])) == [RECENT_ID]
    assert ids_of(seeded.search("plan -march", until=at(2, 1))) == [JANUARY]
    # Only an exclusion: every other note within the range, newest (highest id) first.
    assert ids_of(seeded.search("-february", since=at(2, 1), until=at(4, 1))) == [
        LATE_EVENING,
        MARCH,
    ]
    window = {"since": at(2, 1), "until": at(3, 1)}
    page = seeded.search_page("plan", limit=1, **window)
    assert page.next_cursor is not None
    rest = seeded.search_page("plan", limit=1, cursor=page.next_cursor, **window)
    assert ids_of(page.items) + ids_of(rest.items) == [LATE_EVENING, FEBRUARY]


def test_the_trash_keeps_notes_created_in_the_range(seeded: Notes) -> None:
    assert ids_of(seeded.trashed()) == [TRASHED_MARCH, TRASHED_JANUARY]
    assert ids_of(seeded.trashed(since=at(2, 1))) == [TRASHED_MARCH]
    assert ids_of(seeded.trashed(until=at(2, 1))) == [TRASHED_JANUARY]
    assert ids_of(seeded.trash_page(limit=5, until=at(2, 1)).items) == [TRASHED_JANUARY]


def test_sort_updated_pages_never_repeat_or_skip_a_note(seeded: Notes) -> None:
    seen: list[int] = []
    cursor = None
    while True:
        page = seeded.page(limit=2, cursor=cursor, sort="updated", until=at(12, 31))
        seen += ids_of(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [JANUARY, MARCH, FEBRUARY, LATE_EVENING]


def test_sort_updated_pages_through_notes_changed_at_the_same_moment(db_target: str) -> None:
    with Notes.open(db_target) as notes:
        ids = notes.add_many([NewNote(f"batch {number}") for number in range(5)])  # one now
        seen: list[int] = []
        cursor = None
        while True:
            page = notes.page(limit=2, cursor=cursor, sort="updated")
            seen += ids_of(page.items)
            if (cursor := page.next_cursor) is None:
                break
    assert seen == sorted(ids, reverse=True)


def test_sort_updated_on_sqlite_walks_its_index_a_page_at_a_time(tmp_path: Path) -> None:
    target = str(tmp_path / "notes.db")
    seed(target)
    statements: list[tuple[str, Any]] = []
    with Notes.open(target) as notes:

        def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
            # The unpinned notes' walks (the pinned ones are read from their own index).
            if "ORDER BY notes.updated_at DESC" in statement and "ix_notes_pinned" not in statement:
                statements.append((statement, parameters))

        event.listen(notes.store.engine, "before_cursor_execute", keep)
        list(notes.iterate(sort="updated", limit=10))
        after = notes.page(limit=1, sort="updated").next_cursor
        notes.page(limit=1, sort="updated", cursor=after, since=at(1, 1))
    assert len(statements) == 3
    with sqlite3.connect(target) as connection:
        for statement, parameters in statements:
            plan = " | ".join(
                row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            # The index gives the order: no sort of every matching row before the LIMIT.
            assert "ix_notes_updated_at" in plan, plan
            assert "TEMP B-TREE" not in plan, plan


# --- the CLI -----------------------------------------------------------------------------


def cli(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def listed(runner: CliRunner, *args: str) -> list[int]:
    code, out, err = cli(runner, *args, "--format", "ids")
    assert (code, err) == (0, "")
    return [int(line) for line in out.split()]


def test_cli_list_search_and_trash_take_since_and_until(
    runner: CliRunner, notes_db: str, seeded: Notes
) -> None:
    assert listed(runner, "list", "--since", "2024-03-01T00:00Z") == [RECENT_ID, MARCH]
    assert listed(runner, "list", "--since", "2d") == [RECENT_ID]
    assert listed(runner, "list", "--since", "today", "--until", "2d") == []
    assert listed(runner, "list", "--since", "3h", "--until", "30m") == [RECENT_ID]
    assert listed(runner, "list", "--tag", "work", "--until", "2024-02-10T12:00+00:00") == [
        LATE_EVENING,
        JANUARY,
    ]
    assert listed(runner, "search", "plan", "--since", "2w") == [RECENT_ID]
    assert listed(runner, "search", "plan", "--until", "2024-02-01T00:00Z") == [JANUARY]
    assert listed(runner, "trash", "--since", "2024-03-01T00:00Z") == [TRASHED_MARCH]


def test_cli_list_sort_updated_orders_and_filters_by_the_last_change(
    runner: CliRunner, notes_db: str, seeded: Notes
) -> None:
    assert listed(runner, "list", "--sort", "updated") == [
        RECENT_ID,
        JANUARY,
        MARCH,
        FEBRUARY,
        LATE_EVENING,
    ]
    june = ("--since", "2024-05-01T00:00Z", "--until", "2024-07-01T00:00Z")
    assert listed(runner, "list", "--sort", "updated", *june) == [JANUARY]
    assert listed(runner, "list", "--sort", "created", *june) == []
    code, out, _ = cli(runner, "list", "--sort", "updated", "--limit", "1", "--format", "json")
    assert code == 0
    [note] = json.loads(out)
    assert (note["id"], note["text"]) == (RECENT_ID, "recent plan")


@pytest.mark.parametrize("command", [["list"], ["search", "plan"], ["trash"]])
@pytest.mark.parametrize("option", ["--since", "--until"])
@pytest.mark.parametrize("value", ["last tuesday", "2024-13-01", "7x"])
def test_cli_a_bad_date_is_one_error_line(
    runner: CliRunner, notes_db: str, command: list[str], option: str, value: str
) -> None:
    code, out, err = cli(runner, *command, option, value)
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: {value!r} is ")
    assert "use an ISO date or date-time" in err
    assert err.count("\n") == 1


def test_cli_an_unknown_sort_is_a_usage_error(runner: CliRunner, notes_db: str) -> None:
    code, out, err = cli(runner, "list", "--sort", "edited")
    assert (code, out) == (2, "")
    assert "'edited' is not one of 'created', 'updated'" in err


@pytest.mark.parametrize(("zone", "expected"), [("UTC", []), ("Asia/Tokyo", [LATE_EVENING])])
def test_a_date_alone_is_local_midnight(
    db_target: str, zone: str, expected: list[int], seeded: Notes
) -> None:
    # 2024-02-10 starts at 15:00 UTC the day before in Tokyo: the note made at 16:00 UTC
    # on Feb 9 is "on Feb 10" there, and on Feb 9 in UTC.
    result = subprocess.run(
        [NOTES, "--db", db_target, "list", "--since", "2024-02-10", "--until", "2024-02-10T06:00"],
        capture_output=True,
        text=True,
        env={**os.environ, "TZ": zone},
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert [int(line.split("\t")[0]) for line in result.stdout.splitlines()] == expected


# --- the API -----------------------------------------------------------------------------


@pytest.fixture
def client(db_target: str, seeded: Notes) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


def walk(client: TestClient, path: str, **params: Any) -> list[int]:
    """Every id of a paged listing, one page of one item at a time."""
    seen: list[int] = []
    cursor = None
    while True:
        response = client.get(path, params={**params, "limit": 1, "cursor": cursor})
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return seen
        cursor = body["next_cursor"]


def test_api_pages_through_a_date_range(client: TestClient) -> None:
    notes = "/api/v1/notes"
    # By creation date, newest first (imported notes: not id order).
    assert walk(client, notes, since="2024-02-01T00:00:00Z") == [
        RECENT_ID,
        MARCH,
        FEBRUARY,
        LATE_EVENING,
    ]
    assert walk(client, notes, since="2024-02-01T00:00:00Z", until="1d") == [
        MARCH,
        FEBRUARY,
        LATE_EVENING,
    ]
    assert walk(client, notes, since="1d") == [RECENT_ID]
    assert walk(client, notes, sort="updated", since="2024-03-01T00:00:00Z", until="2d") == [
        JANUARY,
        MARCH,
    ]
    assert walk(client, notes, sort="updated") == [
        RECENT_ID,
        JANUARY,
        MARCH,
        FEBRUARY,
        LATE_EVENING,
    ]
    assert walk(client, notes, q="plan", since="2024-02-01T00:00:00Z", until="2024-03-01") == [
        LATE_EVENING,
        FEBRUARY,
    ]
    assert walk(client, "/api/v1/trash", until="2024-03-01T00:00:00+00:00") == [TRASHED_JANUARY]
    assert walk(client, "/api/v1/trash", since="2024-03-01T00:00:00+01:00") == [TRASHED_MARCH]


@pytest.mark.parametrize("path", ["/api/v1/notes", "/api/v1/notes?q=plan", "/api/v1/trash"])
@pytest.mark.parametrize("name", ["since", "until"])
def test_api_a_bad_date_is_a_422_that_says_why(client: TestClient, path: str, name: str) -> None:
    separator = "&" if "?" in path else "?"
    response = client.get(f"{path}{separator}{name}=soon")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("'soon' is not a date: use an ISO date or date-time")


def test_api_a_cursor_belongs_to_its_sort(client: TestClient) -> None:
    by_id = client.get("/api/v1/notes", params={"limit": 1}).json()["next_cursor"]
    wrong = client.get("/api/v1/notes", params={"sort": "updated", "cursor": by_id})
    assert (wrong.status_code, wrong.json()) == (
        422,
        {"detail": "cursor is not valid; use the next_cursor of a previous page"},
    )
    assert client.get("/api/v1/notes", params={"sort": "edited"}).status_code == 422
    search = client.get("/api/v1/notes", params={"sort": "updated", "q": "plan"})
    assert search.status_code == 422
    assert "sort=updated does not apply to a search" in search.json()["detail"]
