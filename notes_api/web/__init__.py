"""The web pages of `notes serve` (server-rendered, no build step, no CDN) and an offline
`/docs`. `install_web(app)` adds them to the API's app."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from notes_api.web import docs, router, signin
from notes_api.web.headers import SecurityHeadersMiddleware

STATIC = Path(__file__).parent / "static"


def install_web(app: FastAPI) -> None:
    """Add the pages, their static files, `/docs` and the security headers to `app`
    (created with `docs_url=None`)."""
    app.include_router(docs.router)
    app.include_router(signin.router)
    app.include_router(router.router)
    # The more specific mount first: routes are matched in order.
    app.mount("/static/swagger", StaticFiles(directory=docs.SWAGGER_ASSETS), name="swagger")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Outermost: every answer gets the headers, the Host check's 400 included.
    app.add_middleware(SecurityHeadersMiddleware)
