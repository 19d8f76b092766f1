"""Hostile input to the core's rules (issue 15, items 4, 5, 6, 13, 14 and 15), through the
doors users have: the CLI, the HTTP API, the library, and stores an older notes wrote.

Store-backed tests run on SQLite and PostgreSQL; what is refused leaves the store as it was.
"""

import importlib
import os
import socket
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from notes_api.app import create_app
from notes_cli.app import app
from notes_core import repository
from notes_core.engine import Store, open_store
from notes_core.errors import InvalidInput, InvalidNote
from notes_core.location import resolve_url
from notes_core.migrate import SCHEMA_HEAD
from notes_core.session import session_scope
from notes_core.settings import Settings
from notes_core.validation import MAX_TAGS_PER_NOTE, clean_tag
from tests.test_store import create_at_revision

NOTES = str(Path(sys.executable).parent / "notes")
TOO_MANY_TAGS = "too many tags: a note has at most 1,000"
HUGE = "99999999999999999999"  # over 2**64: once an OverflowError / bigint out of range
CAFE_NFD = unicodedata.normalize("NFD", "Café")


def notes(runner: CliRunner, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug, not a user error: fail loudly
    return result.exit_code, result.stdout, result.stderr


def stored(target: str) -> list[tuple[int, str, list[str]]]:
    store = open_store(target)
    try:
        with session_scope(store) as session:
            found = repository.iterate(session, oldest_first=True)
            return [(note.id, note.text, note.tags) for note in found]
    finally:
        store.close()


def tag_args(count: int) -> list[str]:
    return [arg for i in range(count) for arg in ("--tag", f"t{i}")]


@pytest.fixture
def client(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url="http://127.0.0.1") as test:
        yield test


# --- item 4: one rule for every limit ---------------------------------------------------


@pytest.mark.parametrize("command", [["list"], ["search", "deploy"]], ids=["list", "search"])
@pytest.mark.parametrize("limit", [HUGE, "1000000001", "0"])
def test_a_limit_out_of_range_is_one_error_line(
    runner: CliRunner, notes_db: str, command: list[str], limit: str
) -> None:
    assert notes(runner, "add", "deploy the app") == (0, "1\n", "")
    assert notes(runner, *command, "--limit", limit) == (
        1,
        "",
        f"Error: limit must be between 1 and 1,000,000,000, not {limit}\n",
    )


@pytest.mark.parametrize("command", [["list"], ["search", "deploy"]], ids=["list", "search"])
def test_the_largest_limit_lists_and_searches(
    runner: CliRunner, notes_db: str, command: list[str]
) -> None:
    assert notes(runner, "add", "deploy the app") == (0, "1\n", "")
    assert notes(runner, "add", "deploy again") == (0, "2\n", "")
    assert notes(runner, *command, "--limit", "1000000000", "-f", "ids")[:2] == (0, "2\n1\n")


def test_the_library_refuses_a_huge_limit_before_the_engine_sees_it(store: Store) -> None:
    with session_scope(store, write=True) as session:
        repository.add(session, text="deploy the app")
    with session_scope(store) as session:
        with pytest.raises(InvalidInput, match="between 1 and 1,000,000,000"):
            repository.search(session, query="deploy", limit=10**20)
        with pytest.raises(InvalidInput, match="between 1 and 1,000,000,000"):
            list(repository.iterate(session, limit=2**63))


# --- item 5: --db naming a FIFO, a device or a socket -----------------------------------


def make_fifo(folder: Path) -> Path:
    path = folder / "fifo"
    os.mkfifo(path)
    return path


def make_socket(folder: Path) -> Path:
    path = folder / "sock"
    with socket.socket(socket.AF_UNIX) as listener:
        listener.bind(str(path))  # the file stays after the socket is closed
    return path


SPECIAL_FILES: list[tuple[str, Callable[[Path], Path], str, Callable[[int], bool]]] = [
    ("fifo", make_fifo, "a FIFO (named pipe)", stat.S_ISFIFO),
    ("socket", make_socket, "a socket", stat.S_ISSOCK),
    ("char-device", lambda _: Path("/dev/null"), "a character device", stat.S_ISCHR),
]


@pytest.mark.parametrize(
    ("make", "kind", "is_kind"),
    [case[1:] for case in SPECIAL_FILES],
    ids=[case[0] for case in SPECIAL_FILES],
)
@pytest.mark.parametrize(
    "command", [["list"], ["add", "x"], ["show", "1"]], ids=["list", "add", "show"]
)
def test_a_special_file_as_the_store_is_refused_at_once(
    tmp_path: Path,
    make: Callable[[Path], Path],
    kind: str,
    is_kind: Callable[[int], bool],
    command: list[str],
) -> None:
    """Once: `notes --db FIFO list` waited for a writer forever."""
    folder = tmp_path / "here"
    folder.mkdir()
    path = make(folder)
    before = sorted(folder.iterdir())
    # A hang is the failure: the timeout ends the test with an error instead of never.
    result = subprocess.run(
        [NOTES, "--db", str(path), *command], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"Error: {path} is {kind}, not a notes store; left untouched\n"
    assert is_kind(path.stat().st_mode)
    assert sorted(folder.iterdir()) == before  # no -wal or -shm beside it


def test_a_symlink_to_a_store_still_works(tmp_path: Path, runner: CliRunner) -> None:
    real = tmp_path / "real.db"
    link = tmp_path / "link.db"
    open_store(str(real)).close()
    link.symlink_to(real)
    assert notes(runner, "--db", str(link), "add", "via the link") == (0, "1\n", "")
    assert stored(str(real)) == [(1, "via the link", [])]


# --- item 6: at most 1,000 tags on a note -----------------------------------------------


def test_a_thousand_tags_are_a_note_and_a_thousand_and_one_are_refused(
    runner: CliRunner, notes_db: str
) -> None:
    assert notes(runner, "add", "many", *tag_args(MAX_TAGS_PER_NOTE)) == (0, "1\n", "")
    assert stored(notes_db)[0][2] == sorted(f"t{i}" for i in range(MAX_TAGS_PER_NOTE))
    before = stored(notes_db)
    assert notes(runner, "add", "more", *tag_args(MAX_TAGS_PER_NOTE + 1)) == (
        1,
        "",
        f"Error: {TOO_MANY_TAGS}\n",
    )
    # One more tag on the full note is refused too, and the note keeps its tags.
    assert notes(runner, "edit", "1", "--tag", "extra") == (1, "", f"Error: {TOO_MANY_TAGS}\n")
    assert stored(notes_db) == before


def test_tags_are_counted_after_merging_spellings(runner: CliRunner, notes_db: str) -> None:
    upper = [arg if arg == "--tag" else arg.upper() for arg in tag_args(MAX_TAGS_PER_NOTE)]
    args = [*tag_args(MAX_TAGS_PER_NOTE), *upper]
    assert notes(runner, "add", "twice", *args) == (0, "1\n", "")
    assert len(stored(notes_db)[0][2]) == MAX_TAGS_PER_NOTE


def test_a_tag_filter_takes_up_to_a_thousand_tags(runner: CliRunner, notes_db: str) -> None:
    assert notes(runner, "add", "many", *tag_args(MAX_TAGS_PER_NOTE)) == (0, "1\n", "")
    assert notes(runner, "add", "few", "--tag", "t1") == (0, "2\n", "")
    filters = tag_args(MAX_TAGS_PER_NOTE)
    assert notes(runner, "list", "-f", "ids", *filters) == (0, "1\n", "")
    assert notes(runner, "search", "many", "-f", "ids", *filters) == (0, "1\n", "")
    assert notes(runner, "list", *tag_args(MAX_TAGS_PER_NOTE + 1)) == (
        1,
        "",
        f"Error: {TOO_MANY_TAGS}\n",
    )


def test_the_library_writes_nothing_for_too_many_tags(store: Store) -> None:
    with session_scope(store, write=True) as session:
        note = repository.add(session, text="full", tags=[f"t{i}" for i in range(1000)])
    with (
        pytest.raises(InvalidNote, match=TOO_MANY_TAGS),
        session_scope(store, write=True) as session,
    ):
        repository.add_many(
            session,
            notes=[
                repository.NewNote("fine"),
                repository.NewNote("over", [f"u{i}" for i in range(1001)]),
            ],
        )
    with (
        pytest.raises(InvalidNote, match=TOO_MANY_TAGS),
        session_scope(store, write=True) as session,
    ):
        repository.update(session, note_id=note.id, tags=[*note.tags[1:], "a", "b"])
    with session_scope(store) as session:
        assert [(n.id, n.tags) for n in repository.iterate(session)] == [(1, note.tags)]
    with session_scope(store, write=True) as session:
        # Replacing one tag keeps the note at the limit: allowed.
        replaced = repository.update(session, note_id=1, tags=[*note.tags[1:], "new"])
        assert len(replaced.tags) == MAX_TAGS_PER_NOTE


def test_the_api_answers_422_for_too_many_tags(client: TestClient, db_target: str) -> None:
    full = [f"t{i}" for i in range(MAX_TAGS_PER_NOTE)]
    created = client.post("/api/v1/notes", json={"text": "full", "tags": full})
    assert created.status_code == 201
    assert len(created.json()["tags"]) == MAX_TAGS_PER_NOTE
    over = client.post("/api/v1/notes", json={"text": "over", "tags": [*full, "x"]})
    assert (over.status_code, over.json()) == (422, {"detail": TOO_MANY_TAGS})
    # Once a 503 on PostgreSQL: over its 65,535 parameters per statement.
    many = [f"m{i}" for i in range(70_000)]
    huge = client.post("/api/v1/notes", json={"text": "huge", "tags": many})
    assert (huge.status_code, huge.json()) == (422, {"detail": TOO_MANY_TAGS})
    patched = client.patch("/api/v1/notes/1", json={"tags": [*full, "x"]})
    assert (patched.status_code, patched.json()) == (422, {"detail": TOO_MANY_TAGS})
    filtered = client.get("/api/v1/notes", params={"tag": [*full, "x"]})
    assert (filtered.status_code, filtered.json()) == (422, {"detail": TOO_MANY_TAGS})
    assert client.get("/api/v1/notes", params={"tag": full}).json()["items"][0]["id"] == 1
    assert [(i, t, len(tags)) for i, t, tags in stored(db_target)] == [(1, "full", 1000)]


# --- item 13: messages do not repeat huge input -----------------------------------------


def test_an_error_about_a_huge_tag_is_short(
    runner: CliRunner, client: TestClient, db_target: str
) -> None:
    tag = "x" * 1_000_000
    code, out, err = notes(runner, "--db", db_target, "add", "text", "--tag", tag)
    expected = f"tag {'x' * 40!r}… (1,000,000 characters) must be 1-64 characters"
    assert (code, out, err) == (1, "", f"Error: {expected}\n")
    response = client.post("/api/v1/notes", json={"text": "text", "tags": [tag]})
    assert (response.status_code, response.json()) == (422, {"detail": expected})
    assert stored(db_target) == []


# --- item 14: one spelling per tag --------------------------------------------------------


def test_spellings_of_a_tag_are_one_tag_in_every_door(
    runner: CliRunner, client: TestClient, notes_db: str
) -> None:
    assert notes(runner, "add", "one", "--tag", CAFE_NFD, "--tag", "CAFÉ") == (0, "1\n", "")
    assert notes(runner, "add", "two", "--tag", "ﬁle", "--tag", "Straße") == (0, "2\n", "")
    assert stored(notes_db) == [(1, "one", ["café"]), (2, "two", ["file", "strasse"])]
    assert notes(runner, "list", "--tag", "Café", "-f", "ids")[1] == "1\n"
    assert notes(runner, "list", "--tag", "FILE", "--tag", "STRASSE", "-f", "ids")[1] == "2\n"
    found = client.get("/api/v1/notes", params={"tag": CAFE_NFD}).json()["items"]
    assert [note["tags"] for note in found] == [["café"]]
    assert notes(runner, "edit", "2", "--untag", "ﬁle") == (0, "", "")
    assert stored(notes_db)[1][2] == ["strasse"]


def test_a_tag_with_a_zero_width_space_is_refused(
    runner: CliRunner, client: TestClient, notes_db: str
) -> None:
    message = "tag 'work\\u200b' must not contain invisible or control characters (it has U+200B)"
    assert notes(runner, "add", "x", "--tag", "work\u200b") == (1, "", f"Error: {message}\n")
    response = client.post("/api/v1/notes", json={"text": "x", "tags": ["\u202ework"]})
    assert response.status_code == 422
    assert "U+202E" in response.json()["detail"]
    assert stored(notes_db) == []


# --- item 15: text of invisible characters only -------------------------------------------


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u200b\u2060 \u200d\n", "\u3164"])
def test_text_of_only_invisible_characters_is_refused_as_empty(
    runner: CliRunner, client: TestClient, notes_db: str, invisible: str
) -> None:
    assert notes(runner, "add", invisible) == (1, "", "Error: note text is empty\n")
    response = client.post("/api/v1/notes", json={"text": invisible})
    assert (response.status_code, response.json()) == (422, {"detail": "note text is empty"})
    assert notes(runner, "add", "kept") == (0, "1\n", "")
    assert notes(runner, "edit", "1", "-", input=invisible) == (
        1,
        "",
        "Error: note text is empty\n",
    )
    # Visible text around invisible characters is kept exactly.
    assert notes(runner, "add", f"a{invisible}b") == (0, "2\n", "")
    assert stored(notes_db) == [(1, "kept", []), (2, f"a{invisible}b", [])]


# --- item 14: stores from before normalisation ---------------------------------------------


OLD_TAGS = {
    1: "café",  # NFC
    2: CAFE_NFD,
    3: "work\u200b",
    4: "ops",
    5: "ﬁle",
    6: "file",
    7: "straße",
    8: "\u200b",  # nothing visible once the zero-width space goes: kept as it was
    9: "ﷺ" * 4,  # 72 characters once normalised: kept as it was
    10: "unused\ufeff",  # on no note: renamed all the same
    11: "WORK",
}
OLD_LINKS = {1: [1, 2, 3, 4], 2: [2, 5, 11], 3: [6, 7, 8, 9]}


def test_a_0002_store_gets_its_tags_normalised_and_merged(empty_db_target: str) -> None:
    db_target = empty_db_target  # built at 0002 before notes opens it
    create_at_revision(db_target, "0002")
    engine = create_engine(resolve_url(db_target))
    with engine.begin() as connection:
        for note_id, note_text in [(1, "first"), (2, "second"), (3, "third")]:
            connection.execute(
                text(
                    "INSERT INTO notes (id, text, created_at, updated_at) VALUES "
                    "(:id, :text, '2025-01-02 03:04:05.000006', '2025-01-03 00:00:00')"
                ),
                {"id": note_id, "text": note_text},
            )
        for tag_id, name in OLD_TAGS.items():
            connection.execute(
                text("INSERT INTO tags (id, name) VALUES (:id, :name)"),
                {"id": tag_id, "name": name},
            )
        for note_id, tag_ids in OLD_LINKS.items():
            for tag_id in tag_ids:
                connection.execute(
                    text("INSERT INTO note_tags (note_id, tag_id) VALUES (:n, :t)"),
                    {"n": note_id, "t": tag_id},
                )
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT setval('notes_id_seq', 3)"))
            connection.execute(text("SELECT setval('tags_id_seq', 11)"))
    engine.dispose()

    store = open_store(db_target)
    try:
        with session_scope(store) as session:
            found = {n.id: n for n in repository.iterate(session)}
            assert {i: (n.text, n.tags) for i, n in found.items()} == {
                1: ("first", ["café", "ops", "work"]),
                2: ("second", ["café", "file", "work"]),
                3: ("third", ["file", "strasse", "\u200b", "ﷺ" * 4]),
            }
            # Timestamps are not touched: normalising is no edit of the note.
            assert found[1].created_at.isoformat() == "2025-01-02T03:04:05.000006+00:00"
            assert found[1].updated_at.isoformat() == "2025-01-03T00:00:00+00:00"
            assert [n.id for n in repository.iterate(session, tags=["Café", "WORK"])] == [2, 1]
            assert [n.id for n in repository.iterate(session, tags=["ﬁle"])] == [3, 2]
        with store.engine.connect() as connection:
            names = connection.execute(text("SELECT name FROM tags")).scalars().all()
            assert sorted(names) == sorted(
                ["café", "ops", "work", "file", "strasse", "\u200b", "ﷺ" * 4, "unused"]
            )
            revision = connection.execute(text("SELECT version_num FROM alembic_version"))
            assert revision.scalar() == SCHEMA_HEAD
        # The merged tags take new notes, and new tags get fresh ids.
        with session_scope(store, write=True) as session:
            added = repository.add(session, text="new", tags=["CAFÉ", "brand-new"])
        assert (added.id, added.tags) == (4, ["brand-new", "café"])
        with session_scope(store) as session:
            assert [n.id for n in repository.iterate(session, tags=["café"])] == [4, 2, 1]
    finally:
        store.close()


MIGRATION = importlib.import_module("notes_core.migrations.versions.0003_normalise_tags")


@given(st.text(max_size=80))
def test_the_migration_renames_a_tag_to_what_the_rules_store_now(name: str) -> None:
    """The migration carries its own copy of the rules: it must agree with the live ones."""
    new = MIGRATION.normalised(name)
    if new != name:
        assert clean_tag(new) == new  # it only ever renames to a valid tag
    try:
        expected = clean_tag(name)
    except InvalidNote:
        return
    assert new == expected
