"""The FastAPI app factory: `create_app(settings)`; the store opens in the lifespan."""

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from notes_api.admission import Admission
from notes_api.body_limit import BodyLimitMiddleware
from notes_api.deps import token_then_turn
from notes_api.errors import (
    BUSY_RESPONSE,
    UNAUTHORIZED_RESPONSE,
    InvalidRequest,
    error_response,
    install_error_handlers,
)
from notes_api.head import HeadMiddleware
from notes_api.hosts import HostCheckMiddleware
from notes_api.internal_errors import InternalErrorMiddleware
from notes_api.routes import health, notes, revisions, seed, tags, trash
from notes_api.store_calls import StoreCalls
from notes_api.web import install_web
from notes_core import __version__
from notes_core.library import Notes
from notes_core.settings import Settings

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: UNAUTHORIZED_RESPONSE,
    413: error_response("Request body over the server's limit."),
    422: error_response("Invalid input: the body, a parameter or a note rule.", InvalidRequest),
    503: BUSY_RESPONSE,
}


def operation_id(route: APIRoute) -> str:
    """The route's function name: a client generated from /openapi.json then reads
    `notes.create_note` (its tag's module, this name), not `create_note_api_v1_notes_post`.
    FastAPI warns of a duplicate, and a test fails on it."""
    return route.name


def create_app(settings: Settings) -> FastAPI:
    """An app over the store that `settings.db` names (None: the default file)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Opened here, after any worker fork: pooled connections never cross a fork.
        notes = await run_in_threadpool(Notes.open, settings)
        app.state.notes = notes
        app.state.calls = calls = StoreCalls.open(notes, pool_size=settings.pool_size)
        # Made here, inside the event loop that will use them.
        app.state.admission = Admission(limit=settings.pool_size, wait=settings.queue_wait)
        app.state.health_threads = anyio.CapacityLimiter(2)
        try:
            yield
        finally:
            # Uvicorn has answered or dropped every request by now: commit what is queued.
            await calls.close()
            notes.close()

    app = FastAPI(
        title="notes",
        version=__version__,
        description="Notes over HTTP, on the same store as the `notes` command.",
        lifespan=lifespan,
        # `/api/v1/notes/` would redirect to a URL built from the request's Host header.
        redirect_slashes=False,
        # FastAPI's /docs loads Swagger UI from a CDN; notes_api.web serves one of its own.
        docs_url=None,
        # ReDoc too loads its script from a CDN, which the pages' CSP refuses: not served.
        redoc_url=None,
        generate_unique_id_function=operation_id,
    )
    # Added innermost first: a request meets the Host check, then HEAD, then the
    # catch-all for bugs, then the body limit.
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body)
    app.add_middleware(InternalErrorMiddleware)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(HostCheckMiddleware, allowed_hosts=settings.allowed_hosts)
    app.state.token_digest = (
        hashlib.sha256(settings.token.encode()).digest() if settings.token else None
    )
    install_error_handlers(app)
    protected = [Depends(token_then_turn, scope="function")]
    app.include_router(seed.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(notes.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(revisions.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(trash.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(tags.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(health.router)
    # The web pages, an offline /docs and the security headers (notes_api/web).
    install_web(app)
    return app
