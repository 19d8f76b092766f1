"""The pages under `/`: notes, search, a note and its history, forms, trash, tags.

Each route parses its input, calls one method of the library (`Notes`) and renders a
template; writes answer with a 303 to the page that shows the result (POST-redirect-GET).
None of these routes is in the OpenAPI schema.
"""

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from notes_api.admission import store_turn
from notes_api.deps import NotesDep
from notes_api.errors import status_for
from notes_api.web.auth import FormFields, local_path, require_sign_in
from notes_api.web.errors import NoSuchPage, PageRoute
from notes_api.web.render import TITLE_CHARS, page, snippet_parts
from notes_core.errors import InvalidInput, InvalidNote, NoteChanged
from notes_core.validation import parse_note_id, parse_version

PAGE_SIZE = 50


async def body_first(request: Request) -> None:
    """Read a POST's body now (Starlette keeps it for the form check that follows)."""
    if request.method == "POST":
        await request.body()


TagsQuery = Annotated[list[str], Query()]

router = APIRouter(
    route_class=PageRoute,
    include_in_schema=False,
    # A form is read whole before its turn at the store: a slow upload holds no turn.
    dependencies=[
        Depends(require_sign_in),
        Depends(body_first),
        Depends(store_turn, scope="function"),
    ],
    default_response_class=HTMLResponse,
)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def query_url(path: str, params: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def form_tags(value: str) -> list[str]:
    """The tags field: names separated by spaces or commas (which no tag holds)."""
    return [name for name in re.split(r"[\s,]+", value) if name]


def form_text(value: str) -> str:
    # Browsers send a textarea's line breaks as CRLF; the CLI stores what you type, LF.
    return value.replace("\r\n", "\n")


def as_a_form_sends_it(text: str) -> str:
    """`text` as it comes back from a textarea through form_text: every line break LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


@router.get("/")
def list_notes(
    request: Request,
    notes: NotesDep,
    tag: TagsQuery = [],  # noqa: B006 (FastAPI copies it)
    cursor: str | None = None,
) -> Response:
    listing = notes.page(tags=tag, limit=PAGE_SIZE, cursor=cursor)
    tag_params = [("tag", name) for name in tag]
    older = listing.next_cursor and query_url("/", [*tag_params, ("cursor", listing.next_cursor)])
    return page(
        request,
        "list.html",
        {"notes": listing.items, "tags": tag, "older": older, "first_page": cursor is None},
    )


@router.get("/search")
def search(
    request: Request,
    notes: NotesDep,
    q: str = "",
    tag: TagsQuery = [],  # noqa: B006 (FastAPI copies it)
    cursor: str | None = None,
) -> Response:
    if not q.strip():
        return page(request, "search.html", {"q": q, "hits": None, "tags": tag})
    found = notes.search_page(q, tags=tag, limit=PAGE_SIZE, cursor=cursor)
    hits = [(hit.note, snippet_parts(hit.snippet, hit.highlights)) for hit in found.items]
    params = [("q", q), *(("tag", name) for name in tag)]
    more = found.next_cursor and query_url("/search", [*params, ("cursor", found.next_cursor)])
    return page(request, "search.html", {"q": q, "hits": hits, "tags": tag, "more": more})


@router.get("/tags")
def tags(request: Request, notes: NotesDep) -> Response:
    return page(request, "tags.html", {"tag_counts": notes.tags()})


@router.get("/new")
def new_note_form(request: Request) -> Response:
    return page(request, "form.html", {"note": None, "text": "", "tag_field": ""})


@router.post("/new")
def add_note(request: Request, notes: NotesDep, form: FormFields) -> Response:
    text, tag_field = form_text(form.get("text", "")), form.get("tags", "")
    try:
        note = notes.add(text, tags=form_tags(tag_field))
    except InvalidNote as exc:
        context = {"note": None, "text": text, "tag_field": tag_field, "error": exc}
        return page(request, "form.html", context, status_code=status_for(exc))
    return see_other(f"/note/{note.id}")


@router.get("/note/{note_id}")
def show_note(request: Request, note_id: str, notes: NotesDep) -> Response:
    number = parse_note_id_or_404(note_id)
    with notes.transaction() as tx:  # the note and its history as of one moment
        note = tx.get(number)
        # The list shows each version's first line: a few KB of each is enough.
        history = tx.history(number, preview=TITLE_CHARS * 40)
    return page(request, "note.html", {"note": note, "history": history})


@router.get("/note/{note_id}/versions/{number}")
def show_version(request: Request, note_id: str, number: str, notes: NotesDep) -> Response:
    version = notes.revision(parse_note_id_or_404(note_id), parse_version(number))
    return page(request, "version.html", {"version": version})


@router.get("/note/{note_id}/edit")
def edit_note_form(request: Request, note_id: str, notes: NotesDep) -> Response:
    note = notes.get(parse_note_id_or_404(note_id))
    context = {"note": note, "etag": note.etag, "text": note.text, "tag_field": " ".join(note.tags)}
    return page(request, "form.html", context)


@router.post("/note/{note_id}/edit")
def edit_note(request: Request, note_id: str, notes: NotesDep, form: FormFields) -> Response:
    number = parse_note_id_or_404(note_id)
    text, tag_field = form_text(form.get("text", "")), form.get("tags", "")
    # The version the form was opened on: a change made since is never overwritten.
    etag = form.get("etag") or None
    # A text that only came back through the textarea (its CRLF or CR line breaks as LF)
    # is not an edit: the stored text stays exactly as it is.
    unchanged = as_a_form_sends_it(notes.get(number).text) == text
    try:
        note = notes.update(
            number, text=None if unchanged else text, tags=form_tags(tag_field), if_match=etag
        )
    except (InvalidNote, NoteChanged) as exc:
        current = notes.get(number)
        context = {
            "note": current,
            "etag": etag if isinstance(exc, InvalidNote) else current.etag,
            "text": text,
            "tag_field": tag_field,
            "error": exc,
            "changed": isinstance(exc, NoteChanged),
        }
        return page(request, "form.html", context, status_code=status_for(exc))
    return see_other(f"/note/{note.id}")


@router.post("/note/{note_id}/revert")
def revert_note(note_id: str, notes: NotesDep, form: FormFields) -> Response:
    note = notes.revert(parse_note_id_or_404(note_id), parse_version(form.get("version", "")))
    return see_other(f"/note/{note.id}")


@router.post("/note/{note_id}/pin")
def pin_note(note_id: str, notes: NotesDep, form: FormFields) -> Response:
    number = parse_note_id_or_404(note_id)
    if form.get("pinned") == "false":
        notes.unpin([number])
    else:
        notes.pin([number])
    return see_other(local_path(form.get("next", "")) if form.get("next") else f"/note/{number}")


@router.post("/note/{note_id}/trash")
def trash_note(note_id: str, notes: NotesDep, form: FormFields) -> Response:
    notes.trash([parse_note_id_or_404(note_id)])
    return see_other("/")


@router.get("/trash")
def trash(request: Request, notes: NotesDep, cursor: str | None = None) -> Response:
    listing = notes.trash_page(limit=PAGE_SIZE, cursor=cursor)
    older = listing.next_cursor and query_url("/trash", [("cursor", listing.next_cursor)])
    return page(request, "trash.html", {"notes": listing.items, "older": older})


@router.post("/trash/{note_id}/restore")
def restore_note(note_id: str, notes: NotesDep, form: FormFields) -> Response:
    [note] = notes.restore([parse_note_id_or_404(note_id)])
    return see_other(f"/note/{note.id}")


@router.post("/trash/{note_id}/purge")
def purge_note(note_id: str, notes: NotesDep, form: FormFields) -> Response:
    notes.purge([parse_note_id_or_404(note_id)])
    return see_other("/trash")


def parse_note_id_or_404(value: str) -> int:
    try:
        return parse_note_id(value)
    except InvalidInput:
        raise NoSuchPage(f"there is no note {value[:20]!r}") from None
