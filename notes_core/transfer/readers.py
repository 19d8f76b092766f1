"""Import readers: each turns one file format into ImportRecords, one at a time.

Every reader is a generator that streams (a million-line jsonl file never sits in
memory) and raises InvalidImport("<record>: <what is wrong>") at the first bad record, so
the store, which reads them inside one transaction, imports all of them or none.
`ImportSource` is where the bytes come from: a file, a folder, or stdin.
"""

import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO

from notes_core.dates import local_to_utc, parse_timestamp
from notes_core.errors import InvalidImport
from notes_core.transfer.json_stream import NESTED_TOO_DEEPLY, JsonScanner, JsonStreamError
from notes_core.transfer.markdown import parse_markdown_document
from notes_core.transfer.records import MAX_RECORD_BYTES, ImportRecord, describe
from notes_core.validation import shown

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

FORMATS = ("jsonl", "json", "jrnl", "markdown")
_BOM = b"\xef\xbb\xbf"
_MIB = MAX_RECORD_BYTES // (1024 * 1024)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 64 * 1024


# --- jsonl and json: our own export, and anything shaped like it -------------------------


def read_jsonl(stream: BinaryIO) -> Iterator[ImportRecord]:
    """One JSON object per line (blank lines skipped), each a note: see record_from_object.
    Raises InvalidImport naming the line."""
    number = 0
    while True:
        line = stream.readline(MAX_RECORD_BYTES + 1)
        if not line:
            return
        number += 1
        source = f"line {number}"
        if len(line) > MAX_RECORD_BYTES:
            raise InvalidImport(
                f"{source}: longer than {_MIB} MiB; a note's text is at most 1 MiB "
                "(is this one JSON object per line?)"
            )
        if number == 1:
            line = line.removeprefix(_BOM)
        if line.isspace() or not line:
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidImport(
                f"{source}: not valid UTF-8 (at byte offset {exc.start} of the line)"
            ) from None
        except json.JSONDecodeError as exc:
            raise InvalidImport(
                f"{source}: not valid JSON ({exc.msg} at column {exc.colno})"
            ) from None
        except RecursionError:  # `[[[[...`: the C decoder recurses once per level
            raise InvalidImport(f"{source}: {NESTED_TOO_DEEPLY}") from None
        yield record_from_object(value, source)


def read_json(stream: BinaryIO) -> Iterator[ImportRecord]:
    """A JSON array of note objects (what `notes export --format json` writes), streamed
    entry by entry. Raises InvalidImport naming the entry (1-based)."""
    scanner = JsonScanner(stream)
    count = 0
    try:
        first = scanner.peek()
        if first != "[":
            found = "an empty input" if not first else f"{first!r}"
            raise InvalidImport(
                f"not a JSON array of notes: it starts with {found} instead of '['"
                + (" (for one object per line use --format jsonl)" if first == "{" else "")
            )
        for value in scanner.items():
            count += 1
            yield record_from_object(value, f"entry {count}")
    except JsonStreamError as exc:
        raise InvalidImport(f"entry {count + 1}: {exc}") from None
    try:
        scanner.end()
    except JsonStreamError as exc:
        raise InvalidImport(f"after entry {count}: {exc}") from None


def record_from_object(value: object, source: str) -> ImportRecord:
    """A note from one JSON object: "text" (a string) is required; "tags" (a list of
    strings), "created_at", "updated_at" and "trashed_at" (ISO 8601 strings, local time
    without an offset, or null) and "pinned" (true or false) are optional; other keys
    (id...) are ignored. A missing updated_at is created_at. Raises InvalidImport naming
    `source`."""
    if not isinstance(value, dict):
        raise InvalidImport(
            f'{source}: expected a JSON object with "text", found {describe(value)}'
        )
    if "text" not in value:
        raise InvalidImport(f'{source}: no "text" (every note needs one)')
    text = value["text"]
    if not isinstance(text, str):
        raise InvalidImport(f'{source}: "text" must be a string, not {describe(text)}')
    tags = value.get("tags")
    if tags is None:
        tags = []
    elif not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidImport(f'{source}: "tags" must be a list of strings')
    created, updated, trashed = (
        None if value.get(key) is None else parse_timestamp(value[key], source, key)
        for key in ("created_at", "updated_at", "trashed_at")
    )
    pinned = value.get("pinned", False)
    if not isinstance(pinned, bool):
        raise InvalidImport(f'{source}: "pinned" must be true or false, not {describe(pinned)}')
    return ImportRecord(text, tags, created, updated or created, trashed, source, pinned)


