"""The OpenAPI document as a client generator reads it, and a generated client at work.

The `serve` tests do what an API user does: run the README's `openapi-python-client
generate` against a real `notes serve`, import the package it writes (into a temporary
folder), and drive the server with it. Every answer must parse into the model the document
declares for it: a search into typed `snippet` and `highlights`, a stale `If-Match` into the
412's `ErrorMessage`, a 404 and a 422 into theirs. The other tests read the document
in-process.
"""

import fcntl
import importlib
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from notes_api.app import create_app
from notes_core.settings import Settings
from tests.serving import Server

# Pinned: a new release may name things differently, and this test should say so, not drift.
GENERATOR = "openapi-python-client==0.29.1"
TOKEN = "client-token"
README = Path(__file__).resolve().parent.parent / "README.md"
# How the README's commands and snippet name the server; the tests swap in their own.
README_BASE = "http://127.0.0.1:8000"
PACKAGE = "notes_client"


def openapi() -> dict[str, Any]:
    document: dict[str, Any] = create_app(Settings()).openapi()
    return document


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in openapi()["paths"].items():
        for method, operation in methods.items():
            yield method.upper(), path, operation


# --- the document, in-process ---------------------------------------------------------------


def test_operation_ids_are_the_route_names_and_unique() -> None:
    ids = {(method, path): operation["operationId"] for method, path, operation in operations()}
    assert len(set(ids.values())) == len(ids)
    assert ids[("POST", "/api/v1/notes")] == "create_note"
    assert ids[("GET", "/api/v1/notes")] == "list_notes"
    assert ids[("GET", "/api/v1/notes/{note_id}")] == "get_note"
    assert ids[("POST", "/api/v1/trash/{note_id}/restore")] == "restore_note"
    assert ids[("POST", "/add_note")] == "add_note"
    assert ids[("GET", "/healthz")] == "healthz"
    # One tag each: the generated client's module (`notes.create_note`).
    assert all(len(operation["tags"]) == 1 for _, _, operation in operations())


def test_every_operation_answers_one_schema_per_status() -> None:
    for method, path, operation in operations():
        for status, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                schema = content["schema"]
                assert "anyOf" not in schema and "oneOf" not in schema, (method, path, status)
    listing = openapi()["paths"]["/api/v1/notes"]["get"]["responses"]["200"]
    schema = listing["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/NotesPage"}


def test_search_fields_are_optional_strings_not_nulls() -> None:
    listed = openapi()["components"]["schemas"]["ListedNote"]
    assert "snippet" not in listed["required"] and "highlights" not in listed["required"]
    assert listed["properties"]["snippet"]["type"] == "string"
    assert listed["properties"]["highlights"]["type"] == "array"
    assert "default" not in listed["properties"]["snippet"]


def test_one_declared_page_leaves_the_wire_as_it_was(db_target: str) -> None:
    """A plain listing's notes carry no search keys at all (not nulls); a search's carry
    both: the JSON clients already read, under the one page schema now declared."""
    app = create_app(Settings(db=db_target))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        client.post("/api/v1/notes", json={"text": "ship it", "tags": ["work"]})
        [listed] = client.get("/api/v1/notes").json()["items"]
        [found] = client.get("/api/v1/notes", params={"q": "ship"}).json()["items"]
    keys = ["id", "text", "tags", "created_at", "updated_at", "pinned"]
    assert list(listed) == keys
    assert list(found) == [*keys, "snippet", "highlights"]
    assert (found["snippet"], found["highlights"]) == ("ship it", [[0, 4]])


def test_bearer_security_on_every_operation_but_health() -> None:
    schemes = openapi()["components"]["securitySchemes"]
    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "Required when the server has a token.",
        }
    }
    for method, path, operation in operations():
        if path == "/healthz":
            assert "security" not in operation and "401" not in operation["responses"]
        else:
            assert operation["security"] == [{"HTTPBearer": []}], (method, path)


