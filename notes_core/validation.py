"""The rules of a note, in one place. Both doors call these through the repository."""

from collections.abc import Iterable

from notes_core.errors import InvalidInput, InvalidNote

MAX_TEXT_BYTES = 1024 * 1024
MAX_TAG_CHARS = 64


def clean_text(text: str | bytes) -> str:
    """Return the text of a note, or raise InvalidNote.

    Text must be valid UTF-8, contain no NUL (PostgreSQL cannot store one), not be blank,
    and be at most 1 MiB encoded.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidNote(
                f"note text is not valid UTF-8 (bad byte at offset {exc.start})"
            ) from None
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        # argv that is not UTF-8 arrives as lone surrogates (PEP 383).
        raise InvalidNote("note text is not valid UTF-8") from None
    if "\x00" in text:
        raise InvalidNote("note text contains a NUL character")
    if not text.strip():
        raise InvalidNote("note text is empty")
    if size > MAX_TEXT_BYTES:
        raise InvalidNote(
            f"note text is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes (1 MiB)"
        )
    return text


def clean_tag(tag: str) -> str:
    """Return a tag lower-cased, or raise InvalidNote."""
    name = tag.lower()
    if not 1 <= len(name) <= MAX_TAG_CHARS:
        raise InvalidNote(f"tag {tag!r} must be 1-{MAX_TAG_CHARS} characters")
    if any(ch.isspace() or ch == "," for ch in name):
        raise InvalidNote(f"tag {tag!r} must not contain whitespace or commas")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidNote("tag is not valid UTF-8") from None
    if "\x00" in name:
        raise InvalidNote("tag contains a NUL character")
    return name


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Return tags lower-cased, unique and sorted, or raise InvalidNote."""
    return sorted({clean_tag(tag) for tag in tags})


def parse_note_id(value: str | int) -> int:
    """Return a note id from user input, or raise InvalidInput."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
        number = int(value)
    else:
        raise InvalidInput(f"{value!r} is not a note id (ids are whole numbers from 1)")
    if number < 1 or number > 2**63 - 1:
        raise InvalidInput(f"{value!r} is not a note id (ids are whole numbers from 1)")
    return number


def check_limit(limit: int | None) -> int | None:
    """Return a result limit, or raise InvalidInput when it is not positive."""
    if limit is not None and limit < 1:
        raise InvalidInput(f"limit must be at least 1, not {limit}")
    return limit
