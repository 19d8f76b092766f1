"""`notes backup`."""

from typing import Annotated

import typer

from notes_cli.state import open_notes


def backup(
    ctx: typer.Context,
    path: Annotated[
        # A str, not a Path: Path("newdir/") drops the slash that says it is a folder.
        str,
        typer.Argument(metavar="PATH", help="The new file to write (never an existing one)."),
    ],
) -> None:
    """Copy a SQLite store to a new file, consistent even while others write to it.

    The copy is a store of its own, readable by you alone: `notes --db PATH list` opens
    it. An existing PATH is never overwritten. Prints where it wrote on stderr, nothing on
    stdout. For PostgreSQL use pg_dump, or `notes export` for the notes alone.

    Example: notes backup ~/backups/notes-$(date +%F).db
    """
    with open_notes(ctx) as notes:
        written = notes.backup(path)
    typer.echo(f"backed up to {written}", err=True)


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
