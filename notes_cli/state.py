"""What the top-level options decided, and the store they point at."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import typer

from notes_core.library import Notes
from notes_core.settings import Settings


@dataclass(frozen=True)
class CliState:
    """Built once, in the app's callback, from `--db` and the environment."""

    settings: Settings


@contextmanager
def open_notes(ctx: typer.Context) -> Iterator[Notes]:
    """The store that `--db` / NOTES_DB / the default names, open for one command."""
    state: CliState = ctx.obj
    notes = Notes.open(state.settings)
    if notes.store.created:
        # Once, when it happens: a mistyped --db would otherwise quietly start a new store.
        typer.echo(f"Created a new store at {notes.location}", err=True)
    try:
        yield notes
    finally:
        notes.close()
