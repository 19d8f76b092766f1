"""The API's one translation of core errors into status codes with a JSON `detail`."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException

from notes_core.errors import (
    InvalidInput,
    InvalidNote,
    NoteNotFound,
    NotesError,
    StoreError,
)


class ErrorMessage(BaseModel):
    """Every error but FastAPI's own validation errors: one sentence in `detail`."""

    detail: str


class ValidationIssue(BaseModel):
    """One problem FastAPI found in the request (its `RequestValidationError` items)."""

    model_config = ConfigDict(extra="allow")  # `input`, `ctx`, ...
    loc: list[str | int]
    msg: str
    type: str


class InvalidRequest(BaseModel):
    """422: a broken note rule or a bad cursor (a sentence), or a request FastAPI could not
    validate (a list of issues)."""

    detail: str | list[ValidationIssue]


def error_response(description: str, model: type[BaseModel] = ErrorMessage) -> dict[str, Any]:
    """An entry of a route's `responses=`: the description and the JSON body's model."""
    return {"description": description, "model": model}


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


async def unreadable_body_handler(request: Request, exc: Exception) -> Response:
    """422 for a JSON body that is not UTF-8, like any other malformed JSON. FastAPI
    answers 400 "There was an error parsing the body" for it (its JSON decode errors
    are 422), which the contract does not allow."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        detail = "request body is not valid JSON: it is not UTF-8 text"
        return JSONResponse({"detail": detail}, status_code=422)
    return await http_exception_handler(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotesError, notes_error_handler)
    app.add_exception_handler(HTTPException, unreadable_body_handler)
