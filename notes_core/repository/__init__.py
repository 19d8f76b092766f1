"""The repository: the functions behind `notes_core.Notes`, the only code with SQL.

One module per job: `notes` (adding, changing, reading and listing notes), `pagination`
(pages and cursors), `search` (with `search_sqlite` and `search_postgres` for each
engine's SQL). Each function takes the caller's connection and keyword-only arguments and
never commits.
"""

from notes_core.repository.notes import (
    BATCH_SIZE,
    NewNote,
    add,
    add_many,
    delete_many,
    get,
    iterate,
    page,
    update,
)
from notes_core.repository.pagination import Page
from notes_core.repository.search import SearchHit, iter_search, search, search_page

__all__ = [
    "BATCH_SIZE",
    "NewNote",
    "Page",
    "SearchHit",
    "add",
    "add_many",
    "delete_many",
    "get",
    "iter_search",
    "iterate",
    "page",
    "search",
    "search_page",
    "update",
]
