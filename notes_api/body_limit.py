"""Request bodies over the limit get 413 with a JSON `detail`.

FastAPI's own `max_body_size` answers 413 as text/plain ("Content Too Large"), and every
error of this API must be JSON, so the limit is checked here: the declared
Content-Length first, then the bytes actually streamed (chunked bodies have no length).
"""

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(HTTPException):
    """Raised while the body streams in. An HTTPException, so that FastAPI's body parsing
    passes it on (it turns other errors into 400) and its handler renders the JSON 413."""

    def __init__(self, max_body: int) -> None:
        super().__init__(413, f"request body is over the limit of {max_body:,} bytes")


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._reject(scope, receive, send)
            return

        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _TooLarge(self.max_body)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = _TooLarge(self.max_body).detail
        response = JSONResponse(
            {"detail": detail}, status_code=413, headers={"Connection": "close"}
        )
        await response(scope, receive, send)
