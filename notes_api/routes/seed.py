"""The seed's two endpoints, kept exactly as its clients know them."""

import json
from collections.abc import AsyncIterator
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from notes_api.admission import Admission
from notes_api.deps import StoreDep
from notes_api.store_calls import StoreCalls, group_committed
from notes_api.strict_json import StrictJSONRoute
from notes_core.library import Notes, Page
from notes_core.models import Note
from notes_core.validation import clean_text

router = APIRouter(tags=["seed"], route_class=StrictJSONRoute)
PAGE_SIZE = 500


class SeedNoteIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    text: str


class SeedNoteId(BaseModel):
    id: int


@router.post("/add_note", response_model=SeedNoteId)
@group_committed
async def add_note(body: SeedNoteIn, store: StoreDep) -> SeedNoteId:
    """Add a note; answers `{"id": <int>}` (the seed's endpoint; new clients use
    `POST /api/v1/notes`)."""
    clean_text(body.text)  # before it is queued: a bad note never joins a batch
    note = await store.write(lambda notes: notes.add(body.text))
    return SeedNoteId(id=note.id)


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
async def all_notes(request: Request, store: StoreDep) -> StreamingResponse:
    """Every note as `{"<id>": "<text>", ...}` in id order (the seed's endpoint). Streamed,
    so memory stays flat however many notes there are."""
    # The first page is read in this route's turn at the store, so a saturated store
    # still answers 503; the pages after it take turns of their own (see _stream_object).
    first = await store.run(partial(_page, cursor=None))
    admission: Admission = request.app.state.admission
    return StreamingResponse(_stream_object(store, admission, first), media_type="application/json")


def _page(notes: Notes, *, cursor: str | None) -> Page[Note]:
    # One page per transaction, so a slow reader never holds the store open.
    return notes.page(limit=PAGE_SIZE, cursor=cursor, oldest_first=True)


async def _stream_object(
    store: StoreCalls, admission: Admission, page: Page[Note]
) -> AsyncIterator[str]:
    # Rendered the way FastAPI renders a dict (compact, UTF-8). Each page after the first
    # waits for a turn at the store, between sends: a slow reader holds none.
    yield "{"
    separator = ""
    while True:
        if page.items:
            yield separator + ",".join(
                f"{json.dumps(str(note.id))}:{json.dumps(note.text, ensure_ascii=False)}"
                for note in page.items
            )
            separator = ","
        if page.next_cursor is None:
            break
        # Patient: with the answer under way, there is no way left to say 503.
        async with admission.turn(patient=True):
            page = await store.run(partial(_page, cursor=page.next_cursor))
    yield "}"
