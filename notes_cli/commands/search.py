"""`notes search`."""

from typing import Annotated

import typer

from notes_cli.commands.notes import FormatOption, JsonOption, LimitOption, TagOption
from notes_cli.output import choose_format, print_hits
from notes_cli.state import open_notes


def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(metavar="QUERY", help="What to look for.")],
    tag: TagOption = None,
    limit: LimitOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search, best match first.

    Words are all required; "an exact phrase"; -word excludes; word* is a prefix; OR
    between two words. Write `notes search -- -word` when the query starts with '-'.

    Example: notes search 'deploy* -staging' --tag ops --limit 5
    """
    with open_notes(ctx) as notes:
        hits = notes.search(" ".join(query), tags=tag or [], limit=limit)
        print_hits(hits, choose_format(fmt, as_json))


def register(app: typer.Typer) -> None:
    app.command("search")(search)
