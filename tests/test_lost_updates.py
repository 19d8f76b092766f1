"""No lost updates: `ETag`/`If-Match` on the API, and `notes edit` with the editor, each
against a real concurrent writer, on SQLite and PostgreSQL."""

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from notes_api.app import create_app
from notes_core import repository
from notes_core.engine import open_store
from notes_core.session import session_scope
from notes_core.settings import Settings
from tests.serving import NOTES

LOCAL = "http://127.0.0.1"  # the server answers only to loopback Host names


def stored(target: str, note_id: int = 1) -> tuple[str, list[str]]:
    """The note's text and tags, read back through the core."""
    store = open_store(target)
    try:
        with session_scope(store) as session:
            note = repository.get(session, note_id=note_id)
    finally:
        store.close()
    return note.text, note.tags


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`notes` in its own process, stdin not a terminal (it reads from /dev/null)."""
    return subprocess.run(
        [NOTES, *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=60,
    )


# --- the API ---------------------------------------------------------------------------


@pytest.fixture
def client(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


@pytest.fixture
def other_client(db_target: str) -> Iterator[TestClient]:
    """A second server on the same store (its own engine and pool): another writer."""
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


def test_patch_with_a_stale_etag_gets_412_and_keeps_the_other_writers_change(
    client: TestClient, other_client: TestClient, db_target: str
) -> None:
    created = client.post("/api/v1/notes", json={"text": "draft", "tags": ["todo"]})
    read = client.get("/api/v1/notes/1")
    etag = read.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    assert created.headers["etag"] == etag

    mine = client.patch("/api/v1/notes/1", json={"text": "mine"}, headers={"If-Match": etag})
    assert mine.status_code == 200
    assert mine.json()["text"] == "mine"
    fresh = mine.headers["etag"]
    assert fresh != etag
    assert client.get("/api/v1/notes/1").headers["etag"] == fresh

    theirs = other_client.patch("/api/v1/notes/1", json={"tags": ["theirs"]})
    assert theirs.status_code == 200
    assert theirs.headers["etag"] != fresh

    stale = client.patch("/api/v1/notes/1", json={"text": "lost?"}, headers={"If-Match": fresh})
    assert stale.status_code == 412
    assert stale.json() == {
        "detail": "note 1 has changed since it was read; nothing was changed: "
        "read it again and retry"
    }
    assert "etag" not in stale.headers
    assert stored(db_target) == ("mine", ["theirs"])
    current = client.get("/api/v1/notes/1").headers["etag"]
    assert current == theirs.headers["etag"]
    retried = client.patch("/api/v1/notes/1", json={"text": "now"}, headers={"If-Match": current})
    assert retried.status_code == 200
    assert stored(db_target) == ("now", ["theirs"])


@pytest.mark.parametrize(
    ("if_match", "status"),
    [
        ("*", 200),
        ("CURRENT", 200),
        ('"nope", CURRENT', 200),
        ('"nope"', 412),
        ("W/CURRENT", 412),  # If-Match compares strongly: a weak tag never matches
        ("CURRENT-unquoted", 412),
        ("garbage", 412),
        ("", 412),
    ],
)
def test_if_match_star_lists_and_malformed_values(
    client: TestClient, db_target: str, if_match: str, status: int
) -> None:
    etag = client.post("/api/v1/notes", json={"text": "before"}).headers["etag"]
    if if_match == "CURRENT-unquoted":
        if_match = etag.strip('"')
    header = if_match.replace("CURRENT", etag)
    response = client.patch("/api/v1/notes/1", json={"text": "after"}, headers={"If-Match": header})
    assert response.status_code == status
    assert stored(db_target)[0] == ("after" if status == 200 else "before")


def test_patch_without_if_match_still_writes_and_a_no_op_keeps_the_etag(
    client: TestClient, db_target: str
) -> None:
    etag = client.post("/api/v1/notes", json={"text": "same"}).headers["etag"]
    unchanged = client.patch("/api/v1/notes/1", json={"text": "same"})
    assert (unchanged.status_code, unchanged.headers["etag"]) == (200, etag)
    assert client.patch("/api/v1/notes/1", json={"text": "changed"}).status_code == 200
    assert stored(db_target)[0] == "changed"


def test_if_match_on_an_unknown_note_is_a_404(client: TestClient) -> None:
    response = client.patch("/api/v1/notes/7", json={"text": "x"}, headers={"If-Match": "*"})
    assert response.status_code == 404


def test_openapi_declares_the_etag_header_and_the_412(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    note = paths["/api/v1/notes/{note_id}"]
    assert "ETag" in note["get"]["responses"]["200"]["headers"]
    assert "ETag" in note["patch"]["responses"]["200"]["headers"]
    assert "ETag" in paths["/api/v1/notes"]["post"]["responses"]["201"]["headers"]
    assert "412" in note["patch"]["responses"]
    assert {"name": "if-match", "in": "header"}.items() <= next(
        p for p in note["patch"]["parameters"] if p["in"] == "header"
    ).items()


# --- the CLI's editor ------------------------------------------------------------------


def concurrent_editor(tmp_path: Path, *other: str, then: tuple[str, ...] = ()) -> Path:
    """An editor during whose session another `notes` process runs `other` (and then
    `then`) on the same note; then the user's edit is written into the file."""
    script = tmp_path / "editor.py"
    script.write_text(
        f"#!{sys.executable}\n"
        "import subprocess, sys\n"
        f"for command in {[[NOTES, *other], *([[NOTES, *then]] if then else [])]!r}:\n"
        "    subprocess.run(command, check=True)\n"
        "with open(sys.argv[1], 'w', encoding='utf-8') as file:\n"
        "    file.write('my careful edit\\nsecond line\\n')\n"
    )
    script.chmod(0o755)
    return script


