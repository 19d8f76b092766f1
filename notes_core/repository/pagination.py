"""Pages of results and their opaque cursors."""

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, TypeVar

from notes_core.errors import InvalidInput

T = TypeVar("T")
MAX_CURSOR_VALUE = 2**63 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results, and the opaque cursor for the next one (None at the end)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(kind: str, *values: int) -> str:
    raw = ":".join([kind, *map(str, values)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> int:
    """The value of a cursor of `kind`. Raises InvalidInput for anything else."""
    (number,) = decode_cursor_values(cursor, kind, count=1)
    return number


def _decode(cursor: str) -> tuple[str, list[str]]:
    """The kind and the values of a cursor. Raises InvalidInput if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page") from None
    kind, *values = raw.split(":")
    return kind, values


def cursor_kind(cursor: str) -> str:
    """The kind a cursor was made with (decode it with that kind to read its values).
    Raises InvalidInput if it is not a cursor at all."""
    return _decode(cursor)[0]


def decode_cursor_values(cursor: str, kind: str, *, count: int) -> tuple[int, ...]:
    """The `count` values of a cursor of `kind`. Raises InvalidInput for anything else."""
    invalid = InvalidInput("cursor is not valid; use the next_cursor of a previous page")
    found, values = _decode(cursor)
    try:
        numbers = tuple(int(value) if len(value) <= 19 else -1 for value in values)
    except ValueError:
        raise invalid from None
    if found != kind or len(numbers) != count:
        raise invalid
    if not all(0 <= number <= MAX_CURSOR_VALUE for number in numbers):
        raise invalid
    return numbers


# Cursors of moments count microseconds from here: never negative, whatever year a note
# (imported with its dates) was trashed or changed in.
FIRST_MOMENT = datetime.min.replace(tzinfo=UTC)


def encode_moment_cursor(kind: str, moment: datetime, note_id: int) -> str:
    """A cursor after the note `note_id` at `moment`, for orders by (a date, id)."""
    return encode_cursor(kind, (moment - FIRST_MOMENT) // timedelta(microseconds=1), note_id)


def decode_moment_cursor(cursor: str, kind: str) -> tuple[datetime, int]:
    """The (moment, id) of a cursor of `kind`. Raises InvalidInput for anything else."""
    micros, note_id = decode_cursor_values(cursor, kind, count=2)
    try:
        return FIRST_MOMENT + timedelta(microseconds=micros), note_id
    except OverflowError:  # past year 9999: no cursor this store handed out
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page") from None
