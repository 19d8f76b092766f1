"""The FastAPI app factory: `create_app(settings)`; the store opens in the lifespan."""

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from notes_api.body_limit import BodyLimitMiddleware
from notes_api.deps import require_token
from notes_api.errors import InvalidRequest, error_response, install_error_handlers
from notes_api.routes import health, notes, seed
from notes_api.settings import Settings
from notes_core import __version__
from notes_core.engine import open_store

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: error_response("Missing or wrong bearer token (when the server has one)."),
    413: error_response("Request body over the server's limit."),
    422: error_response("Invalid input: the body, a parameter or a note rule.", InvalidRequest),
}


def create_app(settings: Settings) -> FastAPI:
    """An app over the store that `settings.db` names (else NOTES_DB, else the default)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Opened here, after any worker fork: pooled connections never cross a fork.
        store = await run_in_threadpool(open_store, settings.db, pool_size=settings.pool_size)
        app.state.store = store
        try:
            yield
        finally:
            store.close()

    app = FastAPI(
        title="notes",
        version=__version__,
        description="Notes over HTTP, on the same store as the `notes` command.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_body=settings.max_body)
    app.state.token_digest = (
        hashlib.sha256(settings.token.encode()).digest() if settings.token else None
    )
    install_error_handlers(app)
    protected = [Depends(require_token)]
    app.include_router(seed.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(notes.router, dependencies=protected, responses=AUTH_RESPONSES)
    app.include_router(health.router)
    return app
