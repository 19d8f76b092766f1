"""Request bodies are parsed as strict JSON: anything else is a 422 `json_invalid`.

Python's json module takes `NaN`, `Infinity` and `-Infinity`, and turns `1e400` into
infinity: values no JSON encoder can write back, so FastAPI's 422 for them failed to
render and became a plain-text 500 whose logged traceback held the body. A body nested
thousands deep, or with a number of thousands of digits, raised a RecursionError or a
ValueError that FastAPI answers with 400 "There was an error parsing the body". Here
each is a JSON decode error, which FastAPI answers 422 with a JSON `detail`.
"""

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

# Python refuses to convert longer digit strings anyway (sys.get_int_max_str_digits).
MAX_DIGITS = 4300


class _NotJSON(Exception):
    """A value the strict parser refuses; the message says which."""


def _refuse_constant(name: str) -> Any:
    raise _NotJSON(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise _NotJSON("a number is out of range")
    return value


def _bounded_int(text: str) -> int:
    if len(text) > MAX_DIGITS:
        raise _NotJSON(f"a number has more than {MAX_DIGITS:,} digits")
    return int(text)


def parse_json(body: bytes) -> Any:
    """The body as JSON (RFC 8259: UTF-8, no NaN or infinities). Raises JSONDecodeError."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json.JSONDecodeError("the body is not UTF-8 text", "", exc.start) from None
    try:
        return json.loads(
            text,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except json.JSONDecodeError as exc:
        # Without the document: FastAPI keeps `doc` on the error it raises.
        raise json.JSONDecodeError(exc.msg, "", exc.pos) from None
    except _NotJSON as exc:
        raise json.JSONDecodeError(str(exc), "", 0) from None
    except RecursionError:
        raise json.JSONDecodeError("the body is nested too deeply", "", 0) from None


class StrictJSONRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = parse_json(await self.body())
        return self._json


NOT_JSON_DETAIL = "the body must be JSON sent with Content-Type: application/json"


def _is_json(content_type: str | None) -> bool:
    """Whether FastAPI reads the body as JSON: application/json or application/*+json
    (a charset aside). Without a Content-Type it does not (its strict_content_type)."""
    if not content_type:
        return False
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class StrictJSONRoute(APIRoute):
    """A route whose request body goes through parse_json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        takes_body = self.body_field is not None

        async def strict_handler(request: Request) -> Response:
            if takes_body and not _is_json(request.headers.get("content-type")):
                # FastAPI would hand the raw bytes to the model: "a valid dictionary".
                return JSONResponse({"detail": NOT_JSON_DETAIL}, status_code=422)
            return await handler(StrictJSONRequest(request.scope, request.receive))

        return strict_handler