# --- jrnl --format json -------------------------------------------------------------------


def read_jrnl(stream: BinaryIO) -> Iterator[ImportRecord]:
    """The entries of `jrnl --format json` output, streamed.

    Text is the title, then the body on the next line, as jrnl's own text export shows
    them (the title alone when the body is blank); created_at (and updated_at) is the
    entry's date and time in local time; tags lose their '@' or '#'; a starred entry gets
    the tag "starred". Raises InvalidImport naming the entry (1-based).
    """
    scanner = JsonScanner(stream)
    count = 0
    in_entries = found = False
    try:
        if scanner.peek() != "{":
            raise JsonStreamError("expected a JSON object")
        for key in scanner.members():
            if key != "entries":
                scanner.value()  # "tags": the counts, which the entries repeat
                continue
            found = in_entries = True
            for entry in scanner.items():
                count += 1
                yield _jrnl_record(entry, f"entry {count}")
            in_entries = False
        scanner.end()
    except JsonStreamError as exc:
        if in_entries:
            raise InvalidImport(f"entry {count + 1}: {exc}") from None
        raise InvalidImport(
            f"not a jrnl export: {exc} (the output of jrnl --format json)"
        ) from None
    if not found:
        raise InvalidImport(
            'not a jrnl export: no "entries" (expected the output of jrnl --format json)'
        )


def _jrnl_record(entry: object, source: str) -> ImportRecord:
    if not isinstance(entry, dict):
        raise InvalidImport(f"{source}: expected a JSON object, found {describe(entry)}")
    title, body = entry.get("title"), entry.get("body") or ""
    if not isinstance(title, str) or not isinstance(body, str):
        raise InvalidImport(f'{source}: "title" and "body" must be strings')
    created = _jrnl_moment(entry.get("date"), entry.get("time", "00:00"), source)
    tags = entry.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise InvalidImport(f'{source}: "tags" must be a list of strings')
    names = [tag[1:] if tag.startswith(("@", "#")) else tag for tag in tags]
    if entry.get("starred") is True:
        names.append("starred")
    # As jrnl's Entry.__str__ writes an entry (its file and `--format text`).
    body = body.rstrip("\n ")
    text = title.rstrip("\n ") + ("\n" + body if body else "")
    return ImportRecord(text, names, created, created, None, source)


def _jrnl_moment(day: object, clock: object, source: str) -> datetime:
    try:
        if not isinstance(day, str) or not isinstance(clock, str):
            raise ValueError
        return local_to_utc(datetime.combine(date.fromisoformat(day), time.fromisoformat(clock)))
    except (ValueError, OverflowError, OSError):
        raise InvalidImport(
            f"{source}: date {shown(str(day))} and time {shown(str(clock))} are not "
            "YYYY-MM-DD and HH:MM"
        ) from None


# --- markdown files and folders -----------------------------------------------------------


def read_markdown(path: Path) -> Iterator[ImportRecord]:
    """A .md file, or every .md file under a folder (see parse_markdown_document).

    A folder is walked folder by folder in name order, files before subfolders; hidden
    files and folders (.obsidian, .zk, .git, .trash), symlinked folders, and anything
    that is not a regular file (a named pipe, a socket) are skipped.
    Dates missing from the front matter come from the file's modification time. Sources
    are paths relative to `path`. Raises InvalidImport naming the file, or when a folder
    holds no .md file at all.
    """
    if path.is_dir():
        found = False
        for file, source in _markdown_files(path):
            found = True
            yield _markdown_file(file, source)
        if not found:
            raise InvalidImport(
                f"{path}: no .md files in this folder or below "
                "(hidden folders such as .obsidian are skipped)"
            )
    elif path.exists() or path.is_symlink():
        yield _markdown_file(path, str(path))
    else:
        raise InvalidImport(f"{path}: no such file or folder")


def read_markdown_stream(
    stream: BinaryIO, source: str = "stdin", modified: datetime | None = None
) -> Iterator[ImportRecord]:
    """One markdown document read from `stream` (stdin); dates it does not give are
    `modified`, or None ("now")."""
    yield parse_markdown_document(_read_limited(stream, source), source, modified)


_DIGITS = re.compile(r"(\d+)")


