"""What the top-level options decided, and the store they point at."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import typer

from notes_core.engine import open_store
from notes_core.session import session_scope

if TYPE_CHECKING:
    from sqlalchemy import Connection


@dataclass(frozen=True)
class CliState:
    db: str | None


@contextmanager
def store_session(ctx: typer.Context, *, write: bool = False) -> Iterator["Connection"]:
    """Open the store named by `--db` / NOTES_DB / the default, and one transaction on it."""
    state: CliState = ctx.obj
    store = open_store(state.db)
    try:
        with session_scope(store, write=write) as session:
            yield session
    finally:
        store.close()
