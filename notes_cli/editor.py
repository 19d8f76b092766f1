"""Editing a note's text in $VISUAL / $EDITOR."""

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from notes_core.errors import NotesError


class EditorError(NotesError):
    """The editor could not be used, or left nothing to save; nothing was written."""


def find_editor(*, terminal: bool, how: str) -> tuple[list[str], str]:
    """The editor command to run and its name for messages, chosen as git does: $VISUAL,
    else $EDITOR, whenever one is set (GUI editors, `code --wait`, and scripted ones,
    `sed -i`, need no terminal); else `vi` if there is a `terminal` to show it on and it
    is on PATH. Raises EditorError naming `how` (to pass the text instead) if none."""
    import shutil

    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR")
    if editor:
        try:
            command = shlex.split(editor)
        except ValueError as exc:  # an unclosed quote
            raise EditorError(f"cannot read the editor command {editor!r}: {exc}") from None
        if command:
            return command, editor
    if terminal:
        vi = shutil.which("vi")
        if vi is not None:
            return [vi], "vi"
    raise EditorError(f"set $VISUAL or $EDITOR to {how}")


def run_editor(editor: tuple[list[str], str], text: str, *, unchanged: str) -> str:
    """Run the `editor` (from `find_editor`) on a temporary file holding `text`; return the
    file's text after. Raises EditorError, ending with `unchanged`, if the editor cannot
    run or fails."""
    command, shown = editor
    with tempfile.TemporaryDirectory(prefix="notes-") as folder:
        path = Path(folder) / "note.md"
        path.write_text(text, encoding="utf-8")
        try:
            status = subprocess.call([*command, str(path)])
        except OSError as exc:
            raise EditorError(
                f"cannot run the editor {shown!r}: {exc.strerror}; {unchanged}"
            ) from None
        if status != 0:
            raise EditorError(f"the editor {shown!r} exited with status {status}; {unchanged}")
        try:
            return path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise EditorError(f"the edited text is not valid UTF-8; {unchanged}") from None


def edit_text(text: str, *, terminal: bool) -> str | None:
    """Open the user's editor (see `find_editor`) on `text`; return the new text, or None
    if it is unchanged. Raises EditorError."""
    editor = find_editor(
        terminal=terminal,
        how="edit a note, or pass the new TEXT ('-' reads stdin)",
    )
    # Editors end files with a newline; take it back off if the note had none.
    trailing = "" if text.endswith("\n") else "\n"
    edited = run_editor(editor, text + trailing, unchanged="note left unchanged")
    if trailing and edited.endswith("\n"):
        edited = edited[:-1]
    return None if edited == text else edited


def write_text() -> str:
    """Open the user's editor on an empty file for a new note, as `git commit` does; return
    what was written, without the line ends editors add at the end. The file holds no
    template or comment lines: a note may well start with `#`. Only called with a terminal
    on stdin. Raises EditorError, also when nothing but whitespace was written."""
    editor = find_editor(
        terminal=True,
        how="write a note, or pass the note as TEXT ('-' reads stdin)",
    )
    written = run_editor(editor, "", unchanged="nothing added")
    if not written.strip():
        raise EditorError("the note is empty; nothing added")
    return written.rstrip("\r\n")


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
