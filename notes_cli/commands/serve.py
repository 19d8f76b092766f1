"""`notes serve` (filled in with the API)."""

import typer


def register(app: typer.Typer) -> None:
    pass
