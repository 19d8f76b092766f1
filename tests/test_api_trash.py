"""Trash and history over HTTP (issue 10), in-process on SQLite and PostgreSQL:
/api/v1/trash, restore, purge and /api/v1/notes/{id}/revisions."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from notes_api.app import create_app
from notes_core.library import Notes
from notes_core.models import note_revisions
from notes_core.session import session_scope
from notes_core.settings import Settings

LOCAL = "http://127.0.0.1"


@pytest.fixture
def client(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


def add(client: TestClient, text: str, tags: list[str] | None = None) -> dict[str, Any]:
    response = client.post("/api/v1/notes", json={"text": text, "tags": tags or []})
    assert response.status_code == 201, response.text
    note: dict[str, Any] = response.json()
    return note


def in_trash(note_id: int) -> str:
    return f"note {note_id} is in the trash; restore it with POST /api/v1/trash/{note_id}/restore"


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def kept_versions(target: str) -> int:
    """How many earlier versions the store holds, of any note."""
    with Notes.open(target) as notes, session_scope(notes.store) as session:
        count: int = session.execute(select(func.count()).select_from(note_revisions)).scalar_one()
    return count


# --- trash, restore, purge --------------------------------------------------------------


def test_a_trashed_note_comes_back_identical_etag_included(client: TestClient) -> None:
    add(client, "keep me", ["b", "a"])
    client.patch("/api/v1/notes/1", json={"text": "keep me\r\nwith ünïcode"})
    before = client.get("/api/v1/notes/1")
    assert before.json()["updated_at"] > before.json()["created_at"]

    assert client.delete("/api/v1/notes/1").status_code == 204
    gone = client.get("/api/v1/notes/1")
    assert (gone.status_code, gone.json()) == (404, {"detail": in_trash(1)})
    again = client.delete("/api/v1/notes/1")
    assert (again.status_code, again.json()) == (404, {"detail": in_trash(1)})

    [trashed] = client.get("/api/v1/trash").json()["items"]
    assert trashed.pop("trashed_at") >= before.json()["updated_at"]
    assert trashed == before.json()

    restored = client.post("/api/v1/trash/1/restore")
    assert restored.status_code == 200
    assert restored.json() == before.json()
    assert restored.headers["etag"] == before.headers["etag"]
    after = client.get("/api/v1/notes/1")
    assert (after.json(), after.headers["etag"]) == (before.json(), before.headers["etag"])
    # The ETag read before the trash still guards a change after it.
    assert client.patch(
        "/api/v1/notes/1", json={"text": "edited"}, headers={"If-Match": before.headers["etag"]}
    ).json()["text"] == ("edited")
    assert client.get("/api/v1/trash").json() == {"items": [], "next_cursor": None}


def test_purge_deletes_the_note_and_its_history_for_good(
    client: TestClient, db_target: str
) -> None:
    add(client, "v1")
    client.patch("/api/v1/notes/1", json={"text": "v2"})
    client.patch("/api/v1/notes/1", json={"tags": ["x"]})
    add(client, "other")
    client.patch("/api/v1/notes/2", json={"text": "other v2"})
    assert kept_versions(db_target) == 3
    client.delete("/api/v1/notes/1")

    purged = client.delete("/api/v1/trash/1")
    assert (purged.status_code, purged.content) == (204, b"")
    assert kept_versions(db_target) == 1  # only note 2's
    for method, path in [
        ("POST", "/api/v1/trash/1/restore"),
        ("DELETE", "/api/v1/trash/1"),
        ("GET", "/api/v1/notes/1"),
        ("GET", "/api/v1/notes/1/revisions"),
        ("GET", "/api/v1/notes/1/revisions/1"),
        ("DELETE", "/api/v1/notes/1"),
    ]:
        response = client.request(method, path)
        assert response.status_code == 404, (method, path)
        assert "no note with id 1" in response.json()["detail"], (method, path)
    assert client.get("/api/v1/trash").json()["items"] == []
    assert add(client, "new")["id"] == 3  # the purged id is never reused


@pytest.mark.parametrize(
    ("method", "path", "detail"),
    [
        ("POST", "/api/v1/trash/1/restore", "no note with id 1 in the trash; nothing was restored"),
        ("DELETE", "/api/v1/trash/1", "no note with id 1 in the trash; nothing was purged"),
        ("POST", "/api/v1/trash/9/restore", "no note with id 9 in the trash; nothing was restored"),
        ("DELETE", "/api/v1/trash/9", "no note with id 9 in the trash; nothing was purged"),
    ],
)
def test_restore_and_purge_only_touch_notes_in_the_trash(
    client: TestClient, method: str, path: str, detail: str
) -> None:
    note = add(client, "alive", ["t"])
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (404, {"detail": detail})
    assert client.get("/api/v1/notes/1").json() == note


def test_trash_pages_exactly_through_notes_trashed_at_the_same_moment(
    client: TestClient, db_target: str
) -> None:
    for number in range(1, 26):
        add(client, f"n{number}", ["odd"] if number % 2 else [])
    with Notes.open(db_target) as notes:
        notes.trash(range(1, 21))  # one call: twenty notes share one trashed_at
        assert len({note.trashed_at for note in notes.trashed()}) == 1
    client.delete("/api/v1/notes/21")
    with Notes.open(db_target) as notes:
        notes.trash([22, 23, 24])
    newest_first = [24, 23, 22, 21, *range(20, 0, -1)]

    for limit in (1, 3, 7, 20, 24, 1000):
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
            page = client.get("/api/v1/trash", params=params).json()
            assert len(page["items"]) <= limit
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == newest_first, limit

    odd = client.get("/api/v1/trash", params={"tag": "odd", "limit": 5}).json()
    assert [item["id"] for item in odd["items"]] == [23, 21, 19, 17, 15]
    rest = client.get("/api/v1/trash", params={"tag": "odd", "cursor": odd["next_cursor"]})
    assert ids(rest) == [13, 11, 9, 7, 5, 3, 1]
    assert rest.json()["next_cursor"] is None
    assert ids(client.get("/api/v1/notes")) == [25]


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=1001", "limit=x", "cursor=bogus", "tag=a%20b", "cursor=bm90ZXM6MQ"],
)
def test_bad_trash_paging_is_422(client: TestClient, query: str) -> None:
    response = client.get(f"/api/v1/trash?{query}")
    assert response.status_code == 422, response.text
    assert "detail" in response.json()


def test_a_cursor_of_the_notes_listing_is_refused_by_the_trash(client: TestClient) -> None:
    for number in range(3):
        add(client, f"n{number}")
    cursor = client.get("/api/v1/notes", params={"limit": 1}).json()["next_cursor"]
    response = client.get("/api/v1/trash", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("cursor is not valid")


def test_trashed_notes_leave_every_listing_and_search_until_restored(client: TestClient) -> None:
    add(client, "apple pie", ["food"])
    add(client, "apple tree", ["food", "garden"])
    add(client, "pear tree", ["garden"])
    client.delete("/api/v1/notes/2")

    assert ids(client.get("/api/v1/notes")) == [3, 1]
    assert ids(client.get("/api/v1/notes", params={"tag": "garden"})) == [3]
    assert ids(client.get("/api/v1/notes", params={"q": "apple"})) == [1]
    assert ids(client.get("/api/v1/notes", params={"q": "tree"})) == [3]
    assert client.get("/notes").json() == {"1": "apple pie", "3": "pear tree"}

    client.post("/api/v1/trash/2/restore")
    assert ids(client.get("/api/v1/notes")) == [3, 2, 1]
    assert sorted(ids(client.get("/api/v1/notes", params={"q": "apple"}))) == [1, 2]
    assert ids(client.get("/api/v1/notes", params={"q": "tree", "tag": "food"})) == [2]
    assert list(client.get("/notes").json()) == ["1", "2", "3"]


def test_a_trashed_note_cannot_be_changed_even_by_a_patch_that_changes_nothing(
    client: TestClient,
) -> None:
    note = add(client, "frozen", ["a"])
    etag = client.get("/api/v1/notes/1").headers["etag"]
    client.delete("/api/v1/notes/1")
    for body, headers in [
        ({}, {}),
        ({"text": "frozen", "tags": ["a"]}, {}),
        ({"text": "thawed"}, {}),
        ({"tags": []}, {"If-Match": etag}),
        ({"text": "thawed"}, {"If-Match": '"stale"'}),
    ]:
        response = client.patch("/api/v1/notes/1", json=body, headers=headers)
        assert (response.status_code, response.json()) == (404, {"detail": in_trash(1)}), body
    assert client.post("/api/v1/trash/1/restore").json() == note
    assert client.get("/api/v1/notes/1/revisions").json()["items"][0]["current"] is True


# --- history ----------------------------------------------------------------------------


def test_every_patch_keeps_the_version_before_it_numbered_from_one(client: TestClient) -> None:
    created = add(client, "first draft", ["Draft"])
    client.patch("/api/v1/notes/1", json={"text": "second draft"})
    client.patch("/api/v1/notes/1", json={"text": "second draft"})  # no change, no version
    client.patch("/api/v1/notes/1", json={"tags": ["done", "final"]})
    client.patch("/api/v1/notes/1", json={"text": "final text", "tags": ["done"]})
    current = client.get("/api/v1/notes/1").json()

    response = client.get("/api/v1/notes/1/revisions")
    assert response.status_code == 200
    versions = response.json()["items"]
    assert [(v["revision"], v["text"], v["tags"], v["current"]) for v in versions] == [
        (1, "first draft", ["draft"], False),
        (2, "second draft", ["draft"], False),
        (3, "second draft", ["done", "final"], False),
        (4, "final text", ["done"], True),
    ]
    assert {v["note_id"] for v in versions} == {1}
    assert versions[0]["updated_at"] == created["updated_at"]
    assert versions[-1]["updated_at"] == current["updated_at"]
    stamps = [v["updated_at"] for v in versions]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4

    for version in versions:
        one = client.get(f"/api/v1/notes/1/revisions/{version['revision']}")
        assert (one.status_code, one.json()) == (200, version)
    assert client.get("/api/v1/notes/1/revisions/004").json() == versions[-1]


def test_a_note_never_changed_has_one_version_the_current_one(client: TestClient) -> None:
    note = add(client, "as written", ["x"])
    [version] = client.get("/api/v1/notes/1/revisions").json()["items"]
    assert version == {
        "note_id": 1,
        "revision": 1,
        "text": "as written",
        "tags": ["x"],
        "updated_at": note["updated_at"],
        "current": True,
    }


@pytest.mark.parametrize(
    ("number", "status"),
    [
        ("3", 404),
        ("2147483647", 404),
        ("0", 422),
        ("00", 422),
        ("-1", 422),
        ("+1", 422),
        ("1.0", 422),
        ("1_0", 422),
        ("1e0", 422),
        ("0x1", 422),
        ("\u0661", 422),
        ("abc", 422),
        ("2147483648", 404),  # past the column type: no such version, never a 500
        ("9223372036854775807", 422),
        ("99999999999999999999999999", 422),
    ],
)
def test_a_version_number_is_plain_digits_and_must_exist(
    client: TestClient, number: str, status: int
) -> None:
    add(client, "v1")
    client.patch("/api/v1/notes/1", json={"text": "v2"})
    response = client.get(f"/api/v1/notes/1/revisions/{number}")
    assert response.status_code == status, response.text
    detail = response.json()["detail"]
    if status == 404:
        assert detail.startswith(f"note 1 has no version {number}")
    else:
        assert detail.endswith("is not a version number (versions are numbered from 1)")


@pytest.mark.parametrize("path", ["/api/v1/notes/{id}/revisions", "/api/v1/notes/{id}/revisions/1"])
def test_history_of_an_unknown_or_trashed_note_is_404(client: TestClient, path: str) -> None:
    add(client, "soon trashed")
    client.delete("/api/v1/notes/1")
    trashed = client.get(path.format(id=1))
    assert (trashed.status_code, trashed.json()) == (404, {"detail": in_trash(1)})
    unknown = client.get(path.format(id=7))
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no note with id 7")
    assert client.get(path.format(id="x")).status_code == 422


# --- the HTTP surface -------------------------------------------------------------------


def test_head_answers_like_get_on_the_trash_and_history_routes(client: TestClient) -> None:
    add(client, "one")
    add(client, "two")
    client.patch("/api/v1/notes/1", json={"text": "one v2"})
    client.delete("/api/v1/notes/2")
    for path in [
        "/api/v1/trash",
        "/api/v1/trash?limit=1&tag=x",
        "/api/v1/notes/1/revisions",
        "/api/v1/notes/1/revisions/1",
        "/api/v1/notes/1/revisions/9",
        "/api/v1/notes/2/revisions",
    ]:
        get, head = client.get(path), client.head(path)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert head.headers == get.headers, path
    # Restore and purge have no GET, so no HEAD either.
    assert client.head("/api/v1/trash/2/restore").status_code == 405
    assert client.get("/api/v1/trash/2").headers["allow"] == "DELETE"


def test_the_new_routes_need_the_token_like_every_route_with_notes(db_target: str) -> None:
    app = create_app(Settings(db=db_target, token="tok"))
    good = {"Authorization": "Bearer tok"}
    with TestClient(app, base_url=LOCAL) as client:
        client.post("/api/v1/notes", json={"text": "secret"}, headers=good)
        client.delete("/api/v1/notes/1", headers=good)
        for method, path in [
            ("GET", "/api/v1/trash"),
            ("POST", "/api/v1/trash/1/restore"),
            ("DELETE", "/api/v1/trash/1"),
            ("GET", "/api/v1/notes/1/revisions"),
            ("GET", "/api/v1/notes/1/revisions/1"),
        ]:
            response = client.request(method, path, headers={"Authorization": "Bearer no"})
            assert response.status_code == 401, (method, path)
            assert "secret" not in response.text
        assert ids(client.get("/api/v1/trash", headers=good)) == [1]


def test_openapi_describes_the_trash_and_history_operations(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    operations = {
        ("/api/v1/trash", "get"): "TrashedNotesPublic",
        ("/api/v1/trash/{note_id}/restore", "post"): "NotePublic",
        ("/api/v1/trash/{note_id}", "delete"): None,
        ("/api/v1/notes/{note_id}/revisions", "get"): "RevisionsPublic",
        ("/api/v1/notes/{note_id}/revisions/{number}", "get"): "RevisionPublic",
        ("/api/v1/notes/{note_id}", "delete"): None,
    }
    for (path, method), model in operations.items():
        operation = paths[path][method]
        assert operation["summary"] and operation["description"], path
        assert {"401", "413", "422", "503"} <= set(operation["responses"]), path
        if "{note_id}" in path:
            assert "404" in operation["responses"], path
        success = operation["responses"]["204" if model is None else "200"]
        if model is not None:
            schema = success["content"]["application/json"]["schema"]
            assert schema == {"$ref": f"#/components/schemas/{model}"}, path
    assert "ETag" in paths["/api/v1/trash/{note_id}/restore"]["post"]["responses"]["200"]["headers"]
    [number] = [
        p
        for p in paths["/api/v1/notes/{note_id}/revisions/{number}"]["get"]["parameters"]
        if p["name"] == "number"
    ]
    assert number["schema"]["type"] == "integer" and number["schema"]["minimum"] == 1