def test_edit_keeps_the_users_text_in_a_file_when_the_note_changed_meanwhile(
    notes_db: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    editor = concurrent_editor(tmp_path, "edit", "1", "the", "other", "writer's", "text")
    assert run("add", "original", "--tag", "keep", cwd=work, env={}).stdout == "1\n"

    result = run("edit", "1", cwd=work, env={"EDITOR": str(editor)})

    assert (result.returncode, result.stdout) == (1, "")
    (kept,) = work.glob("notes-edit-1-*.md")
    assert result.stderr == (
        "Error: note 1 changed while the editor was open, so your edit was not saved; "
        f"it is in {kept} (to apply it over the other change: notes edit 1 - < {kept})\n"
    )
    assert kept.read_text(encoding="utf-8") == "my careful edit\nsecond line"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stored(notes_db) == ("the other writer's text", ["keep"])

    # The advice in the message works.
    with kept.open() as stdin:
        applied = subprocess.run(
            [NOTES, "edit", "1", "-"], stdin=stdin, capture_output=True, text=True, timeout=60
        )
    assert (applied.returncode, applied.stderr) == (0, "")
    assert stored(notes_db) == ("my careful edit\nsecond line", ["keep"])


def test_edit_keeps_the_users_text_in_a_file_when_the_note_was_deleted_meanwhile(
    notes_db: str, tmp_path: Path
) -> None:
    editor = concurrent_editor(tmp_path, "rm", "1", then=("purge", "1"))
    run("add", "original", cwd=tmp_path, env={})
    result = run("edit", "1", cwd=tmp_path, env={"EDITOR": str(editor)})
    assert (result.returncode, result.stdout) == (1, "")
    (kept,) = tmp_path.glob("notes-edit-1-*.md")
    assert result.stderr == (
        f"Error: no note with id 1; it was deleted while the editor was open; "
        f"your edit is in {kept}\n"
    )
    assert kept.read_text(encoding="utf-8") == "my careful edit\nsecond line"


def test_edit_runs_a_scripted_editor_without_a_terminal(notes_db: str, tmp_path: Path) -> None:
    run("add", "a cat sat", "--tag", "t", cwd=tmp_path, env={})
    result = run("edit", "1", cwd=tmp_path, env={"EDITOR": "sed -i s/a/o/g", "VISUAL": ""})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert stored(notes_db) == ("o cot sot", ["t"])
    assert list(tmp_path.glob("notes-edit-*")) == []


def test_edit_with_no_editor_set_says_how_to_pass_text(notes_db: str, tmp_path: Path) -> None:
    run("add", "kept", cwd=tmp_path, env={})
    result = run("edit", "1", cwd=tmp_path, env={})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: set $VISUAL or $EDITOR to edit a note, or pass the new TEXT ('-' reads stdin)\n"
    )
    assert stored(notes_db) == ("kept", [])
