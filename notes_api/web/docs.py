"""`/docs` without a network: Swagger UI served by this app, from the assets that the
fastapi-offline package ships, instead of FastAPI's page that loads them from a CDN.

Its start-up script is a static file (static/docs.js), not inline, so the page's policy
allows scripts from this server only. Swagger UI sets inline styles, so `/docs` (and only
it) allows those.
"""

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

SWAGGER_ASSETS = Path(str(files("fastapi_offline") / "static"))
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)
DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>notes - API docs</title>
<link rel="icon" href="/static/swagger/favicon.png">
<link rel="stylesheet" href="/static/swagger/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/swagger/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def docs() -> HTMLResponse:
    """Swagger UI over /openapi.json; open without a token, as the schema is."""
    return HTMLResponse(DOCS_PAGE, headers={"Content-Security-Policy": DOCS_POLICY})
