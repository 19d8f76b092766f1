"""Pydantic schemas shared by both doors: `notes list --json` and the API print the same JSON."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, StrictBool
from pydantic.json_schema import SkipJsonSchema

from notes_core.models import Note, Revision, TagCount
from notes_core.repository import SearchHit

Timestamp = Annotated[
    datetime,
    # Always `+00:00` and microseconds, as the contract shows, never pydantic's `Z`.
    PlainSerializer(lambda value: value.isoformat(timespec="microseconds"), return_type=str),
]


Text = Annotated[
    str, Field(description="The note's text: not blank, at most 1 MiB of UTF-8, no NUL.")
]
Tags = Annotated[
    list[str],
    Field(
        description="At most 1,000 tags, stored NFKC-normalised and case-folded, unique and "
        "sorted; each 1-64 characters after that, with no whitespace, commas, control or "
        "invisible format characters."
    ),
]


class NoteCreate(BaseModel):
    """A new note. The rules are checked by notes_core.validation, once, for both doors."""

    model_config = ConfigDict(extra="forbid")
    text: Text
    tags: Tags = []


class NoteUpdate(BaseModel):
    """Fields to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")
    text: Text | None = None
    tags: Tags | None = None
    pinned: StrictBool | None = Field(
        default=None, description="Pin (true) or unpin (false): pinned notes are listed first."
    )


class NotePublic(BaseModel):
    """A stored note, as both doors print it."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    text: Text
    tags: Tags
    created_at: Timestamp
    updated_at: Timestamp
    pinned: bool = Field(description="Whether the note is pinned: listed before the others.")

    @classmethod
    def of(cls, note: Note) -> "NotePublic":
        return cls.model_validate(note)


class TrashedNotePublic(NotePublic):
    """A note in the trash: a stored note and when it was moved there."""

    trashed_at: Timestamp


def note_public(note: Note) -> NotePublic:
    """A note as both doors print it: with `trashed_at` when it is in the trash."""
    if note.trashed_at is not None:
        return TrashedNotePublic.model_validate(note)
    return NotePublic.model_validate(note)


class RevisionPublic(BaseModel):
    """One version of a note: 1 is the oldest; the one with `current` true is the note."""

    model_config = ConfigDict(from_attributes=True)
    note_id: int
    revision: int = Field(description="The version's number, from 1 (the oldest).")
    text: Text
    tags: Tags
    updated_at: Timestamp = Field(description="When this version was made.")
    current: bool = Field(description="Whether this is the note as it is now.")

    @classmethod
    def of(cls, revision: Revision) -> "RevisionPublic":
        return cls.model_validate(revision)


class NoteHit(NotePublic):
    """A search result: the note, and a snippet of its text around the match."""

    snippet: str = Field(description="A short excerpt of the text around the match.")
    highlights: list[tuple[int, int]] = Field(
        description="[start, end) character offsets of the matched words in `snippet`."
    )

    @classmethod
    def of_hit(cls, hit: SearchHit) -> "NoteHit":
        return cls.model_validate(
            {
                **NotePublic.of(hit.note).__dict__,
                "snippet": hit.snippet,
                "highlights": hit.highlights,
            }
        )


def _left_out_when_absent(schema: dict[str, Any]) -> None:
    # The key is absent, never null: the schema says "optional string", not "string or null".
    schema.pop("default", None)


# What `GET /api/v1/notes` declares; it answers with NotesPublic or NoteHitsPublic, the
# same JSON, encoded once (notes_api/routes/notes.py).
class ListedNote(NotePublic):
    """A note in a listing: a search (`q`) adds `snippet` and `highlights`; a plain listing
    leaves both keys out."""

    snippet: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Search only: a short excerpt of the text around the match.",
        json_schema_extra=_left_out_when_absent,
    )
    highlights: list[tuple[int, int]] | SkipJsonSchema[None] = Field(
        default=None,
        description="Search only: [start, end) character offsets of the matched words in "
        "`snippet`.",
        json_schema_extra=_left_out_when_absent,
    )


class NotesPage(BaseModel):
    """A page of `GET /api/v1/notes`: one schema for a listing and a search, so that a
    client generated from the OpenAPI document reads both the same way."""

    items: list[ListedNote]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class NotesPublic(BaseModel):
    """A plain listing's page as the API encodes it (declared as NotesPage)."""

    items: list[NotePublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class TrashedNotesPublic(BaseModel):
    items: list[TrashedNotePublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class RevisionsPublic(BaseModel):
    items: list[RevisionPublic]


class NoteHitsPublic(BaseModel):
    """A search's page as the API encodes it (declared as NotesPage)."""

    items: list[NoteHit]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class TagPublic(BaseModel):
    """A tag in use and how many notes carry it (notes in the trash are not counted)."""

    model_config = ConfigDict(from_attributes=True)
    name: str = Field(description="The tag, as stored (normalised).")
    count: int = Field(description="How many live notes carry it (at least 1).")

    @classmethod
    def of(cls, tag: TagCount) -> "TagPublic":
        return cls.model_validate(tag)


class TagsPublic(BaseModel):
    items: list[TagPublic] = Field(description="Every tag in use, by name.")