def natural_order(name: str) -> list[str | int]:
    """Sort key that puts `2-a.md` before `10-b.md`: numbers compare as numbers, so an
    export's `ID-words.md` files come back in id order."""
    return [int(part) if index % 2 else part for index, part in enumerate(_DIGITS.split(name))]


def _markdown_files(root: Path) -> Iterator[tuple[Path, str]]:
    """The .md files under `root` to read, with their sources, in read_markdown's order.

    Only regular files (or symlinks to them) are read: anything else named *.md, such as
    a named pipe, a socket or a device, is skipped silently, as a folder's hidden files
    are (opening a pipe would wait for a writer forever, a device could never end). A
    name that cannot be looked at (a dangling symlink) is kept, for the reader to name.
    """

    def fail(exc: OSError) -> None:
        where = Path(exc.filename).relative_to(root).as_posix() if exc.filename else str(root)
        raise InvalidImport(f"{where}: cannot be read ({exc.strerror})")

    for folder, subfolders, files in os.walk(root, onerror=fail):
        subfolders[:] = sorted(
            (name for name in subfolders if not name.startswith(".")), key=natural_order
        )
        for name in sorted(files, key=natural_order):
            if not name.startswith(".") and name.lower().endswith(".md"):
                file = Path(folder, name)
                if _is_regular_or_unknown(file):
                    yield file, file.relative_to(root).as_posix()


def _is_regular_or_unknown(file: Path) -> bool:
    """Whether `file` (or what it links to) is a regular file, or cannot be looked at."""
    try:
        return stat.S_ISREG(file.stat().st_mode)
    except OSError:
        return True


