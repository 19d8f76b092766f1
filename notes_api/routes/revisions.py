"""A note's history over HTTP: /api/v1/notes/{id}/revisions."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from pydantic import BeforeValidator

from notes_api.deps import StoreDep
from notes_api.errors import error_response
from notes_api.routes.notes import NOT_FOUND, NoteIdPath, json_response
from notes_api.strict_json import StrictJSONRoute
from notes_core.schemas import RevisionPublic, RevisionsPublic
from notes_core.validation import parse_version

router = APIRouter(
    prefix="/api/v1/notes/{note_id}/revisions", tags=["history"], route_class=StrictJSONRoute
)


def _revision_number(value: object) -> object:
    # Plain decimal digits only, as for note ids: pydantic's lax int parsing would also
    # take `1.0`, `+1` and `1_0` (which is 10). InvalidInput is a 422.
    return parse_version(value) if isinstance(value, str) else value


RevisionPath = Annotated[
    int,
    Path(ge=1, description="The version's number: 1 is the oldest."),
    BeforeValidator(_revision_number),
]
NO_REVISION: dict[int | str, dict[str, Any]] = {
    404: error_response(
        "No note with that id, it is in the trash, or it has no version with that number."
    )
}


@router.get(
    "", summary="List a note's versions", response_model=RevisionsPublic, responses=NOT_FOUND
)
async def list_revisions(note_id: NoteIdPath, store: StoreDep) -> Response:
    """Every version of a note, oldest first, numbered from 1; the last one (`current`
    true) is the note as it is now. Each change of text or tags made a new version."""
    history = await store.run(lambda notes: notes.history(note_id))
    versions = [RevisionPublic.of(version) for version in history]
    return json_response(RevisionsPublic(items=versions))


@router.get(
    "/{number}",
    summary="Get one version of a note",
    response_model=RevisionPublic,
    responses=NO_REVISION,
)
async def get_revision(note_id: NoteIdPath, number: RevisionPath, store: StoreDep) -> Response:
    """Version `number` of a note (1 is the oldest): its text and tags then, and when it
    was made."""
    revision = await store.run(lambda notes: notes.revision(note_id, number))
    return json_response(RevisionPublic.of(revision))
