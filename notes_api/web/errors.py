"""Pages' errors as pages: a route class that renders what the API would answer in JSON.

The status codes are the API's (notes_api.errors.status_for); the sentences name what to
click rather than a CLI command or an API request.
"""

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from notes_api.errors import status_for
from notes_api.web.auth import FormRejected, SignInRequired
from notes_api.web.render import page
from notes_core.errors import NoteInTrash, NotesError, RevisionNotFound, StoreBusy


class NoSuchPage(NotesError):
    """A path that names no note (`/note/abc`): a 404, as an unknown id is."""


def message_for(exc: NotesError) -> str:
    if isinstance(exc, NoteInTrash):
        listed = ", ".join(str(note_id) for note_id in exc.note_ids)
        return f"Note {listed} is in the trash: restore it to read or change it."
    if isinstance(exc, RevisionNotFound):
        return f"Note {exc.note_id} has no version {exc.number}; it has versions 1 to {exc.count}."
    text = str(exc)
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def error_page(request: Request, exc: NotesError) -> Response:
    in_trash = exc.note_ids[0] if isinstance(exc, NoteInTrash) else None
    response = page(
        request,
        "error.html",
        {"message": message_for(exc), "in_trash": in_trash},
        status_code=404 if isinstance(exc, NoSuchPage) else status_for(exc),
    )
    if isinstance(exc, StoreBusy):
        response.headers["Retry-After"] = "1"
    return response


class PageRoute(APIRoute):
    """A page: sign-in redirects, CSRF refusals and core errors become pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired as exc:
                # 303, not 401: a browser shows a 401's body, but it follows a redirect to
                # the form that fixes it. The API's JSON 401 is unchanged.
                return RedirectResponse(
                    "/signin" if exc.path == "/" else "/signin?" + urlencode({"next": exc.path}),
                    status_code=303,
                )
            except FormRejected as exc:
                return page(
                    request,
                    "error.html",
                    {"message": f"Nothing was saved: {exc}. Reload the page and try again."},
                    status_code=403,
                )
            except RequestValidationError:
                return page(
                    request,
                    "error.html",
                    {"message": "That page takes other parameters."},
                    status_code=422,
                )
            except NotesError as exc:
                return error_page(request, exc)

        return page_handler
