"""The web pages over plain HTTP (TestClient runs the lifespan): status codes, forms,
sign-in, CSRF, security headers and hostile notes. tests/test_web_browser.py drives the
same pages in a real browser."""

import re
import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx2 import Client, Response

from notes_api.app import create_app
from notes_core.library import Notes
from notes_core.settings import Settings
from tests.serving import Server, request

TOKEN = "s3cret-token"
LOCAL = "http://127.0.0.1"
HOSTILE = [
    "<script>alert('x')</script>",
    "[click me](javascript:alert(1))",
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">raw link</a>',
    "<iframe src=//evil.example></iframe>",
]


def csrf_of(client: TestClient) -> str:
    """The CSRF value the pages put in their forms (the cookie a page set)."""
    if "notes_csrf" not in client.cookies:
        client.get("/signin" if client.app.state.token_digest else "/")  # type: ignore[attr-defined]
    return str(client.cookies["notes_csrf"])


def post_form(client: TestClient, path: str, **fields: str) -> Response:
    return client.post(path, data={"csrf": csrf_of(client), **fields}, follow_redirects=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "web.db")


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db)), base_url=LOCAL) as test_client:
        yield test_client


@pytest.fixture
def authed(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(db=db, token=TOKEN)), base_url=LOCAL) as test_client:
        yield test_client


def main_of(html: str) -> str:
    return html[html.index("<main") : html.index("</main>")]


# --- reading ---------------------------------------------------------------------------


def test_the_list_shows_pinned_notes_first_then_newest_with_tag_links(
    client: TestClient, db: str
) -> None:
    with Notes.open(db) as notes:
        notes.add("oldest", tags=["errands"])
        notes.add("pinned one")
        notes.add("newest")
        notes.pin([2])
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    body = main_of(response.text)
    assert body.index("pinned one") < body.index("newest") < body.index("oldest")
    assert 'href="/?tag=errands"' in body and "Pinned" in body
    tagged = main_of(client.get("/?tag=errands").text)
    assert "oldest" in tagged and "newest" not in tagged


def test_the_list_pages_by_cursor(client: TestClient, db: str) -> None:
    with Notes.open(db) as notes:
        for number in range(1, 56):
            notes.add(f"note number {number}")
    first = main_of(client.get("/").text)
    assert first.count('<li class="note') == 50 and "note number 55" in first
    older = re.search(r'href="(/\?cursor=[^"]+)" rel="next"', first)
    assert older is not None
    second = main_of(client.get(older.group(1).replace("&amp;", "&")).text)
    assert second.count('<li class="note') == 5 and "note number 5<" in second
    assert 'rel="next"' not in second
    assert client.get("/?cursor=not-a-cursor").status_code == 422


def test_search_and_trash_page_by_cursor_too(client: TestClient, db: str) -> None:
    with Notes.open(db) as notes:
        for number in range(1, 56):
            notes.add(f"findable {number}", tags=["many"])
        notes.trash(range(1, 56))
        for number in range(1, 56):
            notes.add(f"findable again {number}", tags=["many"])
    for path in ("/search?q=findable&tag=many", "/trash"):
        first = main_of(client.get(path).text)
        assert first.count('<li class="note') == 50, path
        more = re.search(r'href="([^"]+)" rel="next"', first)
        assert more is not None, path
        second = main_of(client.get(more.group(1).replace("&amp;", "&")).text)
        assert second.count('<li class="note') == 5 and 'rel="next"' not in second, path


def test_search_marks_the_matched_words_and_escapes_the_rest(client: TestClient, db: str) -> None:
    with Notes.open(db) as notes:
        notes.add("deploy <b>staging</b> tonight", tags=["ops"])
        notes.add("nothing to see")
    response = client.get("/search", params={"q": "staging"})
    assert response.status_code == 200
    body = main_of(response.text)
    assert "<mark>staging</mark>" in body
    assert "&lt;b&gt;" in body and "<b>" not in body
    assert "nothing to see" not in body
    assert "No note matches" in main_of(client.get("/search?q=zebra").text)
    assert client.get("/search").status_code == 200  # an empty box explains the language
    assert client.get("/search", params={"q": "a " * 101}).status_code == 422