def _markdown_file(file: Path, source: str) -> ImportRecord:
    try:
        # Non-blocking, so that a file swapped for a named pipe after _markdown_files
        # looked at it is refused here instead of waiting for a writer.
        descriptor = os.open(file, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
        with open(descriptor, "rb") as handle:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise InvalidImport(f"{source}: not a regular file (a pipe, socket or device?)")
            data = _read_limited(handle, source)
    except OSError as exc:
        raise InvalidImport(f"{source}: cannot be read ({exc.strerror or exc})") from None
    return parse_markdown_document(data, source, _mtime(status))


def _mtime(status: os.stat_result) -> datetime:
    """A file's modification time, to the microsecond, in UTC."""
    return _EPOCH + timedelta(microseconds=status.st_mtime_ns // 1000)


def _read_limited(stream: BinaryIO, source: str) -> bytes:
    data = stream.read(MAX_RECORD_BYTES + 1)
    if len(data) > MAX_RECORD_BYTES:
        raise InvalidImport(f"{source}: larger than {_MIB} MiB; a note's text is at most 1 MiB")
    return data


# --- which format, and where the bytes come from ---------------------------------------


def detect_format(path: Path | None, head: bytes) -> str:
    """The format of an input: "jsonl", "json", "jrnl" or "markdown".

    A folder, or a file named *.md / *.markdown, is markdown. Otherwise `head` (the
    first bytes of the input, e.g. 64 KiB) decides, by its first character that is not
    whitespace:
    - `[`: json (an array of notes);
    - `{`: if the first line is a whole JSON object, it is jsonl, unless that object has
      "entries" and no "text" (jrnl's output on one line); if the first line is not a
      whole object (jrnl writes its JSON indented, or the line is longer than `head`),
      it is jrnl when the object's first key is "entries", or "tags" holding an object
      (how jrnl starts), else jsonl;
    - anything else (or nothing): jsonl, whose reader then names the line it cannot read.
    """
    if path is not None and (path.is_dir() or path.suffix.lower() in (".md", ".markdown")):
        return "markdown"
    text = head.removeprefix(_BOM).decode("utf-8", errors="replace").lstrip(" \t\r\n")
    if text.startswith("["):
        return "json"
    if not text.startswith("{"):
        return "jsonl"
    first_line = text.split("\n", 1)[0]
    try:
        value = json.loads(first_line)
    except (json.JSONDecodeError, RecursionError):  # the reader will say what is wrong
        return "jrnl" if _starts_like_jrnl(text) else "jsonl"
    is_jrnl = isinstance(value, dict) and "entries" in value and "text" not in value
    return "jrnl" if is_jrnl else "jsonl"


def _starts_like_jrnl(text: str) -> bool:
    scanner = JsonScanner(io.BytesIO(text.encode("utf-8")))
    try:
        for key in scanner.members():
            return key == "entries" or (key == "tags" and scanner.peek() == "{")
    except JsonStreamError:
        pass
    return False


class _CountingReader(io.RawIOBase):
    """Reads a stream, first replaying the bytes peeked at (`head`), counting bytes."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._head = b""
        self._replayed = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def peek_head(self, size: int) -> bytes:
        """The first `size` bytes (fewer only at the end), to be read again later."""
        while len(self._head) < size:
            data = self._stream.read(size - len(self._head))
            if not data:
                break
            self._head += data
            self.bytes_read += len(data)
        return self._head

    def readinto(self, buffer: "WriteableBuffer", /) -> int:
        view = memoryview(buffer).cast("B")
        if self._replayed < len(self._head):
            data = self._head[self._replayed : self._replayed + len(view)]
            self._replayed += len(data)
        else:
            data = self._stream.read(len(view))
            self.bytes_read += len(data)
        view[: len(data)] = data
        return len(data)


class ImportSource:
    """The input of `notes import`: a file, a folder of markdown files, or stdin (`-`).

        with ImportSource.open(target, stdin=sys.stdin.buffer) as source:
            notes.import_records(source.records(format), progress=...)

    `head` holds the first bytes of a stream, peeked without consuming them (stdin
    cannot be read twice), for detect_format; `bytes_read` and `total_bytes` (None when
    unknown: a pipe, a folder) tell a progress bar how far the readers are.
    """

    HEAD_BYTES = 64 * 1024

    def __init__(self, path: Path | None, stream: BinaryIO | None, *, owned: bool) -> None:
        self.path = path
        self.total_bytes = _regular_file_size(stream) if stream is not None else None
        self._raw = _CountingReader(stream) if stream is not None else None
        self._owned = stream if owned else None
        self.head = self._raw.peek_head(self.HEAD_BYTES) if self._raw is not None else b""
        self._stream = io.BufferedReader(self._raw, CHUNK) if self._raw is not None else None

    @classmethod
    def open(cls, target: str, *, stdin: BinaryIO) -> "ImportSource":
        """`target` is a path, or `-` for `stdin`. Raises InvalidImport when it cannot
        be read."""
        if target == "-":
            return cls(None, stdin, owned=False)
        path = Path(target)
        if path.is_dir():
            return cls(path, None, owned=False)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise InvalidImport(f"{target}: no such file or folder") from None
        except OSError as exc:
            raise InvalidImport(f"{target}: cannot be read ({exc.strerror or exc})") from None
        try:
            return cls(path, handle, owned=True)
        except OSError as exc:  # reading its first bytes failed
            handle.close()
            raise InvalidImport(f"{target}: cannot be read ({exc.strerror or exc})") from None

    @property
    def bytes_read(self) -> int:
        return self._raw.bytes_read if self._raw is not None else 0

    @property
    def name(self) -> str:
        return "stdin" if self.path is None else str(self.path)

    def detect_format(self) -> str:
        return detect_format(self.path, self.head)

    def records(self, format: str = "auto") -> Iterator[ImportRecord]:
        """The records of the input in `format` ("auto": detect_format). Raises
        InvalidImport for a format the input cannot have (a folder is only markdown)."""
        chosen = self.detect_format() if format == "auto" else format
        if chosen not in FORMATS:
            raise InvalidImport(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
        if self._stream is None:
            if chosen != "markdown":
                raise InvalidImport(f"{self.name} is a folder: only markdown reads folders")
            assert self.path is not None
            return read_markdown(self.path)
        if chosen == "markdown":
            return read_markdown_stream(self._stream, self.name, self._modified())
        return _STREAM_READERS[chosen](self._stream)

    def close(self) -> None:
        """Close the file it opened (never stdin)."""
        if self._stream is not None:
            self._stream.close()  # leaves the stream under it open
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> "ImportSource":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _modified(self) -> datetime | None:
        if self.path is None:
            return None
        try:
            return _mtime(self.path.stat())
        except OSError:
            return None


_STREAM_READERS: dict[str, Callable[[BinaryIO], Iterator[ImportRecord]]] = {
    "jsonl": read_jsonl,
    "json": read_json,
    "jrnl": read_jrnl,
}


def _regular_file_size(stream: BinaryIO) -> int | None:
    """The size of a stream that is a regular file (also stdin redirected from one)."""
    try:
        status = os.fstat(stream.fileno())
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None
