"""The web pages in a real headless Chromium (Debian's `chromium`, driven by Playwright),
against a real `notes serve`: what a person does with them, by keyboard-reachable,
labelled controls. Also writes the README's screenshots to docs/screenshots/."""

import os
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from notes_core.library import Notes
from notes_core.transfer.records import ImportRecord
from tests.serving import Server

playwright_api = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import (  # noqa: E402
    Browser,
    ConsoleMessage,
    Dialog,
    Page,
    Route,
    ViewportSize,
    expect,
    sync_playwright,
)

CHROMIUM = "/usr/bin/chromium"
DOCS_SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
TOKEN = "browser-test-token"
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}

pytestmark = pytest.mark.serve


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        missing = f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does)"
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    with Server(str(tmp_path / "browser.db")) as running:
        yield running


class Dialogs:
    """The messages of the dialogs a page opened, each answered at once."""

    def __init__(self, page: Page, *, accept: bool) -> None:
        self.messages: list[str] = []
        self.accept = accept
        page.on("dialog", self.answer)

    def answer(self, dialog: Dialog) -> None:
        self.messages.append(dialog.message)
        if self.accept:
            dialog.accept()
        else:
            dialog.dismiss()


def add_note(page: Page, text: str, tags: str = "") -> None:
    page.get_by_role("link", name="New note").click()
    page.get_by_label("Text").fill(text)
    page.get_by_label("Tags").fill(tags)
    page.get_by_role("button", name="Add note").click()


def test_a_note_from_adding_to_purging(page: Page, server: Server) -> None:
    dialogs = Dialogs(page, accept=True)
    page.goto(server.base + "/")
    expect(page.get_by_text("No notes yet")).to_be_visible()

    add_note(page, "Buy oat milk for the **weekend**", "errands")
    expect(page.locator("main strong")).to_have_text("weekend")
    note_url = page.url
    assert re.fullmatch(r".*/note/\d+", note_url)

    # Find it: "/" moves to the search box, Enter searches.
    page.goto(server.base + "/")
    page.keyboard.press("/")
    expect(page.get_by_label("Search notes")).to_be_focused()
    page.keyboard.type("oat")
    page.keyboard.press("Enter")
    expect(page.locator("main mark")).to_have_text("oat")
    page.get_by_role("link", name=re.compile("Buy oat milk")).click()
    assert page.url == note_url

    # Edit it, then see the old version and revert to it.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Text").fill("Buy oat milk and bread")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main .text")).to_have_text("Buy oat milk and bread")
    page.get_by_role("link", name="Version 1").click()
    expect(page.locator("main strong")).to_have_text("weekend")
    page.get_by_role("button", name="Revert to this version").click()
    expect(page.locator("main .text strong")).to_have_text("weekend")
    expect(page.locator(".history li")).to_have_count(3)

    # Pin it from its page: it is marked, and listed first.
    add_note(page, "A newer note")
    page.goto(note_url)
    page.get_by_role("button", name=re.compile("^Pin note")).click()
    expect(page.locator("main .badge", has_text="Pinned")).to_be_visible()
    page.get_by_role("link", name="notes", exact=True).click()
    expect(page.locator("li.note").first).to_contain_text("Buy oat milk")

    # Trash it, restore it, trash it again and purge it (after a confirmation).
    page.goto(note_url)
    page.get_by_role("button", name="Move to trash").click()
    expect(page.locator("main")).not_to_contain_text("Buy oat milk")
    page.get_by_role("link", name="Trash").click()
    page.get_by_role("button", name=re.compile("^Restore note")).click()
    assert page.url == note_url
    page.get_by_role("button", name="Move to trash").click()
    page.get_by_role("link", name="Trash").click()
    page.get_by_role("button", name=re.compile("^Purge note")).click()
    expect(page.get_by_text("The trash is empty")).to_be_visible()
    assert dialogs.messages and "for good" in dialogs.messages[0]
    response = page.goto(note_url)
    assert response is not None and response.status == 404


