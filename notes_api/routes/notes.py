"""The REST API: /api/v1/notes."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query, Response
from pydantic import BaseModel, BeforeValidator

from notes_api.deps import StoreDep
from notes_api.errors import error_response, header
from notes_api.store_calls import group_committed
from notes_api.strict_json import StrictJSONRoute
from notes_core.dates import parse_moment
from notes_core.errors import InvalidInput
from notes_core.library import Notes
from notes_core.models import Note
from notes_core.schemas import (
    NoteCreate,
    NoteHit,
    NoteHitsPublic,
    NotePublic,
    NotesPage,
    NotesPublic,
    NoteUpdate,
)
from notes_core.validation import clean_tags, clean_text, parse_note_id

router = APIRouter(prefix="/api/v1/notes", tags=["notes"], route_class=StrictJSONRoute)


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as JSON, already serialised: FastAPI would otherwise validate and encode
    it a second time against `response_model` (which stays for the OpenAPI schema)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


def _note_id(value: object) -> object:
    # Plain decimal digits, as in the CLI: pydantic's lax int parsing would also take
    # `1.0`, `+1` and `1_0` (which is 10). Raises InvalidInput, a 422.
    return parse_note_id(value) if isinstance(value, str) else value


# Still an integer in the OpenAPI schema: the validator only narrows what is accepted.
# Path before the validator: the other way round, FastAPI writes `ge`/`le` into the schema
# instead of `minimum`/`maximum`.
NoteIdPath = Annotated[
    int, Path(ge=1, le=2**63 - 1, description="The note's id."), BeforeValidator(_note_id)
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: error_response(
        "No note with that id, or it is in the trash (the detail then says how to restore it)."
    )
}
ETAG_HEADER = header(
    "This version of the note (a strong entity tag): send it back in `If-Match` to change "
    "the note only if it is still this version.",
    required=True,
)
ETAG: dict[str, Any] = {"headers": {"ETag": ETAG_HEADER}}
CREATED: dict[str, Any] = {
    "headers": {
        "ETag": ETAG_HEADER,
        "Location": header("The new note's URL: `/api/v1/notes/{id}`.", required=True),
    }
}
CHANGED: dict[int | str, dict[str, Any]] = {
    412: error_response("`If-Match` names no current version of the note; nothing was changed.")
}


def note_response(note: Note, status_code: int = 200) -> Response:
    """One note as JSON, with its `ETag`: every response that carries a note sends one."""
    response = json_response(NotePublic.of(note), status_code=status_code)
    response.headers["ETag"] = note.etag
    return response


MOMENT_FORMS = (
    "An ISO 8601 date (server-local midnight) or date-time (`2026-11-25T13:00:00Z`; "
    "send `+` in an offset as `%2B`), or `30m`, `12h`, `7d`, `2w` (that long ago), "
    "`today`, `yesterday`."
)
SinceQuery = Annotated[
    str | None,
    Query(description="Only notes created at or after this moment. " + MOMENT_FORMS),
]
UntilQuery = Annotated[
    str | None,
    Query(description="Only notes created before this moment (same forms as `since`)."),
]


def moment(value: str | None) -> datetime | None:
    """A `since`/`until` parameter as a UTC moment. Raises InvalidInput (422)."""
    return None if value is None else parse_moment(value)


@router.post("", status_code=201, response_model=NotePublic, responses={201: CREATED})
@group_committed
async def create_note(body: NoteCreate, store: StoreDep) -> Response:
    """Add a note. The answer is the stored note; `Location` names its URL."""
    # Checked before it is queued: a bad note is answered at once and never joins a batch
    # of the group commit (notes_api/store_calls.py).
    clean_text(body.text)
    clean_tags(body.tags)
    note = await store.write(lambda notes: notes.add(body.text, tags=body.tags))
    response = note_response(note, status_code=201)
    response.headers["Location"] = f"/api/v1/notes/{note.id}"
    return response


@router.get("", response_model=NotesPage)
async def list_notes(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Notes per page.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the last page.")] = None,
    tag: Annotated[list[str], Query(description="Only notes with all these tags.")] = [],  # noqa: B006
    q: Annotated[
        str | None,
        Query(description="Full-text search; best match first. Same language as the CLI."),
    ] = None,
    since: SinceQuery = None,
    until: UntilQuery = None,
    sort: Annotated[
        Literal["created", "updated"],
        Query(
            description="`created`: newest first. `updated`: most recently changed first, "
            "and `since`/`until` then filter on `updated_at`. Not with `q`."
        ),
    ] = "created",
    pinned: Annotated[bool, Query(description="Only the pinned notes. Not with `q`.")] = False,
) -> Response:
    """Notes newest first, pinned ones first, a page at a time; with `q`, the notes
    matching it, best first, each with a `snippet` around the match. `since` and `until`
    keep the notes created in [since, until) (with `sort=updated`: changed in it), and
    then order them by `created_at`; a cursor belongs to the query that gave it."""
    start, end = moment(since), moment(until)
    if q is not None:
        if sort != "created":
            raise InvalidInput("sort=updated does not apply to a search (q): best match first")
        if pinned:
            raise InvalidInput("pinned does not apply to a search (q): best match first")

        def search(notes: Notes) -> Response:
            hits = notes.search_page(
                q, tags=tag, limit=limit, cursor=cursor, since=start, until=end
            )
            found = [NoteHit.of_hit(hit) for hit in hits.items]
            return json_response(NoteHitsPublic(items=found, next_cursor=hits.next_cursor))

        return await store.run(search)

    def listing(notes: Notes) -> Response:
        page = notes.page(
            tags=tag, limit=limit, cursor=cursor, since=start, until=end, sort=sort, pinned=pinned
        )
        items = [NotePublic.of(note) for note in page.items]
        return json_response(NotesPublic(items=items, next_cursor=page.next_cursor))

    # The page and its JSON together, in the thread pool on SQLite: over a millisecond of
    # work, which on the event loop served fewer pages a second (store_calls.py).
    return await store.run(listing)


@router.get("/{note_id}", response_model=NotePublic, responses={200: ETAG, **NOT_FOUND})
async def get_note(note_id: NoteIdPath, store: StoreDep) -> Response:
    """One note, with its version in `ETag`."""
    return note_response(await store.read(lambda notes: notes.get(note_id)))


@router.patch(
    "/{note_id}", response_model=NotePublic, responses={200: ETAG, **NOT_FOUND, **CHANGED}
)
async def update_note(
    note_id: NoteIdPath,
    body: NoteUpdate,
    store: StoreDep,
    if_match: Annotated[
        str | None,
        Header(
            description="Change the note only if it is still this version: the `ETag` of "
            "an earlier answer (or several, comma-separated, or `*` for any). Otherwise 412."
        ),
    ] = None,
) -> Response:
    """Change a note's text and/or tags (`tags` replaces them all), or pin or unpin it
    (`pinned`: pinned notes come first in listings; not an edit, so no version is kept and
    `updated_at` stays); fields left out stay.

    Send `If-Match` with the `ETag` you read, so that a change someone made in between is
    never overwritten: if the note is no longer that version, the answer is 412 and nothing
    changes. Without `If-Match` the change is made whatever the note holds.
    """
    note = await store.run(
        lambda notes: notes.update(
            note_id, text=body.text, tags=body.tags, pinned=body.pinned, if_match=if_match
        )
    )
    return note_response(note)


@router.delete(
    "/{note_id}", status_code=204, summary="Move a note to the trash", responses=NOT_FOUND
)
async def delete_note(note_id: NoteIdPath, store: StoreDep) -> Response:
    """Move a note to the trash: it leaves every listing and search, and its id stays
    reserved. `POST /api/v1/trash/{id}/restore` brings it back unchanged; `DELETE
    /api/v1/trash/{id}` deletes it for good. A note already in the trash is a 404."""
    await store.run(lambda notes: notes.trash([note_id]))
    return Response(status_code=204)
