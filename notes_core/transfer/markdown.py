"""One note as a markdown document: YAML front matter between `---` lines, then the text.

What `notes export --format markdown` writes and `notes import` reads back exactly; the
reader also takes what zk, Obsidian, nb and Joplin ("Markdown + Front Matter") write.
PyYAML (its C parser when built with libyaml) is imported only when a document is
written or read: `notes add` never pays for it.
"""

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from notes_core.dates import has_iso_form, local_midnight, local_to_utc, parse_timestamp
from notes_core.errors import InvalidImport
from notes_core.transfer.records import ImportRecord, describe

if TYPE_CHECKING:
    from notes_core.models import Note

SLUG_CHARS = 40
# The opening line must be the document's first; the closing one is the next line that
# is `---` alone (trailing blanks allowed, as Jekyll, Hugo and Obsidian allow them).
_OPENING = re.compile(r"---[ \t]*\r?\n")
_CLOSING = re.compile(r"^---[ \t]*(?:\r?\n|\Z)", re.MULTILINE)
_HEADING = re.compile(r"#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_TAG_SEPARATORS = re.compile(r"[\s,]+")
_WORD = re.compile(r"[a-z0-9]+")


# --- writing -------------------------------------------------------------------------


def markdown_document(note: "Note") -> bytes:
    """The note as a UTF-8 markdown document: front matter with `id`, `created`,
    `updated`, `tags` (and `pinned: true` for a pinned note, `trashed` for a note in the
    trash), then the text exactly."""
    import yaml

    meta: dict[str, object] = {
        "id": note.id,
        "created": _iso(note.created_at),
        "updated": _iso(note.updated_at),
        "tags": list(note.tags),
    }
    if note.pinned:
        meta["pinned"] = True
    if note.trashed_at is not None:
        meta["trashed"] = _iso(note.trashed_at)
    front = yaml.dump(
        meta,
        Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1 << 30,  # never fold a line
    )
    return b"".join((b"---\n", front.encode("utf-8"), b"---\n", note.text.encode("utf-8")))


def markdown_filename(note: "Note") -> str:
    """`{id}-{slug}.md`, the slug being the ASCII words of the note's first line that is
    not blank, lowercased and joined by '-' (at most 40 characters); `{id}.md` when the
    line has no such word."""
    first = next((line for line in note.text.splitlines() if line.strip()), "")
    ascii_line = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    slug = ""
    for word in _WORD.findall(ascii_line.lower()):
        joined = f"{slug}-{word}" if slug else word
        if len(joined) > SLUG_CHARS:
            slug = slug or word[:SLUG_CHARS]
            break
        slug = joined
    return f"{note.id}-{slug}.md" if slug else f"{note.id}.md"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


# --- reading -------------------------------------------------------------------------


def split_front_matter(document: str) -> tuple[str | None, str]:
    """(front matter, body): the lines between a first line `---` and the next line
    `---`, and everything after that line, exactly. (None, document) when the document
    does not start with such a block."""
    opening = _OPENING.match(document)
    if opening is None:
        return None, document
    closing = _CLOSING.search(document, opening.end())
    if closing is None:
        return None, document
    return document[opening.end() : closing.start()], document[closing.end() :]


def parse_markdown_document(data: bytes, source: str, modified: datetime | None) -> ImportRecord:
    """A note from a markdown document with optional YAML front matter.

    The text is the body after the front matter, exactly. Keys read:
    - `tags` (`tag` if there is none): a list of names as written, or one string of
      names separated by commas or spaces, each losing a leading '#';
    - `created` (else `date`), `updated`, `trashed`: YAML timestamps or dates, or ISO
      8601 strings; local time without a zone, local midnight for a date. Only our own
      export writes `trashed` (when the note was trashed); any other value, such as
      another app's `trashed: true`, is ignored and the note is imported live;
    - `title`: Joplin keeps the title only there, so unless the body starts with it as
      a heading, the text becomes "# {title}", a blank line, and the body.
    Missing dates: created is `modified` (the file's mtime), updated the later of
    created and `modified`. Raises InvalidImport naming `source` for text that is not
    UTF-8, front matter that is not a YAML mapping, or a bad date or tag list; the body
    itself is checked by the store (notes_core.validation).
    """
    try:
        document = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidImport(
            f"{source}: not valid UTF-8 (at byte offset {exc.start}); save it as UTF-8"
        ) from None
    front, body = split_front_matter(document.removeprefix("\ufeff"))
    meta = _front_matter(front, source) if front is not None else {}
    created = _moment(meta, ("created", "date"), source) or modified
    updated = _moment(meta, ("updated",), source)
    if updated is None:
        updated = max(created, modified) if created and modified else created
    title = _title(meta)
    if title is not None and not _starts_with_heading(body, title):
        rest = body.lstrip("\r\n")  # Joplin leaves a blank line after the front matter
        body = f"# {title}\n\n{rest}" if rest.strip() else f"# {title}\n"
    tags, trashed = _tags(meta, source), _trashed(meta, source)
    # `pinned: true` as our export writes it (and Obsidian's plugins do); anything else
    # another app put there pins nothing.
    return ImportRecord(body, tags, created, updated, trashed, source, meta.get("pinned") is True)


def _front_matter(front: str, source: str) -> dict[Any, Any]:
    import yaml

    try:
        meta = yaml.load(front, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 2 if exc.problem_mark else None  # +1: the `---` line
        where = f" on line {line}" if line else ""
        raise InvalidImport(
            f"{source}: the front matter is not valid YAML ({exc.problem or exc.context}{where})"
        ) from None
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        # ValueError: a timestamp that is no date (2024-02-30); RecursionError: nesting.
        raise InvalidImport(
            f"{source}: the front matter is not valid YAML ({str(exc) or type(exc).__name__})"
        ) from None
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise InvalidImport(
            f"{source}: the front matter (between the first two '---' lines) must be "
            f"YAML `key: value` lines, not {describe(meta)}"
        )
    return meta


def _moment(meta: dict[Any, Any], keys: tuple[str, ...], source: str) -> datetime | None:
    key = next((key for key in keys if meta.get(key) is not None), None)
    if key is None:
        return None
    value = meta[key]
    try:
        if isinstance(value, datetime):
            return local_to_utc(value)
        if isinstance(value, date):
            return local_midnight(value)
    except (ValueError, OverflowError, OSError):
        raise InvalidImport(f"{source}: {key} {value} is out of range") from None
    return parse_timestamp(value, source, key)


def _trashed(meta: dict[Any, Any], source: str) -> datetime | None:
    """When our export says the note was trashed; None for another app's `trashed`
    (`true`, `yes`): only a date, or a string written as one, is ours."""
    value = meta.get("trashed")
    if isinstance(value, date) or (isinstance(value, str) and has_iso_form(value)):
        return _moment(meta, ("trashed",), source)
    return None


def _tags(meta: dict[Any, Any], source: str) -> list[str]:
    raw = meta.get("tags") if meta.get("tags") is not None else meta.get("tag")
    if raw is None:
        return []
    if isinstance(raw, list):
        # Names as written: a '#' there is part of the name, as `notes export` wrote it.
        return [_tag_name(item, source) for item in raw if item is not None]
    if not isinstance(raw, str):
        raise InvalidImport(
            f"{source}: tags must be a list or names separated by commas, not {describe(raw)}"
        )
    # "a, b" or "#a #b", as people type tags inline.
    names = (name.removeprefix("#") for name in _TAG_SEPARATORS.split(raw))
    return [name for name in names if name]


def _tag_name(value: object, source: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # tags: [2024]
    if isinstance(value, date):
        return value.isoformat()  # tags: [2024-03-01]
    raise InvalidImport(f"{source}: the tag {value!r} is not a name; quote it in the front matter")


def _title(meta: dict[Any, Any]) -> str | None:
    title = meta.get("title")
    if isinstance(title, int | float) and not isinstance(title, bool):
        title = str(title)
    if not isinstance(title, str) or not title.strip():
        return None
    return " ".join(title.split())


def _starts_with_heading(body: str, title: str) -> bool:
    first = next((line for line in body.splitlines() if line.strip()), "")
    heading = _HEADING.fullmatch(first.strip())
    return heading is not None and " ".join(heading.group(1).split()) == title
