"""The sign-in page of a server with a token, and signing out."""

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from notes_api.web.auth import (
    SESSION_COOKIE,
    FormFields,
    local_path,
    session_value,
    signed_in,
    token_matches,
    token_required,
)
from notes_api.web.errors import PageRoute
from notes_api.web.render import page

router = APIRouter(
    route_class=PageRoute, include_in_schema=False, default_response_class=HTMLResponse
)


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    if not token_required(request) or signed_in(request):
        return RedirectResponse(local_path(next), status_code=303)
    return page(request, "signin.html", {"next": local_path(next)})


@router.post("/signin")
def signin(request: Request, form: FormFields) -> Response:
    next_path = local_path(form.get("next", "/"))
    if not token_required(request):
        return RedirectResponse(next_path, status_code=303)
    if not token_matches(request, form.get("token", "")):
        context = {"next": next_path, "error": "That is not the server's token."}
        return page(request, "signin.html", context, status_code=401)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session_value(request.app.state.token_digest),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
def signout(form: FormFields) -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response
