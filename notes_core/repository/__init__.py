"""The repository: the functions behind `notes_core.Notes`, the only code with SQL.

One module per job: `notes` (adding, changing and reading notes, walks in id order),
`listing` (live notes newest first, pinned ones first), `pins`, `tags`, `trash`, `ids`
(checking a set of ids for a write), `history` (versions), `transfer` (import),
`pagination` (pages and cursors), `full_text` (search, with `search_sqlite` and
`search_postgres` for each engine's SQL). Each function takes the caller's connection and
keyword-only arguments and never commits.
"""

from typing import TYPE_CHECKING, Any

from notes_core.repository.listing import Sort, page
from notes_core.repository.notes import (
    BATCH_SIZE,
    NewNote,
    Scope,
    add,
    add_many,
    get,
    iterate,
    update,
)
from notes_core.repository.pagination import Page

if TYPE_CHECKING:
    from notes_core.repository.full_text import SearchHit, iter_search, search, search_page

__all__ = [
    "BATCH_SIZE",
    "NewNote",
    "Page",
    "Scope",
    "SearchHit",
    "Sort",
    "add",
    "add_many",
    "get",
    "iter_search",
    "iterate",
    "page",
    "search",
    "search_page",
    "update",
]


def __getattr__(name: str) -> Any:
    # Search is imported on first use: `notes add` and `notes list` never need it.
    if name in ("SearchHit", "iter_search", "search", "search_page"):
        from notes_core.repository import full_text as search_module

        return getattr(search_module, name)
    raise AttributeError(f"module 'notes_core.repository' has no attribute {name!r}")
