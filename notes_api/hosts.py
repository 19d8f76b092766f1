"""Requests must name an allowed host: on a loopback bind, only loopback names.

Without this check, a web page the user visits can read their notes through DNS
rebinding: its own name, re-pointed at 127.0.0.1, reaches this server with the page's
`Host`. Starlette's TrustedHostMiddleware does the same matching, but answers in plain
text; every error of this API is JSON.
"""

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from notes_core.settings import ANY_HOST

REFUSED = (
    "this server does not answer to the host name in the request's Host header; "
    "the server's operator can allow it with --allowed-host"
)


def host_name(header: str) -> str | None:
    """The host of a Host header, lower-cased, without its port; None when malformed."""
    header = header.strip().lower()
    if header.startswith("["):  # an IPv6 address: [::1]:8000
        address, bracket, port = header.partition("]")
        name = address + bracket
        port = port[1:] if port.startswith(":") else port
    else:
        name, _, port = header.partition(":")
    if not name or not name.strip("[]") or (port and not port.isdigit()):
        return None
    return name.removesuffix(".")  # `localhost.` is `localhost`


def matches(name: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return name.endswith(pattern[1:])
    return name == pattern


class HostCheckMiddleware:
    def __init__(self, app: ASGIApp, *, allowed_hosts: tuple[str, ...]) -> None:
        self.app = app
        self.patterns = tuple(pattern.lower() for pattern in allowed_hosts)
        self.allow_any = ANY_HOST in self.patterns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.allow_any or self.allowed(scope):
            await self.app(scope, receive, send)
            return
        response = JSONResponse({"detail": REFUSED}, status_code=400)
        await response(scope, receive, send)

    def allowed(self, scope: Scope) -> bool:
        # Every Host header must pass: a request carrying two must not slip one through.
        headers = Headers(scope=scope).getlist("host")
        names = [host_name(header) for header in headers]
        return bool(names) and all(
            name is not None and any(matches(name, pattern) for pattern in self.patterns)
            for name in names
        )
