"""Turning notes into HTML: the templates, Markdown, search snippets, dates.

Jinja2 escapes every value (autoescape on for every template), so note text and tags
reach the page as text. The only markup built from a note is Markdown's, rendered with raw
HTML disabled and markdown-it's link check (no `javascript:`, `vbscript:`, `file:` or
non-image `data:` URLs); search snippets are cut into plain parts and the template adds
the <mark> tags.
"""

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markdown_it import MarkdownIt
from markupsafe import Markup

from notes_api.web.auth import CSRF_COOKIE, CSRF_FIELD, csrf_token, signed_in, token_required

HERE = Path(__file__).parent
templates = Jinja2Templates(
    env=jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
)
markdown = MarkdownIt("commonmark", {"html": False})
TITLE_CHARS = 120
# Markdown costs up to ~10 µs a character on hostile input (a run of `[`, `![`), 10 s for
# a note of 1 MiB, and a page renders in its turn at the store: past this (at most about
# 0.2 s of rendering) a note's page shows its text as it is. Prose renders far faster.
MARKDOWN_MAX_CHARS = 20_000
PLAIN_TEXT = (
    '<p class="hint">Over 20,000 characters: shown as written, not as Markdown.</p>'
    '<pre class="plain">{}</pre>'
)
HEADING = re.compile(r"^#{1,6}\s+")


def render_markdown(text: str) -> Markup:
    """A note's text as HTML: Markdown without raw HTML; unsafe link targets stay text.
    A text over MARKDOWN_MAX_CHARS is shown as it is, in a <pre>."""
    if len(text) > MARKDOWN_MAX_CHARS:
        return Markup(PLAIN_TEXT).format(text)  # format() escapes it
    return Markup(markdown.render(text))


def title(text: str) -> str:
    """A note's first non-blank line, without the `#`s of a Markdown heading, cut to
    TITLE_CHARS (`…` marks a cut)."""
    # The start is enough: a list of 50 notes of 1 MiB must not split 50 MiB into lines.
    start = text[: TITLE_CHARS * 40]
    line = next((line.strip() for line in start.splitlines() if line.strip()), "")
    line = HEADING.sub("", line) or line
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1] + "…"


def snippet_parts(snippet: str, highlights: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """The snippet as (text, matched) parts in order, for the template to mark."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(highlights):
        if start < at or end <= start:
            continue  # overlapping or empty: the text is already in a part
        if start > at:
            parts.append((snippet[at:start], False))
        parts.append((snippet[start:end], True))
        at = end
    if at < len(snippet):
        parts.append((snippet[at:], False))
    return parts


def shown_date(moment: datetime) -> str:
    """A date as the pages show it without JavaScript (UTC); static/notes.js shows it in
    the reader's own time zone."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["title"] = title
templates.env.filters["markdown"] = render_markdown
templates.env.filters["date"] = shown_date


def page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    """A rendered page, kept out of caches (it holds notes), with the CSRF cookie set
    when this request is the one that made it."""
    csrf = csrf_token(request)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "csrf_field": CSRF_FIELD,
            "csrf": csrf,
            "show_sign_out": token_required(request) and signed_in(request),
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    if getattr(request.state, "new_csrf", None) == csrf:
        response.set_cookie(
            CSRF_COOKIE,
            csrf,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response
