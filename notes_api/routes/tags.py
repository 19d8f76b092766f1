"""The tags in use over HTTP: /api/v1/tags."""

from fastapi import APIRouter, Response

from notes_api.deps import StoreDep
from notes_api.routes.notes import json_response
from notes_api.strict_json import StrictJSONRoute
from notes_core.schemas import TagPublic, TagsPublic

router = APIRouter(prefix="/api/v1/tags", tags=["tags"], route_class=StrictJSONRoute)


@router.get("", summary="List the tags in use", response_model=TagsPublic)
async def list_tags(store: StoreDep) -> Response:
    """Every tag carried by at least one note, with how many notes carry it, sorted by
    name. Notes in the trash are not counted: a tag only they carry is not listed."""
    items = [TagPublic.of(tag) for tag in await store.run(lambda notes: notes.tags())]
    return json_response(TagsPublic(items=items))
