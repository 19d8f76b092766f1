"""Pages of results and their opaque cursors."""

import base64
import binascii
from dataclasses import dataclass
from typing import Generic, TypeVar

from notes_core.errors import InvalidInput

T = TypeVar("T")
MAX_CURSOR_VALUE = 2**63 - 1


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of results, and the opaque cursor for the next one (None at the end)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> int:
    """The value of a cursor of `kind`. Raises InvalidInput for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        found, _, value = raw.partition(":")
        number = int(value) if len(value) <= 19 else -1
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page") from None
    if found != kind or not 0 <= number <= MAX_CURSOR_VALUE:
        raise InvalidInput("cursor is not valid; use the next_cursor of a previous page")
    return number