def test_every_answer_a_client_handles_is_declared_with_its_headers() -> None:
    error_bodies = {"#/components/schemas/ErrorMessage", "#/components/schemas/InvalidRequest"}
    for method, path, operation in operations():
        responses = operation["responses"]
        where = f"{method} {path}"
        if path != "/healthz":
            assert {"401", "413", "422", "503"} <= set(responses), where
            www = responses["401"]["headers"]["WWW-Authenticate"]
            assert www["required"], where
        assert "Retry-After" in responses["503"].get("headers", {}) or path == "/healthz", where
        if "{note_id}" in path:
            assert "404" in responses, where
        for status, response in responses.items():
            if status.startswith("4") or (status == "503" and path != "/healthz"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref in error_bodies, (where, status)
            note = response.get("content", {}).get("application/json", {}).get("schema")
            if note == {"$ref": "#/components/schemas/NotePublic"}:
                assert response["headers"]["ETag"]["required"], (where, status)
    paths = openapi()["paths"]
    created = paths["/api/v1/notes"]["post"]["responses"]["201"]["headers"]
    assert created["Location"]["required"] and created["ETag"]["required"]
    assert "412" in paths["/api/v1/notes/{note_id}"]["patch"]["responses"]


# --- a generated client against `notes serve` ------------------------------------------------


def readme_client_docs() -> tuple[str, str]:
    """The README's generate command and its Python snippet."""
    text = README.read_text()
    [command] = [line for line in text.splitlines() if line.startswith("openapi-python-client ")]
    [snippet] = re.findall(r"```python\n(import os\n\nfrom notes_client .*?)```", text, re.S)
    return command, snippet


@pytest.fixture(scope="session")
def generator(pytestconfig: pytest.Config) -> Path:
    """The `openapi-python-client` command, in an environment of its own, made once and
    kept in pytest's cache. It cannot be in the test extra: it pins typer<0.28, and notes
    needs typer 0.28. The formatter it runs is the test extra's ruff (on PATH below)."""
    assert pytestconfig.cache is not None
    home = pytestconfig.cache.mkdir(GENERATOR.replace("==", "-"))
    ready = home / "ready"
    # Two xdist workers may get here at once: one builds, the other waits for it.
    with (home.parent / f"{home.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
            pip = [str(home / "bin" / "python"), "-m", "pip", "install", "-q", GENERATOR]
            subprocess.run(pip, check=True)
            ready.touch()
    return home / "bin" / "openapi-python-client"


def serve(tmp_path: Path) -> Server:
    return Server(str(tmp_path / "notes.db"), "--token", TOKEN)


@pytest.fixture(scope="module")
def generated(generator: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The package the README's command generates from a running server's /openapi.json,
    imported from a temporary folder."""
    where = tmp_path_factory.mktemp("generated")
    command, _ = readme_client_docs()
    with serve(where) as server:
        args = shlex.split(command.replace(README_BASE, server.base))
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        result = subprocess.run(
            [str(generator), *args[1:]], cwd=where, env=env, capture_output=True, text=True
        )
    # The generator warns (and still succeeds) about anything it had to leave out.
    assert result.returncode == 0 and "Warning" not in result.stdout, result.stdout + result.stderr
    assert not (where / PACKAGE / "pyproject.toml").exists()  # --meta none: the package only
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def client_module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.mark.serve
def test_a_generated_client_drives_a_real_server(generated: ModuleType, tmp_path: Path) -> None:
    models = client_module(generated, "models")
    unset = client_module(generated, "types").Unset
    notes = client_module(generated, "api.notes")
    trash = client_module(generated, "api.trash")
    history = client_module(generated, "api.history")
    health = client_module(generated, "api.health")
    seed = client_module(generated, "api.seed")
    for name in ("create_note", "list_notes", "get_note", "update_note", "delete_note"):
        importlib.import_module(f"{notes.__name__}.{name}")
    for name in ("restore_note", "list_trash"):
        importlib.import_module(f"{trash.__name__}.{name}")
    importlib.import_module(f"{history.__name__}.list_revisions")
    importlib.import_module(f"{health.__name__}.healthz")
    importlib.import_module(f"{seed.__name__}.all_notes")

    with (
        serve(tmp_path) as server,
        generated.AuthenticatedClient(base_url=server.base, token=TOKEN) as client,
        generated.AuthenticatedClient(base_url=server.base, token="not-the-token") as stranger,
        generated.Client(base_url=server.base) as anyone,
    ):
        body = models.NoteCreate(text="deploy the staging box", tags=["Ops", "work"])
        created = notes.create_note.sync_detailed(client=client, body=body)
        assert created.status_code == 201
        note = created.parsed
        assert isinstance(note, models.NotePublic)
        assert (note.text, note.tags, note.pinned) == (
            "deploy the staging box",
            ["ops", "work"],
            False,
        )
        assert created.headers["Location"] == f"/api/v1/notes/{note.id}"
        etag = created.headers["ETag"]
        other = notes.create_note.sync(client=client, body=models.NoteCreate(text="buy oat milk"))

        page = notes.list_notes.sync(client=client)
        assert isinstance(page, models.NotesPage)
        assert [item.id for item in page.items] == [other.id, note.id]
        assert page.next_cursor is None
        for item in page.items:  # a plain listing: the search fields are absent, not null
            assert isinstance(item.snippet, unset) and isinstance(item.highlights, unset)
            assert item.additional_properties == {}

        found = notes.list_notes.sync(client=client, q="staging", tag=["ops"])
        [hit] = found.items
        assert isinstance(hit, models.ListedNote) and hit.additional_properties == {}
        assert (hit.id, hit.snippet, hit.highlights) == (
            note.id,
            "deploy the staging box",
            [[11, 18]],
        )

        change = models.NoteUpdate(text="deploy the prod box")
        changed = notes.update_note.sync_detailed(
            note.id, client=client, body=change, if_match=etag
        )
        assert changed.status_code == 200 and changed.parsed.text == "deploy the prod box"
        assert changed.headers["ETag"] != etag
        lost = models.NoteUpdate(text="an edit made from an old copy")
        stale = notes.update_note.sync_detailed(note.id, client=client, body=lost, if_match=etag)
        assert stale.status_code == 412
        assert isinstance(stale.parsed, models.ErrorMessage)
        assert "has changed since it was read" in stale.parsed.detail
        assert notes.get_note.sync(note.id, client=client).text == "deploy the prod box"
        versions = history.list_revisions.sync(note.id, client=client)
        assert [version.text for version in versions.items] == [
            "deploy the staging box",
            "deploy the prod box",
        ]

        assert notes.delete_note.sync_detailed(note.id, client=client).status_code == 204
        gone = notes.get_note.sync(note.id, client=client)
        assert isinstance(gone, models.ErrorMessage)
        assert f"POST /api/v1/trash/{note.id}/restore" in gone.detail
        [trashed] = trash.list_trash.sync(client=client).items
        assert (trashed.id, trashed.text) == (note.id, "deploy the prod box")
        restored = trash.restore_note.sync_detailed(note.id, client=client)
        assert restored.status_code == 200 and restored.parsed.text == "deploy the prod box"
        assert restored.headers["ETag"] == changed.headers["ETag"]

        unknown = notes.get_note.sync_detailed(9999, client=client)
        assert unknown.status_code == 404
        assert isinstance(unknown.parsed, models.ErrorMessage)
        assert unknown.parsed.detail == "no note with id 9999"
        blank = notes.create_note.sync(client=client, body=models.NoteCreate(text="  "))
        assert isinstance(blank, models.InvalidRequest) and blank.detail == "note text is empty"
        too_few = notes.list_notes.sync(client=client, limit=0)
        assert isinstance(too_few, models.InvalidRequest)
        [issue] = too_few.detail
        assert isinstance(issue, models.ValidationIssue)
        assert (issue.loc, issue.type_) == (["query", "limit"], "greater_than_equal")

        refused = notes.list_notes.sync_detailed(client=stranger)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"] == "Bearer"
        assert isinstance(refused.parsed, models.ErrorMessage)

        assert seed.all_notes.sync(client=client).additional_properties == {
            str(other.id): "buy oat milk",
            str(note.id): "deploy the prod box",
        }
        alive = health.healthz.sync(client=anyone)
        assert isinstance(alive, models.Health)


@pytest.mark.serve
def test_the_readme_client_snippet_runs(
    generated: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, snippet = readme_client_docs()
    with serve(tmp_path) as server:
        monkeypatch.setenv("NOTES_TOKEN", TOKEN)
        code = compile(snippet.replace(README_BASE, server.base), str(README), "exec")
        exec(code, {"__name__": "readme_snippet"})
    assert capsys.readouterr().out.splitlines() == [
        "1 ship it [[0, 4]]",
        "note 1 has changed since it was read; nothing was changed: read it again and retry",
    ]
