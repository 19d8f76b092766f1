"""Editing a note's text in $VISUAL / $EDITOR."""

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from notes_core.errors import NotesError


class EditorError(NotesError):
    """The editor could not be used; the note is left as it was."""


def edit_text(text: str) -> str | None:
    """Open the user's editor on `text`; return the new text, or None if it is unchanged.

    Runs whenever $VISUAL or $EDITOR is set, terminal or not, as git does: GUI editors
    (`code --wait`) and scripted ones (`sed -i`) need none. Raises EditorError.
    """
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if not editor:
        raise EditorError(
            "set $VISUAL or $EDITOR to edit a note, or pass the new TEXT ('-' reads stdin)"
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


def keep_text(text: str, name: str) -> Path:
    """Save text the store did not take into a new file `notes-NAME-XXXX.md`, readable
    by its owner only, in the current directory (else the temp dir, which is not cleaned
    up by us); return its path. Never overwrites a file."""
    for folder in (os.curdir, tempfile.gettempdir()):
        try:
            # mkstemp: a fresh name, created exclusively, mode 0600; the path is absolute.
            handle, path = tempfile.mkstemp(prefix=f"notes-{name}-", suffix=".md", dir=folder)
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                file.write(text)
        except OSError:
            continue  # read-only or full: try the next folder
        return Path(path)
    raise EditorError("cannot save the edited text in the current or the temp directory")
