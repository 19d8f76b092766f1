"""Tags: one spelling each. Stored tags are NFKC-normalised and case-folded, with control,
format (zero-width, bidi, BOM) and filler characters dropped; tags that end up with the
same name are merged (each note keeps one link to the merged tag).

A tag that still breaks the rules after that (longer than 64 characters once normalised,
whitespace after NFKC, nothing visible left) is kept exactly as it was: a migration never
loses a tag.

The rules are copied here, not imported from notes_core.validation: this revision must do
the same thing on every store, whatever later versions of the rules say.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_TAG_CHARS = 64
FILLERS = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x2065, 0x2065),
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0xE0000, 0xE00FF),
    (0xE01F0, 0xE0FFF),
)
VARIATION_SELECTORS = ((0x180B, 0x180D), (0x180F, 0x180F), (0xFE00, 0xFE0F), (0xE0100, 0xE01EF))


def _within(char: str, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(low <= ord(char) <= high for low, high in ranges)


def _hidden(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf") or _within(char, FILLERS)


def _visible(char: str) -> bool:
    return not (
        char.isspace()
        or _hidden(char)
        or _within(char, VARIATION_SELECTORS)
        or unicodedata.category(char) in ("Mn", "Me")
    )


def normalised(name: str) -> str:
    """The tag's new name, or `name` itself when no valid tag can be made of it."""
    kept = "".join(char for char in name if not _hidden(char))
    new = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", kept).casefold())
    valid = (
        1 <= len(new) <= MAX_TAG_CHARS
        and not any(char.isspace() or char == "," or _hidden(char) for char in new)
        and any(_visible(char) for char in new)
    )
    return new if valid else name


def upgrade() -> None:
    connection = op.get_bind()
    groups: dict[str, list[tuple[int, str]]] = {}
    for tag_id, name in connection.execute(sa.text("SELECT id, name FROM tags ORDER BY id")):
        groups.setdefault(normalised(name), []).append((tag_id, name))
    for new_name, members in groups.items():
        if len(members) == 1 and members[0][1] == new_name:
            continue
        # The tag that already has the new name, else the oldest: no other tag holds
        # `new_name` (it would be in this group), so renaming never hits the unique index.
        target = next((tag_id for tag_id, name in members if name == new_name), members[0][0])
        for tag_id, _ in members:
            if tag_id != target:
                _merge(connection, source=tag_id, target=target)
        connection.execute(
            sa.text("UPDATE tags SET name = :name WHERE id = :id"), {"name": new_name, "id": target}
        )


def _merge(connection: sa.Connection, *, source: int, target: int) -> None:
    """Move the notes of tag `source` to tag `target` (once per note), then drop `source`."""
    ids = {"source": source, "target": target}
    connection.execute(
        sa.text(
            "UPDATE note_tags SET tag_id = :target WHERE tag_id = :source AND note_id NOT IN "
            "(SELECT note_id FROM note_tags WHERE tag_id = :target)"
        ),
        ids,
    )
    connection.execute(sa.text("DELETE FROM note_tags WHERE tag_id = :source"), ids)
    connection.execute(sa.text("DELETE FROM tags WHERE id = :source"), ids)


def downgrade() -> None:
    # Merged tags cannot be told apart again; the old code reads normalised tags fine.
    pass