def test_sign_in_once_with_the_token(browser: Browser, tmp_path: Path) -> None:
    with Server(str(tmp_path / "token.db"), "--token", TOKEN) as server:
        context = browser.new_context()
        page = context.new_page()
        page.goto(server.base + "/tags")
        assert page.url.startswith(server.base + "/signin")
        page.get_by_label("Token").fill("wrong")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("alert")).to_contain_text("not the server")
        page.get_by_label("Token").fill(TOKEN)
        page.get_by_role("button", name="Sign in").click()
        assert page.url == server.base + "/tags"
        expect(page.get_by_role("heading", name="Tags")).to_be_visible()
        [session] = [c for c in context.cookies() if c["name"] == "notes_session"]
        assert session["httpOnly"] and session["sameSite"] == "Strict"
        assert TOKEN not in session["value"]
        assert page.evaluate("document.cookie") == ""  # no script can read it
        add_note(page, "written after signing in")
        expect(page.locator("main .text")).to_have_text("written after signing in")
        page.get_by_role("button", name="Sign out").click()
        page.goto(server.base + "/")
        assert page.url.startswith(server.base + "/signin")
        context.close()


def test_hostile_notes_render_as_text(page: Page, tmp_path: Path) -> None:
    db = str(tmp_path / "hostile.db")
    hostile = [
        "<script>alert('script')</script>",
        "[click me](javascript:alert('link'))",
        '"><img src=x onerror=alert("img")>',
    ]
    with Notes.open(db) as notes:
        for text in hostile:
            notes.add(text, tags=["<b>tag</b>"])
    dialogs = Dialogs(page, accept=False)
    with Server(db) as server:
        for path in ("/", "/note/1", "/note/2", "/note/3", "/search?q=alert", "/tags"):
            page.goto(server.base + path)
            assert page.locator("main img, main script, main iframe").count() == 0, path
            assert page.locator("a[href^='javascript' i]").count() == 0, path
        page.goto(server.base + "/note/3")
        expect(page.locator("main .text")).to_have_text(hostile[2])
        page.goto(server.base + "/note/2")
        expect(page.locator("main .text")).to_have_text(hostile[1])
    assert dialogs.messages == []


def test_docs_work_without_a_network(page: Page, server: Server) -> None:
    outside: list[str] = []
    refused: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(server.base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    def policy_errors(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.route("**/*", only_this_server)
    page.on("console", policy_errors)
    page.goto(server.base + "/docs")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/notes/{note_id}").first).to_be_visible()
    assert outside == [] and refused == []


def test_screenshots_of_the_list_a_note_and_search(browser: Browser, tmp_path: Path) -> None:
    """The README's pictures: fixed notes, dates and time zone. Written to docs/screenshots
    with NOTES_SCREENSHOTS=docs (to refresh them after a change of the pages), else to a
    temporary folder: Chromium's anti-aliasing differs by a few bytes between runs, and a
    test run should leave the checkout as it found it."""
    wanted = os.environ.get("NOTES_SCREENSHOTS") == "docs"
    screenshots = DOCS_SCREENSHOTS if wanted else tmp_path / "screenshots"
    screenshots.mkdir(exist_ok=True)
    db = str(tmp_path / "screens.db")
    samples = [
        ("Ship the release notes for 2.1\n\nCheck the **changelog**, then tag.", ["work"]),
        (
            "# Sourdough\n\n- 500 g flour\n- 350 g water\n- 100 g starter\n- 10 g salt\n\n"
            "Fold every 30 minutes, *four times*; bake at 240 °C.\n\n"
            "> Patience is the main ingredient.",
            ["recipes", "baking"],
        ),
        ("Call the plumber about the kitchen sink", ["home", "errands"]),
        ("Book idea: a field guide to the birds of the city parks", ["ideas"]),
        ("Buy oat milk and bread", ["errands"]),
        ("Deploy staging at 17:00, production tomorrow morning", ["work", "ops"]),
    ]
    first = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    records = [
        ImportRecord(text, tags, first + timedelta(hours=7 * n), None, None, f"sample {n}")
        for n, (text, tags) in enumerate(samples)
    ]
    with Notes.open(db) as notes:
        notes.import_records(records)
        notes.pin([2])
    with Server(db) as server:
        for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            context = browser.new_context(
                viewport=viewport,
                color_scheme="light",
                timezone_id="UTC",
                locale="en-GB",
            )
            page = context.new_page()
            page.goto(server.base + "/")
            page.screenshot(path=screenshots / f"list-{width}.png")
            page.goto(server.base + "/note/2")
            page.screenshot(path=screenshots / f"note-{width}.png")
            page.goto(server.base + "/search?q=oat+OR+bread+OR+deploy")
            expect(page.locator("main mark").first).to_be_visible()
            page.screenshot(path=screenshots / f"search-{width}.png")
            context.close()
    for name in ("list", "note", "search"):
        for width in ("phone", "desktop"):
            assert (screenshots / f"{name}-{width}.png").stat().st_size > 5_000
