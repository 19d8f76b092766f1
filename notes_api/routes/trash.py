"""The trash over HTTP: /api/v1/trash. `DELETE /api/v1/notes/{id}` puts notes in it."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from notes_api.deps import StoreDep
from notes_api.errors import error_response
from notes_api.routes.notes import (
    ETAG,
    NoteIdPath,
    SinceQuery,
    UntilQuery,
    json_response,
    moment,
    note_response,
)
from notes_api.strict_json import StrictJSONRoute
from notes_core.schemas import NotePublic, TrashedNotePublic, TrashedNotesPublic

router = APIRouter(prefix="/api/v1/trash", tags=["trash"], route_class=StrictJSONRoute)

NOT_IN_TRASH: dict[int | str, dict[str, Any]] = {
    404: error_response("No note with that id in the trash (unknown, or not trashed).")
}


@router.get("", summary="List the trash", response_model=TrashedNotesPublic)
async def list_trash(
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Notes per page.")] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the last page.")] = None,
    tag: Annotated[list[str], Query(description="Only notes with all these tags.")] = [],  # noqa: B006
    since: SinceQuery = None,
    until: UntilQuery = None,
) -> Response:
    """The notes in the trash, most recently trashed first, a page at a time; each carries
    `trashed_at`. `since` and `until` keep the notes created in [since, until)."""
    start, end = moment(since), moment(until)
    page = await store.run(
        lambda notes: notes.trash_page(tags=tag, limit=limit, cursor=cursor, since=start, until=end)
    )
    items = [TrashedNotePublic.model_validate(note) for note in page.items]
    return json_response(TrashedNotesPublic(items=items, next_cursor=page.next_cursor))


@router.post(
    "/{note_id}/restore",
    summary="Restore a note from the trash",
    response_model=NotePublic,
    responses={200: ETAG, **NOT_IN_TRASH},
)
async def restore_note(note_id: NoteIdPath, store: StoreDep) -> Response:
    """Bring a note back from the trash exactly as it was: text, tags, `created_at` and
    `updated_at` unchanged (so is its `ETag`). The answer is the note."""
    [note] = await store.run(lambda notes: notes.restore([note_id]))
    return note_response(note)


@router.delete(
    "/{note_id}",
    status_code=204,
    summary="Delete a note in the trash for good",
    responses=NOT_IN_TRASH,
)
async def purge_note(note_id: NoteIdPath, store: StoreDep) -> Response:
    """Delete a note that is in the trash, and every earlier version of it, for good. Its
    id is never given to another note. A note that is not in the trash is a 404: move it
    there first with `DELETE /api/v1/notes/{id}`."""
    await store.run(lambda notes: notes.purge([note_id]))
    return Response(status_code=204)
