"""The REST API: /api/v1/notes."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from notes_api.deps import StoreDep
from notes_api.errors import error_response
from notes_core import repository
from notes_core.schemas import (
    NoteCreate,
    NoteHit,
    NoteHitsPublic,
    NotePublic,
    NotesPublic,
    NoteUpdate,
)
from notes_core.session import session_scope

router = APIRouter(prefix="/api/v1/notes", tags=["notes"])


def json_response(model: BaseModel, status_code: int = 200) -> Response:
    """The model as JSON, already serialised: FastAPI would otherwise validate and encode
    it a second time against `response_model` (which stays for the OpenAPI schema)."""
    return Response(model.model_dump_json(), status_code=status_code, media_type="application/json")


NoteIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="The note's id.")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: error_response("No note with that id.")}


@router.post("", status_code=201, response_model=NotePublic)
def create_note(body: NoteCreate, store: StoreDep) -> Response:
    """Add a note. The answer is the stored note; `Location` names its URL."""
    with session_scope(store, write=True) as session:
        note = repository.add(session, text=body.text, tags=body.tags)
    response = json_response(NotePublic.of(note), status_code=201)
    response.headers["Location"] = f"/api/v1/notes/{note.id}"
    return response


@router.get("", response_model=NotesPublic | NoteHitsPublic)
def list_notes(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Notes per page.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the last page.")] = None,
    tag: Annotated[list[str], Query(description="Only notes with all these tags.")] = [],  # noqa: B006
    q: Annotated[
        str | None,
        Query(description="Full-text search; best match first. Same language as the CLI."),
    ] = None,
) -> Response:
    """Notes newest first, a page at a time; with `q`, the notes matching it, best first,
    each with a `snippet` around the match."""
    with session_scope(store) as session:
        if q is not None:
            hits = repository.search_page(session, query=q, tags=tag, limit=limit, cursor=cursor)
            items = [NoteHit.of_hit(hit) for hit in hits.items]
            return json_response(NoteHitsPublic(items=items, next_cursor=hits.next_cursor))
        page = repository.list_page(session, tags=tag, limit=limit, cursor=cursor)
    notes = [NotePublic.of(note) for note in page.items]
    return json_response(NotesPublic(items=notes, next_cursor=page.next_cursor))


@router.get("/{note_id}", response_model=NotePublic, responses=NOT_FOUND)
def get_note(note_id: NoteIdPath, store: StoreDep) -> Response:
    """One note."""
    with session_scope(store) as session:
        note = repository.get(session, note_id=note_id)
    return json_response(NotePublic.of(note))


@router.patch("/{note_id}", response_model=NotePublic, responses=NOT_FOUND)
def update_note(note_id: NoteIdPath, body: NoteUpdate, store: StoreDep) -> Response:
    """Change a note's text and/or tags (`tags` replaces them all); fields left out stay."""
    with session_scope(store, write=True) as session:
        note = repository.update(session, note_id=note_id, text=body.text, tags=body.tags)
    return json_response(NotePublic.of(note))


@router.delete("/{note_id}", status_code=204, responses=NOT_FOUND)
def delete_note(note_id: NoteIdPath, store: StoreDep) -> Response:
    """Delete a note."""
    with session_scope(store, write=True) as session:
        repository.delete_many(session, note_ids=[note_id])
    return Response(status_code=204)
