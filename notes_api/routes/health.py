"""GET /healthz: open to everyone, holds no notes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from notes_api.deps import StoreDep
from notes_core.errors import StoreError

router = APIRouter(tags=["health"])


@router.get(
    "/healthz",
    responses={503: {"description": "The store does not answer."}},
)
def healthz(store: StoreDep) -> JSONResponse:
    """200 `{"status": "ok"}` when the store answers a query, else 503."""
    try:
        store.ping()
    except StoreError as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    return JSONResponse({"status": "ok"})
