"""The editor, chosen and run as git does, for `notes add` and `notes edit`: real `notes`
processes, a pseudo-terminal on stdin where a terminal matters, editors that are small
scripts, and a PATH the test controls for the `vi` fallback."""

import os
import pty
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from notes_core.library import Notes
from tests.serving import NOTES


def script(folder: Path, name: str, body: str) -> Path:
    """An executable shell script `folder/name`: an editor, called with the file as $1."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def writes(folder: Path, text: str, name: str = "editor") -> Path:
    """An editor that replaces the file's content with `text` (no newline added)."""
    return script(folder, name, f"printf '%s' '{text}' > \"$1\"\n")


@pytest.fixture
def sqlite_store(tmp_path: Path, sqlite_template: Path) -> str:
    """An existing SQLite store, for tests where the engine does not matter."""
    path = tmp_path / "notes.db"
    shutil.copyfile(sqlite_template, path)
    return str(path)


@pytest.fixture(autouse=True)
def in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run in the test's folder: text a store refuses is kept in the current one."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def terminal() -> Iterator[int]:
    """A pseudo-terminal's device end, to give a process as stdin."""
    controller, device = pty.openpty()
    yield device
    os.close(device)
    os.close(controller)


def notes(
    db: str,
    *args: str,
    stdin: int | None = None,
    input: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    # The autouse `isolated_env` fixture has removed VISUAL and EDITOR from os.environ.
    return subprocess.run(
        [NOTES, "--db", db, *args],
        stdin=subprocess.DEVNULL if stdin is None and input is None else stdin,
        input=input,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def texts(db: str) -> list[str]:
    with Notes.open(db) as store:
        return [note.text for note in store.iterate()]


# --- notes add ----------------------------------------------------------------------


def test_add_on_a_terminal_saves_what_the_editor_wrote(
    db_target: str, tmp_path: Path, terminal: int
) -> None:
    # The file starts empty (the script fails otherwise), and a first `#` line stays.
    editor = script(
        tmp_path / "bin",
        "editor",
        '[ -s "$1" ] && exit 3\nprintf "# Title\\n\\nbody\\n" > "$1"\n',
    )
    result = notes(db_target, "add", "--tag", "draft", stdin=terminal, env={"EDITOR": str(editor)})
    assert (result.returncode, result.stdout, result.stderr) == (0, "1\n", "")
    # The newline the editor ends the file with is not part of the note, as with stdin.
    assert texts(db_target) == ["# Title\n\nbody"]
    assert notes(db_target, "show", "1", "--json").stdout.count('"tags":["draft"]') == 1


@pytest.mark.parametrize("written", ["", " \n\n\t\n"])
def test_add_with_an_empty_note_adds_nothing_and_says_so(
    db_target: str, tmp_path: Path, terminal: int, written: str
) -> None:
    editor = writes(tmp_path / "bin", written)
    result = notes(db_target, "add", stdin=terminal, env={"VISUAL": str(editor)})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "Error: the note is empty; nothing added\n"
    assert texts(db_target) == []


def test_add_in_a_pipe_reads_stdin_and_runs_no_editor(db_target: str, tmp_path: Path) -> None:
    ran = tmp_path / "editor-ran"
    editor = script(tmp_path / "bin", "editor", f'touch "{ran}"\n')
    result = notes(db_target, "add", input="piped in\n", env={"EDITOR": str(editor)})
    assert (result.returncode, result.stdout, result.stderr) == (0, "1\n", "")
    assert texts(db_target) == ["piped in"]
    assert not ran.exists()


def test_add_prefers_visual_to_editor(sqlite_store: str, tmp_path: Path, terminal: int) -> None:
    visual = writes(tmp_path / "bin", "from visual")
    result = notes(
        sqlite_store, "add", stdin=terminal, env={"VISUAL": str(visual), "EDITOR": "false"}
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert texts(sqlite_store) == ["from visual"]


def test_add_when_the_editor_fails_adds_nothing(
    sqlite_store: str, tmp_path: Path, terminal: int
) -> None:
    result = notes(sqlite_store, "add", stdin=terminal, env={"EDITOR": "false"})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "Error: the editor 'false' exited with status 1; nothing added\n"
    assert texts(sqlite_store) == []


def test_add_checks_its_tags_before_opening_the_editor(
    sqlite_store: str, tmp_path: Path, terminal: int
) -> None:
    ran = tmp_path / "editor-ran"
    editor = script(tmp_path / "bin", "editor", f'touch "{ran}"\nprintf text > "$1"\n')
    result = notes(
        sqlite_store, "add", "--tag", "two words", stdin=terminal, env={"EDITOR": str(editor)}
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: tag 'two words' must not contain whitespace")
    assert not ran.exists()


def test_add_keeps_what_was_written_when_the_store_refuses_it(
    tmp_path: Path, terminal: int
) -> None:
    # A folder is not a store: the note is refused after the editor ran, and kept.
    folder = tmp_path / "not-a-store"
    folder.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    editor = writes(tmp_path / "bin", "hard-won words")
    result = subprocess.run(
        [NOTES, "--db", str(folder), "add"],
        stdin=terminal,
        capture_output=True,
        text=True,
        cwd=work,
        env={**os.environ, "EDITOR": str(editor)},
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    [kept] = work.glob("notes-add-*.md")
    assert kept.read_text() == "hard-won words"
    assert result.stderr == (
        f"Error: {folder} is a directory, not a notes store; the note you wrote is in {kept}\n"
    )


# --- the vi fallback, and no editor at all ------------------------------------------------


def test_vi_is_the_fallback_on_a_terminal(db_target: str, tmp_path: Path, terminal: int) -> None:
    # A fake `vi`, first (and alone) on PATH; VISUAL and EDITOR unset.
    bin_dir = tmp_path / "bin"
    writes(bin_dir, "written in vi", name="vi")
    env = {"PATH": str(bin_dir)}
    assert notes(db_target, "add", stdin=terminal, env=env).returncode == 0
    assert texts(db_target) == ["written in vi"]
    script(bin_dir, "vi", 'printf "edited in vi\\n" > "$1"\n')
    result = notes(db_target, "edit", "1", stdin=terminal, env=env)
    assert (result.returncode, result.stderr) == (0, "")
    assert texts(db_target) == ["edited in vi"]


def test_vi_is_not_run_without_a_terminal(sqlite_store: str, tmp_path: Path) -> None:
    ran = tmp_path / "vi-ran"
    bin_dir = tmp_path / "bin"
    script(bin_dir, "vi", f'touch "{ran}"\n')
    db = sqlite_store
    notes(db, "add", "kept as it is")
    result = notes(db, "edit", "1", env={"PATH": str(bin_dir)})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: set $VISUAL or $EDITOR to edit a note, or pass the new TEXT ('-' reads stdin)\n"
    )
    assert not ran.exists()
    assert texts(db) == ["kept as it is"]


def test_without_any_editor_the_error_says_how_to_pass_text(
    sqlite_store: str, tmp_path: Path, terminal: int
) -> None:
    empty = tmp_path / "empty-path"
    empty.mkdir()
    db = sqlite_store
    result = notes(db, "add", stdin=terminal, env={"PATH": str(empty)})
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "Error: set $VISUAL or $EDITOR to write a note, or pass the note as TEXT "
        "('-' reads stdin)\n"
    )
    assert texts(db) == []
    notes(db, "add", "unchanged")
    result = notes(db, "edit", "1", stdin=terminal, env={"PATH": str(empty)})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: set $VISUAL or $EDITOR to edit a note, or pass")
    assert texts(db) == ["unchanged"]


# --- notes edit ---------------------------------------------------------------------------


def test_edit_runs_a_set_editor_without_a_terminal(db_target: str, tmp_path: Path) -> None:
    editor = script(tmp_path / "bin", "editor", 'printf "second\\n" >> "$1"\n')
    notes(db_target, "add", "first")
    result = notes(db_target, "edit", "1", env={"EDITOR": str(editor)})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert texts(db_target) == ["first\nsecond"]


def test_edit_takes_an_editor_command_with_arguments(
    sqlite_store: str, tmp_path: Path, terminal: int
) -> None:
    # As `EDITOR="code --wait"`: the value is split like a shell would, quotes and all.
    script(tmp_path / "my editor", "ed", 'printf "%s" "$1" > "$2"\n')
    db = sqlite_store
    notes(db, "add", "before")
    editor = f"'{tmp_path / 'my editor' / 'ed'}' 'after, with spaces'"
    result = notes(db, "edit", "1", stdin=terminal, env={"VISUAL": editor})
    assert (result.returncode, result.stderr) == (0, "")
    assert texts(db) == ["after, with spaces"]
