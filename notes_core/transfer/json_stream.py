"""A big JSON document read one value at a time, so memory stays flat.

`json.load` holds the whole document (and every object in it) at once. JsonScanner keeps
a text buffer of about one value: it decodes UTF-8 as bytes arrive, hands each value to
the C decoder (`JSONDecoder.raw_decode`), and reads more only when a value is cut short.
"""

import codecs
import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from notes_core.transfer.records import MAX_RECORD_BYTES

CHUNK_BYTES = 64 * 1024
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_BOM = codecs.BOM_UTF8


# Said of JSON nested deeper than Python's decoder recurses (about 1,000 levels, fewer
# when called deep in a stack); no note comes near: it is strings and a list of tags.
NESTED_TOO_DEEPLY = "the JSON is nested too deeply to read"


class JsonStreamError(ValueError):
    """The document is not valid JSON, or not UTF-8, where the scanner is reading."""


class JsonScanner:
    """Reads one JSON document from `stream` piece by piece: `items()` streams an array,
    `members()` an object's keys; `value()` reads the next value whole."""

    def __init__(self, stream: BinaryIO, *, max_value_bytes: int = MAX_RECORD_BYTES) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._max_value = max_value_bytes
        self._text = ""
        self._pos = 0
        self._bytes_in = 0
        self._started = False
        self._ended = False
        self._bad_byte: int | None = None  # offset of the first byte that is not UTF-8

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end), left unread."""
        while True:
            match = _WHITESPACE.match(self._text, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._text):
                return self._text[self._pos]
            if not self._read_more():
                self._check_encoding()
                return ""

    def expect(self, char: str) -> None:
        """Consume `char` as the next character that is not whitespace."""
        found = self.peek()
        if found != char:
            raise JsonStreamError(f"expected {char!r} but found {_shown_char(found)}")
        self._pos += 1

    def value(self) -> object:
        """The next value, whole (for one entry, or a small value skipped past)."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._text, self._pos)
            except RecursionError:
                # `[[[[...` a thousand deep: the C decoder recurses once per level.
                raise JsonStreamError(NESTED_TOO_DEEPLY) from None
            except json.JSONDecodeError as exc:
                if self._read_more():
                    continue  # the value was cut short by the end of the buffer
                self._check_encoding()
                raise JsonStreamError(f"not valid JSON ({exc.msg})") from None
            # A number that ends the buffer may go on in the next chunk.
            if end == len(self._text) and self._read_more():
                continue
            self._pos = end
            return value

    def items(self) -> Iterator[object]:
        """The values of the array that comes next, one at a time."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            found = self.peek()
            self._pos += 1
            if found == "]":
                return
            if found != ",":
                raise JsonStreamError(
                    f"expected ',' or ']' after the entry but found {_shown_char(found)}"
                )

    def members(self) -> Iterator[str]:
        """The keys of the object that comes next. After each key the caller reads its
        value (`value()` or `items()`) before asking for the next key."""
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise JsonStreamError(f"expected a key but found {_shown_char(self.peek())}")
            key = self.value()
            assert isinstance(key, str)  # a JSON value that starts with '"' is a string
            self.expect(":")
            yield key
            found = self.peek()
            self._pos += 1
            if found == "}":
                return
            if found != ",":
                raise JsonStreamError(f"expected ',' or '}}' but found {_shown_char(found)}")

    def end(self) -> None:
        """Check that nothing but whitespace follows the document."""
        found = self.peek()
        if found:
            raise JsonStreamError(f"unexpected {_shown_char(found)} after the end of the JSON")

    def _read_more(self) -> bool:
        """Add text to the buffer; False when no more can come (the end, or bytes that
        are not UTF-8). Reads as much again as is buffered, so that re-parsing a value
        that spans many chunks costs O(its size) in all."""
        pending = len(self._text) - self._pos
        if pending > self._max_value:
            raise JsonStreamError(
                f"an entry is larger than {self._max_value // (1024 * 1024)} MiB, or the JSON "
                "is broken (a note's text is at most 1 MiB)"
            )
        while not self._ended and self._bad_byte is None:
            data = self._stream.read(max(CHUNK_BYTES, pending))
            if not self._started:
                self._started = True
                if data.startswith(_BOM):  # Windows tools write one; JSON has no use for it
                    data, self._bytes_in = data[len(_BOM) :], len(_BOM)
            already = len(self._decoder.getstate()[0])
            try:
                text = self._decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                # Keep the valid text before it: the entries there are still read, and
                # the error is raised when the scanner reaches the bad byte.
                text = exc.object[: exc.start].decode("utf-8")
                self._bad_byte = self._bytes_in - already + exc.start
            self._bytes_in += len(data)
            self._ended = not data
            if text:
                self._text = self._text[self._pos :] + text
                self._pos = 0
                return True
        return False

    def _check_encoding(self) -> None:
        if self._bad_byte is not None:
            raise JsonStreamError(f"not valid UTF-8 (at byte offset {self._bad_byte})")


def _shown_char(char: str) -> str:
    return repr(char) if char else "the end of the input"
