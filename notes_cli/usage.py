"""Usage lines with plain metavars, as git and gh write them: `notes show [OPTIONS] ID`,
`notes search [OPTIONS] QUERY...`, `notes add [OPTIONS] [TEXT]...`; Typer's own would read
`{ID}` and `[text]...`."""

from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand


class PlainUsageCommand(TyperCommand):
    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                pieces.append(plain_metavar(param))
        return pieces


def plain_metavar(argument: TyperArgument) -> str:
    """`ID`, `ID...`, `[TEXT]...`: the metavar given (else the name in capitals), `...` when
    it takes several, in brackets when it may be left out."""
    name = (argument.metavar or argument.name or "").strip("[]")
    several = argument.nargs != 1 or name.endswith("...")
    name = name.removesuffix("...").removesuffix("]").upper()
    if argument.required:
        return name + ("..." if several else "")
    return f"[{name}]" + ("..." if several else "")


def use_plain_usage(app: typer.Typer) -> None:
    """Give every command of `app` (and of its sub-apps) plain usage lines."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = PlainUsageCommand
    for group in app.registered_groups:
        instance: Any = group.typer_instance
        if instance is not None:
            use_plain_usage(instance)
