"""An unexpected error is a 500 with a JSON `detail`, and its log line holds no request data.

Left to Starlette and uvicorn, a bug is logged with its full traceback, whose exception
message can quote the request (a value that failed to encode, say): note text in the
log. Here the log names the route, the exception's type and its frames (file, line,
code), never a message.
"""

import logging
import traceback

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger("uvicorn.error")  # the log `notes serve` already writes


class InternalErrorMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # every bug, logged without its message, answered 500
            log_without_data(scope, exc)
            if not started:
                response = JSONResponse({"detail": "internal server error"}, status_code=500)
                await response(scope, receive, send)


def log_without_data(scope: Scope, exc: BaseException) -> None:
    route = getattr(scope.get("route"), "path", None) or "(no route)"
    causes: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 5:
        causes.append(type(cause).__qualname__)
        cause = cause.__cause__ or cause.__context__
    frames = "".join(traceback.format_list(traceback.extract_tb(exc.__traceback__)))
    logger.error(
        "internal error in %s %s: %s%s (its message is not logged: it may hold request data)\n%s",
        scope["method"],
        route,
        type(exc).__qualname__,
        "".join(f", from {name}" for name in causes),
        frames.rstrip(),
    )
