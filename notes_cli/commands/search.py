"""`notes search`."""

from typing import Annotated

import typer

from notes_cli.commands.notes import (
    FormatOption,
    JsonOption,
    LimitOption,
    SinceOption,
    TagOption,
    UntilOption,
    moments,
)
from notes_cli.output import choose_format, print_hits
from notes_cli.state import open_notes


def search(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(metavar="QUERY", help="What to look for.")],
    tag: TagOption = None,
    limit: LimitOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: FormatOption = None,
    as_json: JsonOption = False,
) -> None:
    """Full-text search, best match first.

    Words are all required; "an exact phrase"; -word excludes; word* is a prefix; OR
    between two words. Write `notes search -- -word` when the query starts with '-'.
    --since/--until keep the notes created in that range (--until is exclusive).

    Example: notes search 'deploy* -staging' --tag ops --since 2w --limit 5
    """
    start, end = moments(since, until)
    with open_notes(ctx) as notes:
        hits = notes.search(" ".join(query), tags=tag or [], limit=limit, since=start, until=end)
        print_hits(hits, choose_format(fmt, as_json))


def register(app: typer.Typer) -> None:
    app.command("search")(search)
