"""The API's one translation of core errors into status codes with a JSON `detail`."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from notes_api.admission import RETRY_AFTER_SECONDS
from notes_core.errors import (
    BackupExists,
    BackupUnsupported,
    InvalidImport,
    InvalidInput,
    InvalidNote,
    NoteChanged,
    NoteInTrash,
    NoteNotFound,
    NoteNotInTrash,
    NotesError,
    RevisionNotFound,
    StoreBusy,
    StoreError,
    TagNotFound,
)

# How much of one string a validation error repeats: enough to recognise a field name,
# never the 4 MiB value (or key) that was sent.
SHOWN_CHARS = 100


class ErrorMessage(BaseModel):
    """Every error but FastAPI's own validation errors: one sentence in `detail`."""

    detail: str


class ValidationIssue(BaseModel):
    """One problem FastAPI found in the request (its `RequestValidationError` items),
    without the rejected input."""

    model_config = ConfigDict(extra="allow")  # `ctx`
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


def header(description: str, *, required: bool, type_: str = "string") -> dict[str, Any]:
    """A response header as OpenAPI declares it; `required` ones are on every such answer."""
    return {"description": description, "required": required, "schema": {"type": type_}}


UNAUTHORIZED_RESPONSE: dict[str, Any] = {
    **error_response("Missing or wrong bearer token (when the server has one)."),
    "headers": {
        "WWW-Authenticate": header("Always `Bearer`: the scheme the token goes in.", required=True)
    },
}

BUSY_RESPONSE: dict[str, Any] = {
    **error_response("The store is saturated (or does not answer): try again later."),
    "headers": {
        # Not required: a store that is down (rather than busy) gets no time to wait.
        "Retry-After": header(
            "Seconds to wait before trying again (when the store is busy).",
            required=False,
            type_="integer",
        )
    },
}

STATUS_FOR_ERROR: list[tuple[type[NotesError], int]] = [
    (NoteNotFound, 404),
    (NoteInTrash, 404),
    (NoteNotInTrash, 404),
    (RevisionNotFound, 404),
    (TagNotFound, 404),
    (NoteChanged, 412),
    (InvalidNote, 422),
    (InvalidInput, 422),
    (StoreError, 503),
    # No route raises these three (import and backup are the CLI's), but a library call
    # added later that does still gets a fitting 4xx, never a 500.
    (BackupUnsupported, 400),
    (BackupExists, 409),
    (InvalidImport, 422),
]


def status_for(exc: NotesError) -> int:
    for error_type, status in STATUS_FOR_ERROR:
        if isinstance(exc, error_type):
            return status
    return 400


def detail_for(exc: NotesError) -> str:
    """The error's message, except where the core's names a CLI command: an API user is
    told the request that does the same."""
    if isinstance(exc, NoteInTrash):
        return in_trash_detail(exc.note_ids)
    if isinstance(exc, RevisionNotFound):
        return (
            f"note {exc.note_id} has no version {exc.number}; it has versions 1 to {exc.count} "
            f"(see GET /api/v1/notes/{exc.note_id}/revisions)"
        )
    return str(exc)


def in_trash_detail(note_ids: list[int]) -> str:
    if len(note_ids) == 1:
        [note_id] = note_ids
        return (
            f"note {note_id} is in the trash; restore it with POST /api/v1/trash/{note_id}/restore"
        )
    listed = ", ".join(str(note_id) for note_id in note_ids)
    return f"notes {listed} are in the trash; restore each with POST /api/v1/trash/{{id}}/restore"


async def notes_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NotesError)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if isinstance(exc, StoreBusy) else None
    return JSONResponse({"detail": detail_for(exc)}, status_code=status_for(exc), headers=headers)


def _shown(value: object) -> str | int:
    """A name, number or message as an error repeats it: cut to SHOWN_CHARS."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS]}… ({len(text):,} chars)"


def _issue(error: dict[str, Any]) -> dict[str, Any]:
    # Never `input`: it is whatever was sent (4 MiB of text, a NaN no encoder writes).
    issue: dict[str, Any] = {
        "type": error["type"],
        "loc": [_shown(part) for part in error["loc"]],
        "msg": _shown(error["msg"]),
    }
    if error.get("ctx"):
        issue["ctx"] = {str(key): _shown(value) for key, value in error["ctx"].items()}
    return issue


async def validation_error_handler(_request: Request, exc: Exception) -> JSONResponse:
    """422 with FastAPI's list of issues, minus the rejected input, each string capped."""
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": [_issue(error) for error in exc.errors()]}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(NotesError, notes_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
