"""What every import reader yields: one note's raw content, checked later by the store."""

from dataclasses import dataclass
from datetime import datetime

# The most one record (a jsonl line, a json entry, a markdown file) may take in its file.
# A note's text is at most 1 MiB encoded; JSON escapes can make that 6 MiB (\u0001), and
# front matter or 1,000 tags add more. Beyond this a record is refused before it is read
# whole, so a file without line breaks cannot exhaust memory.
MAX_RECORD_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImportRecord:
    """A note as a file holds it. `text` and `tags` are raw (the store checks them with
    notes_core.validation); dates are aware, None meaning "now"; `source` names the record
    in error messages ("line 12", "entry 3", "notes/a.md")."""

    text: str | bytes
    tags: list[str]
    created_at: datetime | None
    updated_at: datetime | None
    trashed_at: datetime | None
    source: str
    pinned: bool = False


def describe(value: object) -> str:
    """What kind of JSON or YAML value `value` is, for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
