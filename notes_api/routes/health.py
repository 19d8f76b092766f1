"""GET /healthz: open to everyone, holds no notes."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from notes_api.deps import StoreDep
from notes_api.errors import error_response
from notes_core.errors import StoreError

router = APIRouter(tags=["health"])


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
def healthz(store: StoreDep) -> JSONResponse:
    """200 `{"status": "ok"}` when the store answers a query, else 503."""
    try:
        store.ping()
    except StoreError as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok"})
