"""The rules of a note, in one place. Both doors call these through the repository."""

import unicodedata
from collections.abc import Collection, Iterable

from notes_core.errors import InvalidInput, InvalidNote

MAX_TEXT_BYTES = 1024 * 1024
MAX_TAG_CHARS = 64
# Far below the drivers' caps (PostgreSQL takes 65,535 parameters per statement), so every
# statement on one note's tags, or on a tag filter, stays small.
MAX_TAGS_PER_NOTE = 1_000
# Any `--limit` / `limit` up to this is taken as given; both engines cap theirs at 2**63-1.
MAX_LIMIT = 1_000_000_000
# How much of a rejected value an error message repeats.
SHOWN_CHARS = 40
# NFKC composes at most 4 code points into one (e.g. U+1FAF): a longer input can never
# normalise to a valid tag, so it is refused before normalising (which can grow it 18x).
MAX_COMPOSED = 4

# Default_Ignorable_Code_Point characters (Unicode's DerivedCoreProperties) that are not
# format characters (Cf): fillers that render as nothing, and reserved ones. Code points.
_FILLERS = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x2065, 0x2065),
    (0x3164, 0x3164),  # Hangul filler
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE00FF),
    (0xE01F0, 0xE0FFF),
)
# Also default-ignorable, but emoji (❤️) and Mongolian need them after a visible character.
_VARIATION_SELECTORS = ((0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _within(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in ranges)


def _hidden(char: str) -> bool:
    """A control, format (zero-width, bidi, BOM) or filler character: shows nothing."""
    return unicodedata.category(char) in ("Cc", "Cf") or _within(char, _FILLERS)


def _blank(char: str) -> bool:
    """Whitespace or a character that renders as nothing on its own."""
    return char.isspace() or _hidden(char) or _within(char, _VARIATION_SELECTORS)


def shown(value: str | int) -> str:
    """`value` as an error message repeats it: a repr cut to SHOWN_CHARS characters, so a
    message never echoes a huge input back."""
    if isinstance(value, int):
        if abs(value) >= 10**SHOWN_CHARS:  # str() of a huge int is slow, then refused
            return f"a number of more than {SHOWN_CHARS} digits"
        return str(value)
    if len(value) <= SHOWN_CHARS:
        return repr(value)
    return f"{value[:SHOWN_CHARS]!r}… ({len(value):,} characters)"


def clean_text(text: str | bytes) -> str:
    """Return the text of a note, unchanged, or raise InvalidNote.

    Text must be valid UTF-8, contain no NUL (PostgreSQL cannot store one), hold a visible
    character (not only whitespace, control, format or filler characters), and be at most
    1 MiB encoded.
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
    if size > MAX_TEXT_BYTES:  # first: the scan below then reads at most 1 MiB
        raise InvalidNote(
            f"note text is {size:,} bytes; the limit is {MAX_TEXT_BYTES:,} bytes (1 MiB)"
        )
    # Stops at the first visible character; str.strip() skips whitespace at C speed.
    stripped = text.strip()
    if stripped[:1].isascii() and stripped[:1].isprintable() and stripped:
        return text  # begins with a visible ASCII character: the common case, at C speed
    if all(_blank(char) for char in stripped):
        raise InvalidNote("note text is empty")
    return text


def normalise_tag(tag: str) -> str:
    """NFKC, case-folded: one spelling per tag (`Café` NFC or NFD, `ﬁle` and `file`).

    NFKC again after casefold, because case folding can undo NFKC (U+037A): the result
    is then a fixed point, normalise_tag(normalise_tag(x)) == normalise_tag(x).
    """
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", tag).casefold())


def clean_tag(tag: str) -> str:
    """Return a tag normalised (see normalise_tag), or raise InvalidNote.

    Its length (1-64 characters) is counted after normalising; it holds no whitespace,
    commas, control, format or filler characters, and at least one visible character.
    """
    # The common case, checked at C speed: NFKC leaves ASCII alone, casefold is lower(),
    # and printable ASCII holds no control character; only spaces and commas remain.
    ascii_ok = tag.isascii() and tag.isprintable() and 1 <= len(tag) <= MAX_TAG_CHARS
    if ascii_ok and " " not in tag and "," not in tag:
        return tag.lower()
    try:
        tag.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidNote("tag is not valid UTF-8") from None
    if len(tag) > MAX_TAG_CHARS * MAX_COMPOSED:
        raise InvalidNote(f"tag {shown(tag)} must be 1-{MAX_TAG_CHARS} characters")
    name = normalise_tag(tag)
    # Checked on `name`: NFKC turns some characters into spaces (U+00A0, U+00A8).
    if any(char.isspace() or char == "," for char in name):
        typed = any(char.isspace() or char == "," for char in tag)
        became = "" if typed else f" (NFKC makes it {shown(name)})"
        raise InvalidNote(f"tag {shown(tag)} must not contain whitespace or commas{became}")
    # Named as typed where possible (NFKC turns U+3164 into U+1160).
    hidden = next((char for char in tag if _hidden(char)), None)
    hidden = hidden or next((char for char in name if _hidden(char)), None)
    if hidden is not None:
        raise InvalidNote(
            f"tag {shown(tag)} must not contain invisible or control characters "
            f"(it has U+{ord(hidden):04X})"
        )
    if not 1 <= len(name) <= MAX_TAG_CHARS:
        counted = f"; it has {len(name)}" + (" once normalised" if len(name) != len(tag) else "")
        raise InvalidNote(f"tag {shown(tag)} must be 1-{MAX_TAG_CHARS} characters{counted}")
    if all(_blank(char) or unicodedata.category(char) in ("Mn", "Me") for char in name):
        raise InvalidNote(f"tag {shown(tag)} has no visible character")
    return name


def clean_tags(tags: Iterable[str]) -> list[str]:
    """Return tags normalised, unique and sorted, or raise InvalidNote (a bad tag, or more
    than MAX_TAGS_PER_NOTE different ones). Stops reading at the first one too many."""
    names: set[str] = set()
    for tag in tags:
        names.add(clean_tag(tag))
        if len(names) > MAX_TAGS_PER_NOTE:
            raise InvalidNote(too_many_tags())
    return sorted(names)


def check_tag_count(names: Collection[str]) -> None:
    """Raise InvalidNote when a note would end up with more than MAX_TAGS_PER_NOTE tags."""
    if len(names) > MAX_TAGS_PER_NOTE:
        raise InvalidNote(too_many_tags())


def too_many_tags() -> str:
    return f"too many tags: a note has at most {MAX_TAGS_PER_NOTE:,}"


def parse_note_id(value: str | int) -> int:
    """Return a note id from user input, or raise InvalidInput."""
    digits = value.strip().lstrip("0") if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif digits.isdecimal() and digits.isascii() and len(digits) <= 19:
        # More digits than 2**63-1 has: not an id (and int() refuses past 4,300).
        number = int(digits)
    else:
        raise InvalidInput(f"{shown(value)} is not a note id (ids are whole numbers from 1)")
    if number < 1 or number > 2**63 - 1:
        raise InvalidInput(f"{shown(value)} is not a note id (ids are whole numbers from 1)")
    return number


# note_revisions.revision is a 32-bit integer on PostgreSQL, which refuses to compare it
# with anything larger: no note has that many versions anyway.
MAX_REVISION = 2**31 - 1


def parse_version(value: str | int) -> int:
    """A version number of a note from user input (plain digits, from 1), or InvalidInput;
    whether the note has that version (none has more than MAX_REVISION) is the
    repository's to say."""
    digits = value.strip().lstrip("0") if isinstance(value, str) else ""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif digits.isdecimal() and digits.isascii() and len(digits) <= 18:
        number = int(digits)  # 18 digits: int() is quick, and any such number fits 64 bits
    else:
        number = 0
    if number < 1:
        raise InvalidInput(f"{shown(value)} is not a version number (versions are numbered from 1)")
    return number


def check_limit(limit: int | None) -> int | None:
    """Return a result limit, or raise InvalidInput when it is not 1-MAX_LIMIT."""
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT:,}, not {shown(limit)}")
    return limit
