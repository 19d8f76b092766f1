"""The HTTP API in-process (TestClient runs the lifespan), on SQLite and PostgreSQL."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from notes_api.app import create_app
from notes_core import repository
from notes_core.engine import open_store
from notes_core.session import session_scope
from notes_core.settings import Settings

TOKEN = "s3cret-token"
# The server answers only to loopback Host names (TestClient's default is "testserver").
LOCAL = "http://127.0.0.1"


@pytest.fixture
def client(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


@pytest.fixture
def authed(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target, token=TOKEN)), base_url=LOCAL) as test_client:
        yield test_client


def texts(target: str) -> list[str]:
    store = open_store(target)
    with session_scope(store) as session:
        found = [note.text for note in repository.iterate(session, oldest_first=True)]
    store.close()
    return found


def test_seed_add_note_and_notes_are_byte_compatible(client: TestClient) -> None:
    first = client.post("/add_note", json={"text": "héllo"})
    assert (first.status_code, first.content) == (200, b'{"id":1}')
    assert client.post("/add_note", json={"text": 'say "hi"\n', "extra": 1}).json() == {"id": 2}
    listing = client.get("/notes")
    assert listing.status_code == 200
    assert listing.headers["content-type"] == "application/json"
    assert listing.content == '{"1":"héllo","2":"say \\"hi\\"\\n"}'.encode()


def test_seed_notes_on_an_empty_store_is_an_empty_object(client: TestClient) -> None:
    assert client.get("/notes").content == b"{}"


def test_seed_notes_streams_past_a_page_in_id_order(client: TestClient, db_target: str) -> None:
    count = repository.BATCH_SIZE + 7
    store = open_store(db_target)
    with session_scope(store, write=True) as session:
        repository.add_many(session, notes=(repository.NewNote(f"n{i}") for i in range(count)))
    store.close()
    body = client.get("/notes").json()
    assert list(body) == [str(i) for i in range(1, count + 1)]
    assert body[str(count)] == f"n{count - 1}"


def test_create_returns_201_the_note_and_its_location(client: TestClient) -> None:
    response = client.post("/api/v1/notes", json={"text": "rest", "tags": ["B", "a", "b"]})
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/notes/1"
    note = response.json()
    assert (note["id"], note["text"], note["tags"]) == (1, "rest", ["a", "b"])
    assert note["created_at"].endswith("+00:00") and note["created_at"] == note["updated_at"]
    assert client.get("/api/v1/notes/1").json() == note


def test_patch_changes_only_what_is_given(client: TestClient) -> None:
    client.post("/api/v1/notes", json={"text": "draft", "tags": ["todo"]})
    patched = client.patch("/api/v1/notes/1", json={"tags": ["Done"]}).json()
    assert (patched["text"], patched["tags"]) == ("draft", ["done"])
    patched = client.patch("/api/v1/notes/1", json={"text": "final"}).json()
    assert (patched["text"], patched["tags"]) == ("final", ["done"])
    assert patched["updated_at"] > patched["created_at"]


def test_delete_moves_to_the_trash_then_404_that_says_so(client: TestClient) -> None:
    client.post("/api/v1/notes", json={"text": "bye"})
    response = client.delete("/api/v1/notes/1")
    assert (response.status_code, response.content) == (204, b"")
    in_trash = "note 1 is in the trash; restore it with POST /api/v1/trash/1/restore"
    assert client.get("/api/v1/notes/1").json() == {"detail": in_trash}
    again = client.delete("/api/v1/notes/1")
    assert (again.status_code, again.json()) == (404, {"detail": in_trash})
    assert client.delete("/api/v1/notes/2").json()["detail"].startswith("no note with id 2")


def test_list_pages_newest_first_with_an_opaque_cursor(client: TestClient) -> None:
    for number in range(5):
        client.post("/api/v1/notes", json={"text": f"n{number}", "tags": ["odd"] * (number % 2)})
    first = client.get("/api/v1/notes", params={"limit": 2}).json()
    assert [n["id"] for n in first["items"]] == [5, 4]
    second = client.get("/api/v1/notes", params={"limit": 2, "cursor": first["next_cursor"]})
    third = client.get("/api/v1/notes", params={"limit": 2, "cursor": second.json()["next_cursor"]})
    assert [n["id"] for n in second.json()["items"]] == [3, 2]
    assert [n["id"] for n in third.json()["items"]] == [1]
    assert third.json()["next_cursor"] is None
    tagged = client.get("/api/v1/notes", params={"tag": "odd"}).json()
    assert [n["id"] for n in tagged["items"]] == [4, 2]
    assert client.get("/api/v1/notes").json()["next_cursor"] is None


def test_search_through_q_with_tag_and_snippet(client: TestClient) -> None:
    client.post("/api/v1/notes", json={"text": "deploy the api", "tags": ["ops"]})
    client.post("/api/v1/notes", json={"text": "deploy the docs"})
    found = client.get("/api/v1/notes", params={"q": "deploy", "tag": "ops"}).json()
    assert [n["id"] for n in found["items"]] == [1]
    assert found["items"][0]["snippet"] == "deploy the api"
    assert found["items"][0]["highlights"] == [[0, 6]]
    page = client.get("/api/v1/notes", params={"q": "deploy", "limit": 1}).json()
    rest = client.get("/api/v1/notes", params={"q": "deploy", "cursor": page["next_cursor"]})
    assert len(page["items"]) == 1 and len(rest.json()["items"]) == 1
    assert page["items"][0]["id"] != rest.json()["items"][0]["id"]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/api/v1/notes", {"text": "   "}, 422),
        ("post", "/api/v1/notes", {"text": "x", "tags": ["two words"]}, 422),
        ("post", "/api/v1/notes", {"text": 5}, 422),
        ("post", "/api/v1/notes", {"tags": ["a"]}, 422),
        ("post", "/api/v1/notes", {"text": "x", "surprise": 1}, 422),
        ("post", "/api/v1/notes", {"text": "a\u0000b"}, 422),
        ("post", "/api/v1/notes", {"text": "x" * (1024 * 1024 + 1)}, 422),
        ("post", "/add_note", {"nope": "x"}, 422),
        ("post", "/add_note", {"text": ""}, 422),
        ("get", "/api/v1/notes/abc", None, 422),
        ("get", "/api/v1/notes/0", None, 422),
        ("get", "/api/v1/notes/99999999999999999999", None, 422),
        ("get", "/api/v1/notes/42", None, 404),
        ("patch", "/api/v1/notes/42", {"text": "x"}, 404),
        ("patch", "/api/v1/notes/1", {"text": ""}, 422),
        ("delete", "/api/v1/notes/42", None, 404),
        ("get", "/api/v1/notes?limit=0", None, 422),
        ("get", "/api/v1/notes?limit=1001", None, 422),
        ("get", "/api/v1/notes?limit=x", None, 422),
        ("get", "/api/v1/notes?cursor=bogus", None, 422),
        ("get", "/api/v1/notes?q=x&cursor=bogus", None, 422),
        ("get", "/api/v1/notes?tag=a%20b", None, 422),
        ("post", "/api/v1/trash/1/restore", None, 404),
        ("delete", "/api/v1/trash/1", None, 404),
        ("delete", "/api/v1/trash/abc", None, 422),
        ("get", "/api/v1/trash?limit=0", None, 422),
        ("get", "/api/v1/trash?cursor=bogus", None, 422),
        ("get", "/api/v1/notes/1/revisions/2", None, 404),
        ("get", "/api/v1/notes/1/revisions/0", None, 422),
        ("get", "/api/v1/notes/42/revisions", None, 404),
    ],
)
def test_bad_input_is_4xx_with_detail_and_writes_nothing(
    client: TestClient,
    db_target: str,
    method: str,
    path: str,
    body: object,
    status: int,
) -> None:
    client.post("/api/v1/notes", json={"text": "existing"})
    response = client.request(method, path, json=body)
    assert response.status_code == status, response.text
    assert "detail" in response.json()
    assert texts(db_target) == ["existing"]


@pytest.mark.parametrize("raw", [b"{bad json", b"", b"[]", b'"text"', b"\xff\xfe"])
def test_malformed_json_bodies_are_422(client: TestClient, raw: bytes) -> None:
    for path in ("/add_note", "/api/v1/notes"):
        response = client.post(path, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (path, raw, response.text)
        assert "detail" in response.json()


def test_body_over_the_limit_is_413_json(db_target: str) -> None:
    with TestClient(create_app(Settings(db=db_target, max_body=1000)), base_url=LOCAL) as client:
        response = client.post("/api/v1/notes", json={"text": "x" * 2000})
        assert response.status_code == 413
        assert response.json() == {"detail": "request body is over the limit of 1,000 bytes"}

        def chunks() -> Iterator[bytes]:
            yield b'{"text": "'
            for _ in range(20):
                yield b"y" * 100
            yield b'"}'

        streamed = client.post(
            "/add_note", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        assert "over the limit" in streamed.json()["detail"]
        assert client.post("/add_note", json={"text": "small"}).status_code == 200
    assert texts(db_target) == ["small"]


def test_token_guards_every_endpoint_with_notes(authed: TestClient) -> None:
    good = {"Authorization": f"Bearer {TOKEN}"}
    for method, path in [
        ("post", "/add_note"),
        ("get", "/notes"),
        ("post", "/api/v1/notes"),
        ("get", "/api/v1/notes"),
        ("get", "/api/v1/notes/1"),
        ("patch", "/api/v1/notes/1"),
        ("delete", "/api/v1/notes/1"),
        ("get", "/api/v1/trash"),
        ("post", "/api/v1/trash/1/restore"),
        ("delete", "/api/v1/trash/1"),
        ("get", "/api/v1/notes/1/revisions"),
        ("get", "/api/v1/notes/1/revisions/1"),
    ]:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = authed.request(method, path, json={"text": "x"}, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json() == {"detail": "missing or wrong bearer token"}
            assert response.headers["www-authenticate"] == "Bearer"
    assert authed.post("/add_note", json={"text": "ok"}, headers=good).json() == {"id": 1}
    assert authed.get("/notes", headers=good).json() == {"1": "ok"}
    for open_path in ("/healthz", "/openapi.json", "/docs"):
        assert authed.get(open_path).status_code == 200, open_path


def test_healthz_answers_ok_then_503_when_the_store_is_gone(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    store = client.app.state.notes.store  # type: ignore[attr-defined]
    store.engine.dispose()
    if store.is_sqlite:
        # The file is replaced by a directory: nothing can open it any more.
        path = Path(str(store.url.database))
        path.unlink()
        path.mkdir()
    else:
        # The server goes away: nothing listens on port 1.
        store.engine = create_engine(store.url.set(port=1), connect_args={"connect_timeout": 2})
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_openapi_documents_errors_and_security(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/notes/{note_id}"]["get"]
    assert {"401", "404", "413", "422"} <= set(operation["responses"])
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    [note_id] = operation["parameters"]
    assert (note_id["schema"]["minimum"], note_id["schema"]["maximum"]) == (1, 2**63 - 1)


def test_every_operation_on_the_store_says_what_it_does_and_how_it_fails(
    client: TestClient,
) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    store_paths = [path for path in paths if path.startswith("/api/") or path in ("/notes",)]
    for path in store_paths:
        for method, operation in paths[path].items():
            where = f"{method.upper()} {path}"
            assert operation["summary"] and operation["description"], where
            assert {"401", "422", "503"} <= set(operation["responses"]), where
            if "{note_id}" in path:
                assert "404" in operation["responses"], where
