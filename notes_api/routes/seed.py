"""The seed's two endpoints, kept exactly as its clients know them."""

import json
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict

from notes_api.deps import StoreDep
from notes_core import repository
from notes_core.engine import Store
from notes_core.session import session_scope

router = APIRouter(tags=["seed"])


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
def all_notes(store: StoreDep) -> StreamingResponse:
    """Every note as `{"<id>": "<text>", ...}` in id order (the seed's endpoint). Streamed,
    so memory stays flat however many notes there are."""
    return StreamingResponse(_stream_object(store), media_type="application/json")


def _stream_object(store: Store) -> Iterator[str]:
    # Rendered the way FastAPI renders a dict (compact, UTF-8), one page per transaction
    # so a slow reader never holds the store open.
    yield "{"
    last_id = 0
    separator = ""
    while True:
        with session_scope(store) as session:
            page = repository.list_notes(
                session, after_id=last_id, newest_first=False, limit=repository.BATCH_SIZE
            )
        if not page:
            break
        yield separator + ",".join(
            f"{json.dumps(str(note.id))}:{json.dumps(note.text, ensure_ascii=False)}"
            for note in page
        )
        separator = ","
        last_id = page[-1].id
    yield "}"