def test_a_note_page_renders_markdown_tags_dates_and_history(client: TestClient, db: str) -> None:
    with Notes.open(db) as notes:
        notes.add("# Title\n\nsome *emphasis*", tags=["work"])
        notes.update(1, text="# Title\n\nsome **strong** words")
    body = main_of(client.get("/note/1").text)
    assert "<h1>Title</h1>" in body and "<strong>strong</strong>" in body
    assert 'href="/?tag=work"' in body and "<time datetime=" in body
    assert 'href="/note/1/versions/1"' in body and 'href="/note/1/versions/2"' in body
    old = main_of(client.get("/note/1/versions/1").text)
    assert "<em>emphasis</em>" in old and "Revert to this version" in old


def test_a_long_note_is_shown_as_written_not_as_markdown(client: TestClient, db: str) -> None:
    # Markdown of 1 MiB of `[` takes seconds; past 20,000 characters none is rendered.
    with Notes.open(db) as notes:
        notes.add("[" * 20_000 + "<b>*not emphasis*</b>")
        notes.add("[" * 19_000 + "*emphasis*")
    body = main_of(client.get("/note/1").text)
    assert "Over 20,000 characters: shown as written, not as Markdown" in body
    assert "<em>emphasis</em>" in main_of(client.get("/note/2").text)
    assert "&lt;b&gt;*not emphasis*&lt;/b&gt;</pre>" in body


def test_the_tags_page_counts_notes_outside_the_trash(client: TestClient, db: str) -> None:
    with Notes.open(db) as notes:
        notes.add("a", tags=["shared", "gone"])
        notes.add("b", tags=["shared"])
        notes.add("c", tags=["gone"])
        notes.trash([3])
    body = main_of(client.get("/tags").text)
    assert re.search(r'href="/\?tag=shared">#<bdi>shared</bdi></a> <span class="count">2<', body)
    assert re.search(r'href="/\?tag=gone">#<bdi>gone</bdi></a> <span class="count">1<', body)


