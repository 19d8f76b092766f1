"""Editing a note's text in $VISUAL / $EDITOR."""

import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from notes_core.errors import NotesError


class EditorError(NotesError):
    """The editor could not be used; the note is left as it was."""


def edit_text(text: str) -> str | None:
    """Open the user's editor on `text`; return the new text, or None if it is unchanged.

    Refuses when stdin is not a terminal: an editor started from a pipe cannot be used.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise EditorError(
            "set $VISUAL or $EDITOR to edit a note, or pass the new TEXT ('-' reads stdin)"
        )
    if not sys.stdin.isatty():
        raise EditorError(
            "stdin is not a terminal, so no editor can run; pass TEXT or '-' to read stdin"
        )
    # Editors end files with a newline; take it back off if the note had none.
    trailing = "" if text.endswith("\n") else "\n"
    with tempfile.TemporaryDirectory(prefix="notes-") as folder:
        path = Path(folder) / "note.md"
        path.write_text(text + trailing, encoding="utf-8")
        try:
            status = subprocess.call([*shlex.split(editor), str(path)])
        except OSError as exc:
            raise EditorError(f"cannot run the editor {editor!r}: {exc.strerror}") from None
        if status != 0:
            raise EditorError(
                f"the editor {editor!r} exited with status {status}; note left unchanged"
            )
        try:
            edited = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise EditorError("the edited text is not valid UTF-8; note left unchanged") from None
    if trailing and edited.endswith("\n"):
        edited = edited[:-1]
    return None if edited == text else edited
