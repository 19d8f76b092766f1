"""Who may use the pages, and which forms may write.

Sign-in: when the server has a token, the sign-in page asks for it once and sets a cookie
holding a digest derived from it (never the token itself), HttpOnly and SameSite=Strict, so
no script reads it and no other site's page sends it. The JSON API is untouched: it still
wants `Authorization: Bearer`.

CSRF: every form that writes carries a hidden field equal to a random cookie of its own
(double submit). A page on another site can neither read that cookie nor have the browser
send it (SameSite=Strict), so it cannot forge the field; this holds without a token too,
where the server's loopback address is all that guards it. A page on another port of the
same host is the same site for cookies and could plant a cookie of its own: a browser that
says where a request comes from (`Sec-Fetch-Site`) must say this very origin, which stops
it. The check needs no server-side secret, so every worker of `notes serve --workers N`
agrees on it.
"""

import hashlib
import hmac
import secrets
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

SESSION_COOKIE = "notes_session"
CSRF_COOKIE = "notes_csrf"
CSRF_FIELD = "csrf"
SESSION_LABEL = b"notes web sign-in v1"
# A form body is a few fields; the body limit (--max-body) caps its size already.
MAX_FORM_FIELDS = 20


class SignInRequired(Exception):
    """A page was asked for without the sign-in cookie of a server that has a token."""

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(path)


class FormRejected(Exception):
    """A form that writes failed the CSRF check, or is not a form at all."""


def session_value(token_digest: bytes) -> str:
    """The sign-in cookie's value: an HMAC keyed by (a digest of) the token. It proves the
    token was given without being it, and it changes when the token does."""
    return hmac.new(token_digest, SESSION_LABEL, hashlib.sha256).hexdigest()


def token_required(request: Request) -> bool:
    return request.app.state.token_digest is not None


def token_matches(request: Request, given: str) -> bool:
    """Whether `given` is the server's token; compared as digests, in constant time."""
    expected: bytes = request.app.state.token_digest
    return secrets.compare_digest(hashlib.sha256(given.encode()).digest(), expected)


def signed_in(request: Request) -> bool:
    """Whether the request may see the pages: the server has no token, or the request
    carries the sign-in cookie."""
    token_digest: bytes | None = request.app.state.token_digest
    if token_digest is None:
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return secrets.compare_digest(cookie.encode(), session_value(token_digest).encode())


async def require_sign_in(request: Request) -> None:
    """A dependency of every page: raises SignInRequired (a redirect to /signin)."""
    if not signed_in(request):
        raise SignInRequired(local_path(request.url.path, request.url.query))


def local_path(path: str, query: str = "") -> str:
    """`path?query` if it is a path on this server, else `/`: a sign-in's `next` must never
    send the browser to another host (`//evil.example`, `/\\evil.example`)."""
    if not path.startswith("/") or path.startswith(("//", "/\\")):
        return "/"
    if any(ord(char) < 0x20 or char in "\\\x7f" for char in path + query):
        return "/"
    return f"{path}?{query}" if query else path


def csrf_token(request: Request) -> str:
    """The value forms carry in CSRF_FIELD: the request's CSRF cookie, or a new one (which
    the page's response sets; see render.page)."""
    existing = request.cookies.get(CSRF_COOKIE, "")
    if len(existing) == 43 and existing.isascii():
        return existing
    fresh: str | None = getattr(request.state, "new_csrf", None)
    if fresh is None:
        fresh = secrets.token_urlsafe(32)  # 43 characters
        request.state.new_csrf = fresh
    return fresh


def from_this_site(request: Request) -> bool:
    """False when the browser says the request came from another site (or a sibling
    subdomain). `Sec-Fetch-Site` is the browser's own verdict; `Origin` is not compared
    with `Host`, which a reverse proxy may rewrite (nginx's `proxy_pass` alone does)."""
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


async def checked_form(request: Request) -> dict[str, str]:
    """The fields of a form that writes, once it has passed the CSRF check (a dependency).
    Raises FormRejected."""
    if not from_this_site(request):
        raise FormRejected("this form was sent from another site")
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormRejected("the request is not a form")
    try:
        # A urlencoded body is ASCII; its %-escapes must make UTF-8.
        pairs = parse_qsl(
            (await request.body()).decode("ascii"),
            keep_blank_values=True,
            errors="strict",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise FormRejected("the form is malformed") from None
    fields = dict(pairs)
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = fields.get(CSRF_FIELD, "")
    if not cookie or not secrets.compare_digest(sent.encode(), cookie.encode()):
        raise FormRejected("this form has expired or came from another site")
    return fields


FormFields = Annotated[dict[str, str], Depends(checked_form)]