def test_unknown_notes_and_versions_are_404_pages(client: TestClient, db: str) -> None:
    with Notes.open(db) as notes:
        notes.add("one")
    for path in (
        "/note/2",
        "/note/abc",
        "/note/0",
        "/note/99999999999999999999",
        "/note/1/versions/7",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
    assert "no version 7; it has versions 1 to 1" in client.get("/note/1/versions/7").text


def test_head_works_on_the_pages(client: TestClient) -> None:
    for path in ("/", "/tags", "/trash", "/new", "/search?q=x"):
        head = client.head(path)
        assert (head.status_code, head.content) == (200, b""), path


def test_the_pages_are_not_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [
        path for path in paths if not path.startswith(("/api/", "/notes", "/add_note", "/healthz"))
    ]


# --- writing ---------------------------------------------------------------------------


def test_the_add_form_adds_a_note_and_redirects_to_it(client: TestClient, db: str) -> None:
    form = client.get("/new")
    assert form.status_code == 200 and 'name="csrf"' in form.text
    response = post_form(client, "/new", text="line one\r\nline two", tags="Todo, home  work")
    assert (response.status_code, response.headers["location"]) == (303, "/note/1")
    with Notes.open(db) as notes:
        note = notes.get(1)
    assert (note.text, note.tags) == ("line one\nline two", ["home", "todo", "work"])


@pytest.mark.parametrize(
    ("text", "tags", "message"),
    [
        ("   ", "", "empty"),
        ("fine", "a\u200bb", "tag"),
        ("nul \x00 here", "", "NUL"),
    ],
)
def test_bad_input_re_renders_the_form_with_the_error_and_writes_nothing(
    client: TestClient, db: str, text: str, tags: str, message: str
) -> None:
    response = post_form(client, "/new", text=text, tags=tags)
    assert response.status_code == 422
    error = re.search(r'<p class="error" role="alert" id="form-error">(.*?)</p>', response.text)
    assert error is not None and message.lower() in error.group(1).lower()
    assert "\n" not in error.group(1)
    with Notes.open(db) as notes:
        assert list(notes.iterate()) == []


def test_editing_keeps_the_old_version_and_reverting_brings_it_back(
    client: TestClient, db: str
) -> None:
    post_form(client, "/new", text="first draft", tags="a")
    form = client.get("/note/1/edit").text
    etag = re.search(r'name="etag" value="([^"]+)"', form)
    assert etag is not None and "first draft" in form
    response = post_form(
        client,
        "/note/1/edit",
        text="second draft",
        tags="b",
        etag=etag.group(1).replace("&#34;", '"'),
    )
    assert (response.status_code, response.headers["location"]) == (303, "/note/1")
    with Notes.open(db) as notes:
        assert [(v.text, v.tags) for v in notes.history(1)] == [
            ("first draft", ["a"]),
            ("second draft", ["b"]),
        ]
    assert post_form(client, "/note/1/revert", version="1").status_code == 303
    with Notes.open(db) as notes:
        assert (notes.get(1).text, notes.get(1).tags, len(notes.history(1))) == (
            "first draft",
            ["a"],
            3,
        )


@pytest.mark.parametrize(
    "text", ["\n\nstarts with blank lines", "windows\r\nline ends", "old\rmac line ends"]
)
def test_saving_the_edit_form_with_only_new_tags_leaves_the_text_exactly_as_it_was(
    client: TestClient, db: str, text: str
) -> None:
    with Notes.open(db) as notes:
        notes.add(text)
    form = client.get("/note/1/edit").text
    # What a browser sends back: the textarea's content (its first newline is dropped by
    # the HTML parser, so the template writes one), line breaks as CRLF.
    shown = re.search(r"<textarea[^>]*>\n(.*?)</textarea>", form, re.S)
    etag = re.search(r'name="etag" value="([^"]+)"', form)
    assert shown is not None and etag is not None
    lines = shown.group(1).replace("\r\n", "\n").replace("\r", "\n")
    sent = lines.replace("\n", "\r\n")
    response = post_form(
        client, "/note/1/edit", text=sent, tags="retagged", etag=etag.group(1).replace("&#34;", '"')
    )
    assert response.status_code == 303
    with Notes.open(db) as notes:
        assert (notes.get(1).text, notes.get(1).tags) == (text, ["retagged"])
        assert [version.text for version in notes.history(1)] == [text, text]


def test_an_edit_on_a_stale_form_overwrites_nothing_and_keeps_your_text(
    client: TestClient, db: str
) -> None:
    post_form(client, "/new", text="v1")
    etag = re.search(r'name="etag" value="([^"]+)"', client.get("/note/1/edit").text)
    assert etag is not None
    with Notes.open(db) as notes:
        notes.update(1, text="changed elsewhere")
    response = post_form(
        client, "/note/1/edit", text="my edit", tags="", etag=etag.group(1).replace("&#34;", '"')
    )
    assert response.status_code == 412
    assert "changed since you opened this form" in response.text and "my edit" in response.text
    with Notes.open(db) as notes:
        assert notes.get(1).text == "changed elsewhere"


def test_pin_and_unpin_return_to_the_page_they_came_from(client: TestClient, db: str) -> None:
    post_form(client, "/new", text="pin me")
    response = post_form(client, "/note/1/pin", pinned="true", next="/?tag=x")
    assert (response.status_code, response.headers["location"]) == (303, "/?tag=x")
    with Notes.open(db) as notes:
        assert notes.get(1).pinned
    response = post_form(client, "/note/1/pin", pinned="false")
    assert response.headers["location"] == "/note/1"
    with Notes.open(db) as notes:
        assert not notes.get(1).pinned
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert post_form(client, "/note/1/pin", next=elsewhere).headers["location"] == "/"


def test_trash_restore_and_purge(client: TestClient, db: str) -> None:
    post_form(client, "/new", text="doomed note")
    assert post_form(client, "/note/1/trash").headers["location"] == "/"
    assert "doomed note" not in main_of(client.get("/").text)
    assert "doomed note" in main_of(client.get("/trash").text)
    in_trash = client.get("/note/1")
    assert in_trash.status_code == 404
    assert "is in the trash" in in_trash.text and 'action="/trash/1/restore"' in in_trash.text
    assert post_form(client, "/trash/1/restore").headers["location"] == "/note/1"
    assert client.get("/note/1").status_code == 200
    assert post_form(client, "/trash/1/purge").status_code == 404  # not in the trash
    post_form(client, "/note/1/trash")
    assert post_form(client, "/trash/1/purge").headers["location"] == "/trash"
    assert "The trash is empty" in client.get("/trash").text
    assert client.get("/note/1").status_code == 404


# --- security --------------------------------------------------------------------------


def test_a_write_without_the_csrf_field_is_refused_and_writes_nothing(
    client: TestClient, db: str
) -> None:
    csrf = csrf_of(client)
    attempts = [
        ({"text": "forged"}, {}),
        ({"text": "forged", "csrf": "guessed-value"}, {}),
        ({"text": "forged", "csrf": csrf}, {"Sec-Fetch-Site": "cross-site"}),
        ({"text": "forged", "csrf": csrf}, {"Sec-Fetch-Site": "same-site"}),
    ]
    for data, headers in attempts:
        response = client.post("/new", data=data, headers=headers, follow_redirects=False)
        assert response.status_code == 403, (data, headers)
        assert "Nothing was saved" in response.text
    # Without the cookie (what a cross-site form gets under SameSite=Strict) the field alone fails.
    client.cookies.clear()
    assert client.post("/new", data={"text": "forged", "csrf": csrf}).status_code == 403
    # JSON is not a form.
    assert client.post("/new", json={"text": "forged", "csrf": csrf}).status_code == 403
    with Notes.open(db) as notes:
        assert list(notes.iterate()) == []


def test_a_same_origin_browser_form_passes(client: TestClient) -> None:
    headers = {"Origin": LOCAL, "Sec-Fetch-Site": "same-origin"}
    response = client.post(
        "/new",
        data={"text": "ok", "csrf": csrf_of(client)},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_notes_render_as_text_everywhere(client: TestClient, db: str, text: str) -> None:
    with Notes.open(db) as notes:
        notes.add(text, tags=["<script>", '"onmouseover=x'])
        notes.update(1, text=text + " again")
    pages = [
        "/",
        "/note/1",
        "/note/1/versions/1",
        "/note/1/edit",
        "/search?q=alert+OR+raw+OR+click+OR+evil",
        "/tags",
    ]
    for path in pages:
        html = client.get(path).text
        assert "<script>alert" not in html and "<iframe" not in html, path
        assert "<img" not in html, path  # as text it is `&lt;img`
        assert 'href="javascript:' not in html.lower(), path
        assert "<script>" not in main_of(html), path
        assert '"onmouseover' not in html, path


def test_pages_send_the_security_headers(client: TestClient) -> None:
    for path in ("/", "/new", "/note/999", "/signin", "/static/notes.css", "/api/v1/notes"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, path
        script_src = re.search(r"script-src ([^;]*)", policy)
        assert script_src is not None and "unsafe-inline" not in script_src.group(1), path
        assert headers["x-content-type-options"] == "nosniff", path
    client.cookies.clear()
    page = client.get("/")
    assert page.headers["cache-control"] == "no-store"
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie


def test_docs_work_offline_with_their_own_policy(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "http" not in docs.text.replace('lang="en"', "")  # nothing from another host
    assert "<script>" not in docs.text  # the start-up script is a file
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text):
        assert client.get(asset).status_code == 200, asset
    policy = docs.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy


def test_the_first_page_weighs_under_50_kb_before_the_notes(client: TestClient) -> None:
    html = client.get("/").content
    css = client.get("/static/notes.css").content
    js = client.get("/static/notes.js").content
    assert len(html) + len(css) + len(js) < 50 * 1024


# --- sign-in with a token --------------------------------------------------------------


def test_pages_redirect_to_sign_in_until_the_token_is_given(authed: TestClient) -> None:
    for path in ("/", "/tags", "/trash", "/new", "/note/1"):
        response = authed.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        expected = "/signin" if path == "/" else f"/signin?next={path.replace('/', '%2F')}"
        assert response.headers["location"] == expected, path
    assert authed.post("/new", data={"text": "x"}, follow_redirects=False).status_code == 303
    signin = authed.get("/signin?next=/tags")
    assert signin.status_code == 200 and 'type="password"' in signin.text
    wrong = post_form(authed, "/signin", token="wrong", next="/tags")
    assert wrong.status_code == 401 and "not the server" in wrong.text
    assert "notes_session" not in authed.cookies
    right = post_form(authed, "/signin", token=TOKEN, next="/tags")
    assert (right.status_code, right.headers["location"]) == (303, "/tags")
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert TOKEN not in cookie
    assert authed.get("/tags").status_code == 200
    assert TOKEN not in authed.get("/").text


def test_the_cookie_opens_no_api_door_and_the_api_keeps_its_401(authed: TestClient) -> None:
    post_form(authed, "/signin", token=TOKEN)
    assert authed.get("/").status_code == 200
    api = authed.get("/api/v1/notes")
    assert api.status_code == 401 and api.json() == {"detail": "missing or wrong bearer token"}
    assert authed.get("/notes").status_code == 401
    for open_path in ("/docs", "/openapi.json", "/healthz", "/static/notes.css"):
        assert authed.get(open_path).status_code == 200, open_path


def test_sign_out_and_a_forged_cookie(authed: TestClient) -> None:
    post_form(authed, "/signin", token=TOKEN)
    assert post_form(authed, "/signout").headers["location"] == "/signin"
    assert authed.get("/", follow_redirects=False).status_code == 303
    authed.cookies.set("notes_session", TOKEN)
    assert authed.get("/", follow_redirects=False).status_code == 303


def test_sign_in_never_redirects_to_another_host(authed: TestClient) -> None:
    for next_path in ("//evil.example", "https://evil.example", "/\\evil.example"):
        response = post_form(authed, "/signin", token=TOKEN, next=next_path)
        assert response.headers["location"] == "/", next_path


def test_without_a_token_sign_in_is_not_needed(client: TestClient) -> None:
    assert client.get("/signin", follow_redirects=False).headers["location"] == "/"
    assert "Sign out" not in client.get("/").text


def test_the_pages_work_on_both_engines(db_target: str) -> None:
    with TestClient(create_app(Settings(db=db_target)), base_url=LOCAL) as client:
        assert post_form(client, "/new", text="both engines", tags="x").status_code == 303
        assert "both engines" in client.get("/").text
        assert "<mark>engines</mark>" in client.get("/search?q=engines").text
        assert client.get("/note/1").status_code == 200


@pytest.mark.serve
def test_forms_pass_on_a_server_with_two_workers(tmp_path: Path) -> None:
    """The CSRF check needs no per-process secret, so forms pass whichever worker takes
    them (the test cannot see which one did: it checks that none refuses)."""
    with (
        Server(str(tmp_path / "workers.db"), "--workers", "2") as server,
        Client(base_url=server.base) as browser,
    ):
        assert browser.get("/").status_code == 200
        csrf = browser.cookies["notes_csrf"]
        for number in range(8):  # a new connection each time: the workers share them
            response = browser.post(
                "/new",
                data={"csrf": csrf, "text": f"note {number}"},
                headers={"Connection": "close"},
            )
            assert response.status_code == 303, response.text
        assert browser.get("/").text.count('<li class="note') == 8


@pytest.mark.serve
def test_slow_form_uploads_hold_no_turn_at_the_store(tmp_path: Path) -> None:
    """A form is read whole before its turn at the store: uploads that stall half-way
    (a phone on a bad network, or someone doing it on purpose) leave the API answering."""
    with (
        Server(str(tmp_path / "slow.db"), env={"NOTES_POOL_SIZE": "2"}) as server,
        ExitStack() as stalled,
    ):
        for _ in range(4):  # twice as many as there are turns
            sock = stalled.enter_context(socket.create_connection(("127.0.0.1", server.port)))
            sock.sendall(
                b"POST /new HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Cookie: notes_csrf=" + b"a" * 43 + b"\r\nContent-Length: 100000\r\n\r\ncsrf="
            )
        time.sleep(0.5)  # every upload has reached the app and is waiting for its body
        started = time.monotonic()
        status, _ = request(server.base, "POST", "/api/v1/notes", {"text": "still here"})
        assert (status, time.monotonic() - started < 2) == (201, True)
        assert request(server.base, "GET", "/api/v1/notes/1")[0] == 200
