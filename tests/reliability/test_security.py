"""What `notes` keeps to itself: owner-only store files, tokens checked in constant time,
errors without tracebacks, SQL, tokens or passwords, and a server that logs no note text
and no Authorization header."""

import base64
import hashlib
import http.client
import os
import secrets
import shutil
import signal
import stat
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from notes_api import deps
from notes_api.app import create_app
from notes_core import repository
from notes_core.engine import open_store
from notes_core.errors import StoreError
from notes_core.session import session_scope
from notes_core.settings import Settings
from notes_core.validation import MAX_TAGS_PER_NOTE
from tests.conftest import POSTGRES_ADMIN_URL
from tests.serving import NOTES, Server, free_port, request

TOKEN = "tok-7f3a9c1e5b-do-not-print"
PASSWORD = "pw-9d8c7b6a-do-not-print"
MIB = 1024 * 1024
LOCAL = "http://127.0.0.1"  # a loopback Host: the only kind the server answers
# What an error must never show: a traceback, SQL (SQLAlchemy prints `[SQL: ...]` and a
# link to its docs), or a secret.
LEAKS = ("Traceback", "SELECT", "INSERT", "UPDATE ", "DELETE FROM", "[SQL:", "sqlalche.me")


def assert_clean(text: str, *hidden: str) -> None:
    for marker in (*LEAKS, *hidden):
        assert marker not in text, f"{marker!r} leaked in: {text[:500]}"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NOTES, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], *hidden: str) -> None:
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert_clean(result.stderr, *hidden)


# --- the store file ---------------------------------------------------------------------


def test_the_store_and_its_wal_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    db = tmp_path / "new" / "notes.db"
    created = subprocess.run(
        [NOTES, "--db", str(db), "add", "x"],
        capture_output=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0),  # a careless umask must not widen anything
    )
    assert created.returncode == 0, created.stderr
    assert (mode(db), mode(db.parent)) == (0o600, 0o700)
    # -wal and -shm exist while a connection is open: hold one, under the same umask.
    old_umask = os.umask(0)
    store = open_store(str(db))
    try:
        with session_scope(store, write=True) as session:
            repository.add(session, text="y")
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{db}{suffix}")) == 0o600, suffix
    finally:
        store.close()
        os.umask(old_umask)


# --- the token --------------------------------------------------------------------------


