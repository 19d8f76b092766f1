"""GET /healthz: open to everyone, holds no notes, answers even when the store is saturated."""

from typing import Literal

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from notes_api.deps import NotesDep
from notes_api.errors import error_response
from notes_api.strict_json import StrictJSONRoute
from notes_core.errors import StoreError

router = APIRouter(tags=["health"], route_class=StrictJSONRoute)
# Longer than this, and the store counts as not answering.
PING_TIMEOUT_SECONDS = 5


class Health(BaseModel):
    status: Literal["ok"]


class Unhealthy(BaseModel):
    status: Literal["unavailable"]
    detail: str


@router.get(
    "/healthz",
    responses={
        200: {"description": "The store answers.", "model": Health},
        413: error_response("Request body over the server's limit."),
        503: {"description": "The store does not answer.", "model": Unhealthy},
    },
)
async def healthz(request: Request, notes: NotesDep) -> JSONResponse:
    """200 `{"status": "ok"}` when the store answers a query, else 503."""
    # Not admitted with the other routes, and its ping runs on threads of its own: it
    # never queues behind requests that saturate the store or the thread pool.
    try:
        with anyio.fail_after(PING_TIMEOUT_SECONDS):
            await anyio.to_thread.run_sync(
                notes.ping, limiter=request.app.state.health_threads, abandon_on_cancel=True
            )
    except StoreError as exc:
        return unhealthy(str(exc))
    except TimeoutError:
        return unhealthy(f"the store did not answer within {PING_TIMEOUT_SECONDS} seconds")
    return JSONResponse({"status": "ok"})


def unhealthy(detail: str) -> JSONResponse:
    return JSONResponse({"status": "unavailable", "detail": detail}, status_code=503)
