"""The HTTP API against hostile input and load (issue 15): saturation answers 503 with
Retry-After, strict JSON, Host checks, HEAD, plain-digit ids, capped error details, and
tokens a client can send. Real `notes serve` processes where serving, logging or the Host
header is the point (raw http.client, so the test sets the Host header itself)."""

import http.client
import itertools
import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import anyio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from typer.testing import CliRunner

from notes_api.app import create_app
from notes_cli.app import app as cli_app
from notes_core import repository
from notes_core.engine import Store, open_store
from notes_core.errors import InvalidSettings, StoreBusy
from notes_core.session import session_scope
from notes_core.settings import Settings
from tests.serving import Server

LOCAL = "http://127.0.0.1"
PIN = "my bank PIN is 4711"
MIB = 1024 * 1024

Answer = tuple[int, dict[str, str], bytes]


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> Answer:
    """One raw request: (status, lower-cased headers, body). A `Host` in `headers` is sent
    as given."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def seed(target: str, count: int, text: str = "note {i}") -> None:
    store = open_store(target)
    with session_scope(store, write=True) as session:
        repository.add_many(
            session, notes=(repository.NewNote(text.format(i=i)) for i in range(count))
        )
    store.close()


def texts(target: str) -> list[str]:
    store = open_store(target)
    with session_scope(store) as session:
        found = [note.text for note in repository.iterate(session, oldest_first=True)]
    store.close()
    return found


@pytest.fixture
def client(db_target: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as test_client:
        yield test_client


@contextmanager
def note_locked(target: str, note_id: int) -> Iterator[None]:
    """Another process's transaction holds what a PATCH of `note_id` needs: the write
    lock on SQLite, the note's row on PostgreSQL. A PATCH waits until the block ends."""
    if target.startswith("postgresql"):
        import psycopg

        with psycopg.connect(target.replace("+psycopg", "")) as other:
            other.execute("SELECT id FROM notes WHERE id = %s FOR UPDATE", (note_id,))
            yield
            other.rollback()
    else:
        other = sqlite3.connect(target, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            yield
            other.execute("ROLLBACK")
        finally:
            other.close()


def wait_until(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"never happened: {what}"
        time.sleep(0.01)


# --- item 2: a saturated store answers 503 with Retry-After -----------------------------


def test_a_pool_with_no_free_connection_is_store_busy_not_a_crash(db_target: str) -> None:
    opened = open_store(db_target)
    opened.close()
    # One connection, and a short wait for it: the pool's own TimeoutError.
    engine = create_engine(opened.url, pool_size=1, max_overflow=0, pool_timeout=0.1)
    store = Store(url=opened.url, engine=engine)
    try:
        with engine.connect():  # the only connection, taken
            with pytest.raises(StoreBusy, match="is busy: every connection is in use"):
                store.ping()
            with pytest.raises(StoreBusy), session_scope(store):
                pass
        store.ping()  # free again
    finally:
        store.close()


def test_a_saturated_store_answers_503_with_retry_after_and_healthz_still_answers(
    db_target: str,
) -> None:
    seed(db_target, 1)
    settings = Settings(db=db_target, pool_size=1, queue_wait=0.3)
    app = create_app(settings)
    with TestClient(app, base_url=LOCAL) as client, ThreadPoolExecutor(1) as pool:
        with note_locked(db_target, 1):
            # The one turn at the store goes to a PATCH that waits for the lock.
            patch = pool.submit(client.patch, "/api/v1/notes/1", json={"text": "patched"})
            wait_until(lambda: app.state.admission.in_use == 1, "the PATCH got its turn")
            for method, path in [
                ("GET", "/api/v1/notes/1"),
                ("GET", "/notes"),
                ("GET", "/api/v1/trash"),
                ("GET", "/api/v1/notes/1/revisions/1"),
                ("POST", "/api/v1/trash/1/restore"),
                ("DELETE", "/api/v1/trash/1"),
            ]:
                busy = client.request(method, path)
                assert busy.status_code == 503, busy.text
                assert busy.headers["retry-after"] == "1"
                assert "busy" in busy.json()["detail"]
            refused = client.post("/api/v1/notes", json={"text": "refused"})
            assert (refused.status_code, refused.headers["retry-after"]) == (503, "1")
            assert client.get("/healthz").json() == {"status": "ok"}
        assert patch.result().status_code == 200
        assert client.get("/api/v1/notes/1").json()["text"] == "patched"
    assert texts(db_target) == ["patched"]  # the refused POST wrote nothing


def test_a_slow_reader_of_notes_holds_no_turn_at_the_store(db_target: str) -> None:
    seed(db_target, repository.BATCH_SIZE * 2 + 1)
    app = create_app(Settings(db=db_target, pool_size=1, queue_wait=0.3))
    with TestClient(app, base_url=LOCAL) as client:
        assert client.portal is not None
        first_chunk = threading.Event()
        reader_may_go_on = anyio.Event()
        messages: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            await reader_may_go_on.wait()  # nothing more to send, and never disconnects
            return {"type": "http.disconnect"}

        async def slow_send(message: dict[str, Any]) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not first_chunk.is_set():
                first_chunk.set()
                await reader_may_go_on.wait()  # the client stops reading here

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/notes",
            "raw_path": b"/notes",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        reader = client.portal.start_task_soon(app, scope, receive, slow_send)
        assert first_chunk.wait(30)
        # The reader is stalled mid-response, and another request is served at once.
        assert app.state.admission.in_use == 0
        assert client.get("/api/v1/notes/1").status_code == 200
        client.portal.call(reader_may_go_on.set)
        reader.result(timeout=30)
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    assert len(json.loads(body)) == repository.BATCH_SIZE * 2 + 1


def prefix_query(terms: int) -> str:
    """A valid query that is slow on purpose: many prefixes that each match most notes."""
    return " ".join(itertools.islice(itertools.cycle(f"{c}*" for c in "abcdefghij"), terms))


@pytest.mark.serve
@pytest.mark.parametrize(
    ("searches", "pool_size"),
    [pytest.param(24, 2, id="24-searches"), pytest.param(60, 10, id="60", marks=pytest.mark.slow)],
)
def test_a_flood_of_heavy_searches_gets_no_500_and_healthz_keeps_answering(
    db_target: str, searches: int, pool_size: int
) -> None:
    words = [f"{a}{b}{c}" for a in "abcdefghij" for b in "aeiou" for c in "nrst"]
    seed(db_target, 1000, text="{i} " + " ".join(words[::5] * 2))  # every letter's words
    # The longest query allowed, 1,000 results each with a snippet: about 0.5 s alone.
    query = "/api/v1/notes?" + urlencode({"q": prefix_query(100), "limit": 1000})
    # Few turns at the store: most of the flood queues, and much of it gets 503.
    with Server(db_target, env={"NOTES_POOL_SIZE": str(pool_size)}) as server:
        port = server.port
        with ThreadPoolExecutor(searches + 6) as pool:
            flood = [pool.submit(call, port, "GET", query, timeout=300) for _ in range(searches)]
            flood += [pool.submit(call, port, "GET", "/api/v1/notes/1") for _ in range(3)]
            body = json.dumps({"text": "written during the flood"}).encode()
            flood += [pool.submit(call, port, "POST", "/api/v1/notes", body) for _ in range(3)]
            health = []
            while not all(future.done() for future in flood):
                # A hung /healthz fails the test through its timeout.
                health.append(call(port, "GET", "/healthz", timeout=10)[0])
                time.sleep(0.1)
            answers = [future.result() for future in flood]
        output = server.stop()
    assert health and set(health) == {200}
    statuses = Counter(status for status, _, _ in answers)
    print(f"\nflood answers: {dict(statuses)}; /healthz answered 200 {len(health)} times")
    assert set(statuses) <= {200, 201, 503}, statuses
    assert statuses[200] >= 1  # admitted searches finish, however long they take
    for status, headers, raw in answers:
        if status == 503:
            assert headers["retry-after"] == "1"
            assert json.loads(raw)["detail"].startswith("the server is busy")
    written = statuses[201]
    assert texts(db_target).count("written during the flood") == written
    assert "Traceback" not in output and "ERROR" not in output


# --- item 3 and 10: strict JSON, and no input in any log line ---------------------------

HOSTILE_BODIES = [
    b'{"text": NaN}',
    b'{"text": Infinity}',
    b'{"text": -Infinity}',
    json.dumps({"text": [PIN, "x"]}).encode()[:-2] + b", NaN]}",
    b'{"text": "' + PIN.encode() + b'", "tags": [1e400]}',
    b'{"text": "' + PIN.encode() + b'", "tags": [' + b"9" * 5000 + b"]}",
    b"[" * 100_000,
    b'{"text": ' + b"[" * 100_000,
]


@pytest.mark.parametrize("body", HOSTILE_BODIES, ids=range(len(HOSTILE_BODIES)))
def test_nan_infinity_deep_nesting_and_huge_numbers_are_422_json(
    client: TestClient, db_target: str, body: bytes
) -> None:
    for path in ("/api/v1/notes", "/add_note", "/api/v1/notes/1"):
        method = "PATCH" if path.endswith("/1") else "POST"
        response = client.request(
            method, path, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == "application/json"
        [issue] = response.json()["detail"]
        assert issue["type"] == "json_invalid"
        assert "4711" not in response.text
    assert texts(db_target) == []


@pytest.mark.serve
def test_server_answers_hostile_bodies_with_422_and_logs_none_of_them(db_target: str) -> None:
    with Server(db_target) as server:
        for body in HOSTILE_BODIES:
            for path in ("/api/v1/notes", "/add_note"):
                status, headers, raw = call(server.port, "POST", path, body)
                assert (status, headers["content-type"]) == (422, "application/json"), raw
                assert b"4711" not in raw
        # A URL over uvicorn's limit (about 65 KB) is refused by its parser, in plain text.
        status, _, _ = call(server.port, "GET", "/api/v1/notes?q=" + "4711" * 20_000)
        assert status == 400
        assert call(server.port, "GET", "/healthz")[0] == 200
        output = server.stop()
    assert "4711" not in output
    assert "Traceback" not in output
    assert texts(db_target) == []


def test_a_bug_is_a_json_500_logged_without_its_message(
    sqlite_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(Settings(db=str(sqlite_path)))

    @app.get("/boom/{secret}")
    def boom(secret: str) -> None:
        raise RuntimeError(f"could not encode {secret}")

    with TestClient(app, base_url=LOCAL) as client, caplog.at_level(logging.ERROR):
        response = client.get("/boom/4711")
    assert (response.status_code, response.json()) == (500, {"detail": "internal server error"})
    assert "RuntimeError" in caplog.text and "GET /boom/{secret}" in caplog.text
    assert "4711" not in caplog.text


# --- item 9: the Host header ------------------------------------------------------------


@pytest.mark.serve
def test_a_loopback_server_answers_only_loopback_host_names(db_target: str) -> None:
    seed(db_target, 1, text=PIN)
    with Server(db_target) as server:
        port = server.port
        for host in ("127.0.0.1", f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST"):
            status, _, raw = call(port, "GET", "/notes", headers={"Host": host})
            assert (status, json.loads(raw)) == (200, {"1": PIN}), host
        assert call(port, "GET", "/notes", headers={"Host": f"[::1]:{port}"})[0] == 200
        assert call(port, "GET", "/notes", headers={"Host": "app.localhost"})[0] == 200
        for host in (
            f"attacker.example:{port}",  # DNS rebinding: a name re-pointed at 127.0.0.1
            "127.0.0.1.attacker.example",
            "localhost.attacker.example",
            "10.0.0.1",
            "",
            "localhost:http",
        ):
            status, headers, raw = call(port, "GET", "/notes", headers={"Host": host})
            assert status == 400, host
            assert headers["content-type"] == "application/json"
            assert "Host header" in json.loads(raw)["detail"]
            assert b"4711" not in raw
        # No redirect is built from the Host header: a trailing slash is simply not found.
        for host in ("evil.example", "127.0.0.1"):
            status, headers, _ = call(port, "GET", "/api/v1/notes/", headers={"Host": host})
            assert status in (400, 404) and "location" not in headers, host
        server.stop()


@pytest.mark.serve
def test_allowed_host_adds_names_to_a_loopback_server(db_target: str) -> None:
    args = ("--allowed-host", "notes.example.com", "--allowed-host", "*.lan.example")
    with Server(db_target, *args) as server:
        port = server.port
        for host in ("notes.example.com", f"notes.example.com:{port}", "box.lan.example"):
            assert call(port, "GET", "/notes", headers={"Host": host})[0] == 200, host
        for host in ("example.com", "other.example.com", "lan.example.evil"):
            assert call(port, "GET", "/notes", headers={"Host": host})[0] == 400, host
        assert call(port, "GET", "/notes", headers={"Host": "localhost"})[0] == 200


def test_any_host_name_needs_a_token_and_then_is_allowed(sqlite_path: Any) -> None:
    with pytest.raises(InvalidSettings, match="without a token"):
        Settings(db=str(sqlite_path), allowed_hosts=("*",))
    app = create_app(Settings(db=str(sqlite_path), token="t0ken", allowed_hosts=("*",)))
    with TestClient(app, base_url="http://notes.example.org") as client:
        assert client.get("/notes", headers={"Authorization": "Bearer t0ken"}).json() == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--allowed-host", "*"], "refusing to answer any Host name without a token"),
        (["--allowed-host", "bad host!"], "is not a host name for --allowed-host"),
        (["--allowed-host", "a.*.example"], "is not a host name for --allowed-host"),
    ],
)
def test_serve_refuses_bad_allowed_hosts_with_one_line(
    runner: CliRunner, sqlite_path: Any, args: list[str], message: str
) -> None:
    result = runner.invoke(cli_app, ["serve", *args])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert result.stderr.count("\n") == 1
    assert not sqlite_path.exists()


# --- item 11: HEAD wherever GET ---------------------------------------------------------


def test_head_answers_like_get_without_a_body_on_every_get_route(client: TestClient) -> None:
    client.post("/api/v1/notes", json={"text": "hello", "tags": ["x"]})
    paths = ["/notes", "/healthz", "/openapi.json", "/docs", "/api/v1/notes", "/api/v1/notes/1"]
    paths += ["/api/v1/notes?q=hello&tag=x", "/api/v1/notes/2", "/api/v1/notes/1.0"]
    for path in paths:
        get, head = client.get(path), client.head(path)
        assert (head.status_code, head.content) == (get.status_code, b""), path
        assert head.headers == get.headers, path
    # A route without GET has no HEAD either; a 405 for a GET route offers HEAD.
    assert client.head("/add_note").status_code == 405
    assert client.delete("/notes").headers["allow"] == "GET, HEAD"


@pytest.mark.serve
def test_head_on_a_real_server(db_target: str) -> None:
    seed(db_target, 3)
    with Server(db_target) as server:
        for path in ("/healthz", "/notes", "/api/v1/notes", "/api/v1/notes/1"):
            status, headers, raw = call(server.port, "HEAD", path)
            get_status, get_headers, _ = call(server.port, "GET", path)
            assert (status, raw) == (get_status, b""), path
            assert headers.get("content-length") == get_headers.get("content-length"), path
        output = server.stop()
    assert "ERROR" not in output


# --- item 12: ids are plain decimal digits ----------------------------------------------


@pytest.mark.parametrize("raw", ["1.0", "+1", "1_0", "1e0", "0x1", "\u0661", "-1", "0"])
def test_a_path_id_that_is_not_plain_digits_is_422(
    client: TestClient, db_target: str, raw: str
) -> None:
    seed(db_target, 10)  # `1_0` would have been note 10, `1.0` and `+1` note 1
    client.delete("/api/v1/notes/1")
    client.delete("/api/v1/notes/10")
    for method, path in [
        ("GET", "/api/v1/notes/{}"),
        ("PATCH", "/api/v1/notes/{}"),
        ("DELETE", "/api/v1/notes/{}"),
        ("HEAD", "/api/v1/notes/{}"),
        ("POST", "/api/v1/trash/{}/restore"),
        ("DELETE", "/api/v1/trash/{}"),
        ("GET", "/api/v1/notes/{}/revisions"),
        ("GET", "/api/v1/notes/{}/revisions/1"),
    ]:
        response = client.request(method, path.format(raw), json={"text": "changed"})
        assert response.status_code == 422, (method, path, raw)
        if method != "HEAD":
            detail = response.json()["detail"]
            assert detail.endswith("is not a note id (ids are whole numbers from 1)")
    assert texts(db_target) == [f"note {i}" for i in range(1, 9)]
    assert [note["id"] for note in client.get("/api/v1/trash").json()["items"]] == [10, 1]


def test_path_ids_stay_integers_in_the_openapi_schema(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/notes/{note_id}"]["get"]
    [parameter] = operation["parameters"]
    assert parameter["schema"]["type"] == "integer"
    assert client.get("/api/v1/notes/01").status_code == 404  # digits: a well-formed id


# --- item 13: errors repeat little of the input -----------------------------------------


def test_validation_errors_never_echo_the_input_and_cap_what_they_repeat(
    db_target: str,
) -> None:
    with TestClient(create_app(Settings(db=db_target, max_body=8 * MIB)), base_url=LOCAL) as c:
        huge = "x" * (4 * MIB)
        for body in (
            {"text": [huge]},
            {"text": "ok", "tags": huge},
            {"text": "ok", huge: 1},
            {"text": {"nested": huge}},
        ):
            response = c.post("/api/v1/notes", json=body)
            assert response.status_code == 422
            assert len(response.content) < 1000, response.text[:300]
            assert all("input" not in issue for issue in response.json()["detail"])
        tag = c.post("/api/v1/notes", json={"text": "ok", "tags": [huge]})
        assert tag.status_code == 422 and len(tag.content) < 1000
    assert texts(db_target) == []


# --- item 16: tokens a client can send --------------------------------------------------


@pytest.mark.parametrize("token", [" ", "   ", "\t", "pässword", "two words", "tab\tin", "é"])
def test_a_blank_or_non_ascii_token_is_refused_at_start(
    runner: CliRunner, sqlite_path: Any, monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    for args, env in ((["serve", "--token", token], None), (["serve"], token)):
        if env is not None:
            monkeypatch.setenv("NOTES_TOKEN", env)
        result = runner.invoke(cli_app, args)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: the token ")
        assert result.stderr.count("\n") == 1
        assert token.strip() == "" or token not in result.stderr
    with pytest.raises(InvalidSettings, match="the token"):
        Settings(token=token)
    assert not sqlite_path.exists()


def test_a_printable_ascii_token_works_end_to_end(sqlite_path: Any) -> None:
    token = "Ab9-._~+/!#$%&'*^`|="
    app = create_app(Settings(db=str(sqlite_path), token=token))
    with TestClient(app, base_url=LOCAL) as client:
        assert client.get("/notes", headers={"Authorization": f"Bearer {token}"}).json() == {}
        assert client.get("/notes", headers={"Authorization": "Bearer x"}).status_code == 401
