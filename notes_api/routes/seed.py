"""The seed's two endpoints, kept exactly as its clients know them."""

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from notes_api.admission import Admission
from notes_api.deps import StoreDep
from notes_api.strict_json import StrictJSONRoute
from notes_core import repository
from notes_core.engine import Store
from notes_core.models import Note
from notes_core.session import session_scope

router = APIRouter(tags=["seed"], route_class=StrictJSONRoute)


class SeedNoteIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class SeedNoteId(BaseModel):
    id: int


@router.post("/add_note", response_model=SeedNoteId)
def add_note(body: SeedNoteIn, store: StoreDep) -> SeedNoteId:
    """Add a note; answers `{"id": <int>}` (the seed's endpoint; new clients use
    `POST /api/v1/notes`)."""
    with session_scope(store, write=True) as session:
        return SeedNoteId(id=repository.add(session, text=body.text).id)


@router.get(
    "/notes",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "Every note's text by id, in id order.",
            "content": {
                "application/json": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}}
                }
            },
        }
    },
)
def all_notes(request: Request, store: StoreDep) -> StreamingResponse:
    """Every note as `{"<id>": "<text>", ...}` in id order (the seed's endpoint). Streamed,
    so memory stays flat however many notes there are."""
    # The first page is read in this route's turn at the store, so a saturated store
    # still answers 503; the pages after it take turns of their own (see _stream_object).
    first = _page(store, after_id=0)
    admission: Admission = request.app.state.admission
    return StreamingResponse(_stream_object(store, admission, first), media_type="application/json")


def _page(store: Store, *, after_id: int) -> list[Note]:
    # One page per transaction, so a slow reader never holds the store open.
    with session_scope(store) as session:
        return repository.list_notes(
            session, after_id=after_id, newest_first=False, limit=repository.BATCH_SIZE
        )


async def _stream_object(
    store: Store, admission: Admission, page: list[Note]
) -> AsyncIterator[str]:
    # Rendered the way FastAPI renders a dict (compact, UTF-8). Each page after the first
    # waits for a turn at the store, between sends: a slow reader holds none.
    yield "{"
    separator = ""
    while page:
        yield separator + ",".join(
            f"{json.dumps(str(note.id))}:{json.dumps(note.text, ensure_ascii=False)}"
            for note in page
        )
        separator = ","
        page = await admission.run(_page, store, after_id=page[-1].id)
    yield "}"
