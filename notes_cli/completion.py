"""Suggestions for shell completion that come from the store: tag names after `--tag`.

Typer calls these while the shell waits for a Tab, with the command line parsed
resiliently: no command and no callback ran, so `ctx.obj` is unset and `--db` is only in
the root context's params. A suggestion is never worth a side effect: nothing here
creates a store file, prints, or raises.
"""

import os
import warnings

import typer

from notes_core.library import Notes
from notes_core.settings import Settings
from notes_core.validation import normalise_tag


def complete_tag(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The store's tag names starting with what was typed, each with its number of notes
    (zsh and fish show it next to the name)."""
    try:
        # A warning (from a driver, say) would land in the middle of the user's prompt.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _tag_names(ctx, incomplete)
    except Exception:
        # A missing driver, a store that is down, a bad NOTES_* value: the user gets no
        # suggestions and finds out from the command itself.
        return []


def _tag_names(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    db = ctx.find_root().params.get("db")
    settings = Settings.from_env(os.environ, db=db if isinstance(db, str) else None)
    prefix = normalise_tag(incomplete)
    # prepare=False: a mistyped --db must not leave a new store behind, nor an old one be
    # upgraded, just because Tab was pressed.
    with Notes.open(settings, prepare=False) as notes:
        counts = notes.tags()
    found = []
    for tag in counts:
        if not tag.name.startswith(prefix):
            continue
        # Typer drops a suggestion that does not start with the typed text as is, and so
        # would the shells: `WR` is offered `WRiting`, which is stored as `writing`.
        value = incomplete + tag.name[len(prefix) :]
        if normalise_tag(value) != tag.name:
            value = tag.name  # folding the whole would not give back the name: offer it
        found.append((value, f"{tag.count} note" + ("" if tag.count == 1 else "s")))
    return found