def test_tokens_are_compared_as_fixed_length_digests_in_constant_time(
    sqlite_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request, whatever it carries, costs one compare_digest of two SHA-256 digests:
    neither the content nor the length of the token can leak through timing."""
    calls: list[tuple[bytes, bytes]] = []
    real = secrets.compare_digest

    def spy(given: bytes, expected: bytes) -> bool:
        calls.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(deps.secrets, "compare_digest", spy)
    digest = hashlib.sha256(TOKEN.encode()).digest()
    attempts = [
        (None, 401),
        ("Bearer ", 401),
        ("Bearer x", 401),
        (f"Bearer {TOKEN[:-1]}", 401),
        (f"Bearer {TOKEN}x", 401),
        ("Bearer " + "x" * 10_000, 401),
        (f"Basic {TOKEN}", 401),
        (f"bearer {TOKEN}", 200),  # the scheme is case-insensitive (RFC 7235)
        (f"Bearer {TOKEN}", 200),
    ]
    app = create_app(Settings(db=str(sqlite_path), token=TOKEN))
    with TestClient(app, base_url=LOCAL) as client:
        for header, status in attempts:
            calls.clear()
            response = client.get(
                "/api/v1/notes", headers={"Authorization": header} if header else {}
            )
            assert response.status_code == status, header
            assert [(len(given), expected) for given, expected in calls] == [(32, digest)]
            if status == 401:
                assert response.json() == {"detail": "missing or wrong bearer token"}
                assert response.headers["www-authenticate"] == "Bearer"


# --- error responses --------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def capped(db: str) -> str:
    """On PostgreSQL, add a server-side statement timeout: should a query regress to a
    pathological plan, its backend must not go on burning CPU after the test gives up."""
    if not db.startswith("postgresql"):
        return db
    return f"{db}?options=-c%20statement_timeout%3D30s"


def test_api_errors_carry_no_trace_sql_or_token(db_target: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    as_json = {**auth, "Content-Type": "application/json"}
    settings = Settings(db=capped(db_target), token=TOKEN, max_body=2 * MIB)
    with TestClient(create_app(settings), base_url=LOCAL) as client:
        assert client.post("/api/v1/notes", json={"text": "one"}, headers=auth).status_code == 201
        # The most tags a filter may name (a note holds no more), and one too many.
        many_tags = "&".join(f"tag=t{i}" for i in range(MAX_TAGS_PER_NOTE))
        bodies: list[tuple[str, str, object, int]] = [
            ("POST", "/api/v1/notes", b'{"text": ', 422),
            ("POST", "/api/v1/notes", b"not json", 422),
            ("POST", "/api/v1/notes", {"text": 5}, 422),
            ("POST", "/api/v1/notes", {"text": "x", "tags": "work"}, 422),
            ("POST", "/api/v1/notes", {"text": "a\u0000b"}, 422),
            ("POST", "/api/v1/notes", {"text": " \n "}, 422),
            ("POST", "/api/v1/notes", {"text": "x", "tags": ["two words"]}, 422),
            ("POST", "/api/v1/notes", {"text": "é" * (MIB // 2) + "!"}, 422),
            ("POST", "/api/v1/notes", {"text": "x" * (3 * MIB)}, 413),
            ("POST", "/add_note", {}, 422),
            ("POST", "/add_note", {"text": ""}, 422),
            ("GET", "/api/v1/notes/999", None, 404),
            ("GET", "/api/v1/notes/0", None, 422),
            ("GET", "/api/v1/notes/abc", None, 422),
            ("GET", "/api/v1/notes/99999999999999999999", None, 422),
            ("PATCH", "/api/v1/notes/999", {"text": "y"}, 404),
            ("PATCH", "/api/v1/notes/1", {"tags": [""]}, 422),
            ("PATCH", "/api/v1/notes/1", b"{", 422),
            ("DELETE", "/api/v1/notes/999", None, 404),
            ("GET", "/api/v1/notes?cursor=!!!", None, 422),
            ("GET", f"/api/v1/notes?cursor={b64(b'id:-1')}", None, 422),
            ("GET", f"/api/v1/notes?cursor={b64(b'offset:1')}", None, 422),
            ("GET", f"/api/v1/notes?q=x&cursor={b64(b'id:1')}", None, 422),
            ("GET", f"/api/v1/notes?cursor={b64(b'id:99999999999999999999')}", None, 422),
            ("GET", "/api/v1/notes?limit=0", None, 422),
            ("GET", "/api/v1/notes?limit=abc", None, 422),
            ("GET", "/api/v1/notes?tag=two%20words", None, 422),
            ("GET", "/api/v1/notes?q=%27%3B%20DROP%20TABLE%20notes%3B--", None, 200),
            ("GET", f"/api/v1/notes?{many_tags}", None, 200),
            ("GET", f"/api/v1/notes?{many_tags}&tag=one-more", None, 422),
        ]
        for method, path, body, status in bodies:
            if isinstance(body, bytes):
                response = client.request(method, path, content=body, headers=as_json)
            else:
                response = client.request(method, path, json=body, headers=auth)
            assert response.status_code == status, (method, path, response.text[:300])
            assert_clean(response.text + str(response.headers), TOKEN)
        wrong = client.get("/api/v1/notes", headers={"Authorization": "Bearer guess-123"})
        assert wrong.status_code == 401
        assert_clean(wrong.text + str(wrong.headers), TOKEN, "guess-123")


def test_healthz_is_503_when_the_sqlite_store_is_gone(sqlite_path: Path) -> None:
    app = create_app(Settings(db=str(sqlite_path), token=TOKEN))
    with TestClient(app, base_url=LOCAL) as client:
        assert client.get("/healthz").status_code == 200
        shutil.rmtree(sqlite_path.parent)
        # Open connections keep the deleted file alive; a fresh one (a restarted worker,
        # a recycled pool) finds nothing.
        app.state.notes.store.engine.dispose()
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        listing = client.get("/api/v1/notes", headers={"Authorization": f"Bearer {TOKEN}"})
        assert listing.status_code == 503
        for response in (health, listing):
            assert_clean(response.text, TOKEN)


def with_password(url: str) -> tuple[str, str]:
    """`url` with a password in it (ignored under trust auth), and that password."""
    parsed = make_url(url)
    password = parsed.password or PASSWORD
    return parsed.set(password=password).render_as_string(hide_password=False), password


def test_healthz_is_503_when_postgres_drops_the_database_and_hides_the_password(
    postgres_database: str,
) -> None:
    import psycopg

    target, password = with_password(postgres_database)
    app = create_app(Settings(db=target, token=TOKEN))
    with TestClient(app, base_url=LOCAL) as client:
        assert client.get("/healthz").status_code == 200
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            name = make_url(target).database
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        health = client.get("/healthz")
        listing = client.get("/api/v1/notes", headers={"Authorization": f"Bearer {TOKEN}"})
        for response in (health, listing):
            assert response.status_code == 503
            assert ":***@" in response.json()["detail"]
            assert_clean(response.text, TOKEN, password)
    assert_one_error_line(cli("--db", target, "list"), password)


@pytest.mark.parametrize("where", ["user-info", "query"])
def test_an_unreachable_postgres_never_shows_its_password(
    where: str, subtests: pytest.Subtests
) -> None:
    port = free_port()  # nothing listens there
    if where == "user-info":
        target = f"postgresql://notes:{PASSWORD}@127.0.0.1:{port}/notes"
    else:
        target = f"postgresql://notes@127.0.0.1:{port}/notes?password={PASSWORD}"
    for args in [
        ("list",),
        ("add", "x"),
        ("serve", "--port", str(free_port()), "--token", TOKEN),
    ]:
        with subtests.test(args[0]):
            result = cli("--db", target, *args)
            assert_one_error_line(result, PASSWORD, TOKEN)
            assert result.stderr.startswith("Error: cannot reach the store at postgresql")
            assert "***" in result.stderr
    shown = cli("--db", target, "path")
    assert (shown.returncode, shown.stderr) == (0, "")
    assert PASSWORD not in shown.stdout and "***" in shown.stdout
    with pytest.raises(StoreError) as refused, TestClient(create_app(Settings(db=target))):
        pass
    assert PASSWORD not in str(refused.value)


def test_cli_errors_carry_no_trace_sql_or_secret(
    tmp_path: Path, sqlite_path: Path, subtests: pytest.Subtests
) -> None:
    """Error paths that once printed a traceback with SQL in it, and a few that hold a
    secret the message must leave out."""
    bogus = f"postgresql://notes:{PASSWORD}@127.0.0.1:{free_port()}/notes?bogus=1"
    many_filters = [arg for i in range(MAX_TAGS_PER_NOTE) for arg in ("--tag", f"t{i}")]
    port = str(free_port())
    # NOTES_TOKEN is set wherever it cannot change the outcome: no message may echo it.
    cases: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {
        "directory": (("--db", str(tmp_path), "list"), {"NOTES_TOKEN": TOKEN}),
        "postgres-bad-option": (("--db", bogus, "list"), {"NOTES_TOKEN": TOKEN}),
        "sqlite-url-option": (
            ("--db", f"sqlite:///{sqlite_path}?timeout=soon", "list"),
            {"NOTES_TOKEN": TOKEN},
        ),
        "public-bind-no-token": (("serve", "--host", "0.0.0.0", "--port", port), {}),
        "bad-store-with-token": (
            ("--db", str(tmp_path), "serve", "--token", TOKEN, "--port", port),
            {},
        ),
    }
    for name, (args, env) in cases.items():
        with subtests.test(name):
            assert_one_error_line(cli(*args, env=env), TOKEN, PASSWORD)
    with subtests.test("bad-sync-setting"):
        assert_one_error_line(cli("add", "x", env={"NOTES_SYNC": "sometimes"}))
    with subtests.test("1000-tag-filter"):
        listed = cli("list", *many_filters)  # once: SQLite's expression depth, with the SQL
        created = f"Created a new store at {sqlite_path}\n"  # the first command that opens it
        assert (listed.returncode, listed.stdout, listed.stderr) == (0, "", created)
    with subtests.test("1001-tag-filter"):
        assert_one_error_line(cli("list", *many_filters, "--tag", "one-more"))


# --- the server's output ----------------------------------------------------------------

SECRET_TEXT = "zebra-quartz-8841 my private diary"
WRONG_TOKEN = "guess-5510-do-not-print"


def raw_post(server: Server, path: str, body: bytes, token: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        connection.request("POST", path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


@pytest.mark.serve
def test_serve_logs_no_note_text_and_no_authorization(sqlite_path: Path) -> None:
    note = {"text": SECRET_TEXT, "tags": ["zebra"]}
    with Server(str(sqlite_path), "--max-body", "65536", env={"NOTES_TOKEN": TOKEN}) as server:
        base = server.base
        created = request(base, "POST", "/api/v1/notes", note, token=TOKEN)
        assert created[0] == 201
        path = f"/api/v1/notes/{created[1]['id']}"
        assert request(base, "GET", path, token=TOKEN)[0] == 200
        assert request(base, "GET", "/api/v1/notes?q=zebra", token=TOKEN)[0] == 200
        assert request(base, "POST", "/add_note", note, token=TOKEN)[0] == 200
        assert request(base, "GET", "/notes", token=TOKEN)[0] == 200
        assert request(base, "POST", "/api/v1/notes", note)[0] == 401
        assert request(base, "POST", "/api/v1/notes", note, token=WRONG_TOKEN)[0] == 401
        assert request(base, "GET", "/api/v1/notes/999", token=TOKEN)[0] == 404
        nul = {"text": SECRET_TEXT + "\u0000"}
        assert request(base, "POST", "/api/v1/notes", nul, token=TOKEN)[0] == 422
        bad_tags = {"text": SECRET_TEXT, "tags": [SECRET_TEXT]}
        assert request(base, "PATCH", path, bad_tags, token=TOKEN)[0] == 422
        broken = f'{{"text": "{SECRET_TEXT}"'.encode()
        assert raw_post(server, "/api/v1/notes", broken, TOKEN) == 422
        huge = f'{{"text": "{SECRET_TEXT * 5000}"}}'.encode()
        assert raw_post(server, "/api/v1/notes", huge, TOKEN) == 413
        # The server's own -wal and -shm files are owner-only too.
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{sqlite_path}{suffix}")) == 0o600, suffix
        assert server.process is not None
        os.killpg(server.process.pid, signal.SIGTERM)
        out, err = (stream.decode() for stream in server.process.communicate(timeout=30))
    logged = out + err
    # A new store is announced first (the fixture's file did not exist yet).
    assert err.removeprefix(f"Created a new store at {sqlite_path}\n").startswith(
        "notes: serving on http://127.0.0.1:"
    )
    for hidden in (SECRET_TEXT, "zebra", TOKEN, WRONG_TOKEN, "Authorization", "Bearer"):
        assert hidden not in logged, f"{hidden!r} in the server's output:\n{logged}"
    assert "Traceback" not in logged
