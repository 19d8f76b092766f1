"""The API's one translation of core errors into status codes with a JSON `detail`."""

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from notes_core.errors import (
    InvalidInput,
    InvalidNote,
    NoteNotFound,
    NotesError,
    StoreError,
)

STATUS_FOR_ERROR: list[tuple[type[NotesError], int]] = [
    (NoteNotFound, 404),
    (InvalidNote, 422),
    (InvalidInput, 422),
    (StoreError, 503),
]


def status_for(exc: NotesError) -> int:
    for error_type, status in STATUS_FOR_ERROR:
        if isinstance(exc, error_type):
            return status
    return 400


async def notes_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotesError)
    return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotesError, notes_error_handler)
