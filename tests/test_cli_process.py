"""The installed `notes` command in real processes: imports, data dir, editor, pipes."""

import os
import pty
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

NOTES = str(Path(sys.executable).parent / "notes")


def run(
    *args: str,
    input: str | None = None,
    env: dict[str, str] | None = None,
    stdin: int | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NOTES, *args],
        input=input,
        stdin=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_add_list_and_rm_never_import_the_server_stack_or_postgres(sqlite_path: Path) -> None:
    probe = textwrap.dedent(
        """
        import sys
        from notes_cli.app import app
        for argv in (
            ["add", "hello"],
            ["list", "--limit", "10"],
            ["rm", "1"],
            ["trash"],
            ["restore", "1"],
        ):
            try:
                app(argv)
            except SystemExit as exit:
                assert exit.code in (0, None), exit.code
        heavy = (
            "fastapi", "uvicorn", "starlette", "alembic", "rich", "pydantic", "yaml",
            # A SQLite store needs only SQLite's dialect (models.with_partial_indexes).
            "sqlalchemy.dialects.postgresql",
        )
        heavy = sorted(name for name in heavy if name in sys.modules)
        print("loaded:", heavy)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # The first run creates the store (Alembic, whose models name both dialects); the
    # second, on a current store, must load neither.
    assert result.stdout.splitlines()[-1] in (
        "loaded: []",
        "loaded: ['alembic', 'sqlalchemy.dialects.postgresql']",
    )
    again = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert again.stdout.splitlines()[-1] == "loaded: []"


def test_default_store_is_created_in_the_user_data_dir(isolated_env: Path) -> None:
    assert run("add", "first note").stdout == "1\n"
    store = isolated_env / ".local" / "share" / "notes" / "notes.db"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert run("path").stdout == f"{store}\n"
    assert run("list").stdout.split("\t")[3] == "first note\n"


def test_default_store_follows_home_when_xdg_is_unset(isolated_env: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XDG_")}
    result = subprocess.run(
        [NOTES, "add", "x"], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert (isolated_env / ".local" / "share" / "notes" / "notes.db").is_file()


def test_pipeline_from_git_log_style_input(sqlite_path: Path) -> None:
    assert run("add", "--tag", "commits", input="Fix the bug\n\nLong body.\n").stdout == "1\n"
    assert run("show", "1").stdout == "Fix the bug\n\nLong body.\n"


def test_list_into_a_closed_pipe_is_quiet(sqlite_path: Path) -> None:
    from notes_core import repository
    from notes_core.engine import open_store
    from notes_core.session import session_scope

    store = open_store(str(sqlite_path))
    with session_scope(store, write=True) as session:
        repository.add_many(session, notes=[repository.NewNote(f"n{i}") for i in range(5000)])
    store.close()
    result = subprocess.run(
        ["bash", "-c", f"{NOTES} list --format jsonl | head -c 1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout == "{"
    assert result.stderr == ""


def test_errors_never_show_a_traceback(tmp_path: Path) -> None:
    result = run("--db", str(tmp_path), "list")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"Error: {tmp_path} is a directory, not a notes store\n"


@pytest.fixture
def fake_editor(tmp_path: Path) -> Path:
    """An editor that appends a line, the way a person would."""
    script = tmp_path / "fake-editor"
    script.write_text('#!/bin/sh\nprintf "%s\\n" "added by editor" >> "$1"\n')
    script.chmod(0o755)
    return script


def run_on_terminal(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `notes` with a pseudo-terminal as stdin, as from an interactive shell."""
    controller, terminal = pty.openpty()
    try:
        return run(*args, env=env, stdin=terminal)
    finally:
        os.close(terminal)
        os.close(controller)


def test_edit_opens_the_editor_and_saves_the_change(sqlite_path: Path, fake_editor: Path) -> None:
    run("add", "original line", "--tag", "keep")
    result = run_on_terminal("edit", "1", env={"VISUAL": str(fake_editor), "EDITOR": "false"})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert run("show", "1").stdout == "original line\nadded by editor\n"
    assert '"tags":["keep"]' in run("show", "1", "--format", "json").stdout


def test_edit_saves_nothing_when_the_editor_changes_nothing(sqlite_path: Path) -> None:
    run("add", "untouched")
    before = run("show", "1", "--format", "json").stdout
    result = run_on_terminal("edit", "1", env={"EDITOR": "true"})
    assert (result.returncode, result.stderr) == (0, "")
    assert run("show", "1", "--format", "json").stdout == before


def test_edit_keeps_the_note_when_the_editor_fails(sqlite_path: Path) -> None:
    run("add", "safe")
    result = run_on_terminal("edit", "1", env={"EDITOR": "false"})
    assert result.returncode == 1
    assert result.stderr == "Error: the editor 'false' exited with status 1; note left unchanged\n"
    assert run("show", "1").stdout == "safe\n"


def run_with_terminal_output(*args: str) -> tuple[int, str, str]:
    """Run `notes` with a pseudo-terminal as stdout, as a person at a shell sees it (without
    Rich's styling, the padding at the end of lines and the terminal's CRs)."""
    controller, terminal = pty.openpty()
    try:
        result = subprocess.run(
            [NOTES, *args],
            stdout=terminal,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "COLUMNS": "100"},
            timeout=60,
        )
        out = os.read(controller, 65536).decode()
    finally:
        os.close(terminal)
        os.close(controller)
    # Rich's own styling (dim, bold) aside, and the terminal's CRLF line ends.
    lines = re.sub(r"\x1b\[[0-9;]*m", "", out).splitlines()
    return result.returncode, "".join(line.rstrip() + "\n" for line in lines), result.stderr


def test_rm_and_restore_through_pipelines(sqlite_path: Path) -> None:
    for text in ("keep", "scratch one", "scratch two"):
        run("add", text, "--tag", "scratch" if "scratch" in text else "keep")
    piped = f"{NOTES} list --tag scratch --format ids | xargs -r {NOTES} rm"
    rm = subprocess.run(["bash", "-c", piped], capture_output=True, timeout=60)
    assert (rm.returncode, rm.stdout, rm.stderr) == (0, b"", b"")
    assert run("list", "--format", "ids").stdout == "1\n"
    assert run("trash", "--format", "ids").stdout == "3\n2\n"
    restore = f"{NOTES} trash --format ids | xargs -r {NOTES} restore"
    back = subprocess.run(["bash", "-c", restore], capture_output=True, timeout=60)
    assert (back.returncode, back.stderr) == (0, b"")
    assert run("list", "--format", "ids").stdout == "3\n2\n1\n"
    run("rm", "3")
    purged = run("purge", "--all")
    assert (purged.returncode, purged.stdout, purged.stderr) == (0, "", "purged 1 note\n")


def test_people_get_tables_on_a_terminal(sqlite_path: Path) -> None:
    first = run_with_terminal_output("trash")
    assert first == (0, "The trash is empty.\n", f"Created a new store at {sqlite_path}\n")
    run("add", "first draft", "--tag", "essay")
    run("edit", "1", "second draft")
    code, out, err = run_with_terminal_output("history", "1")
    assert (code, err) == (0, "")
    header, first, current = out.splitlines()
    assert header.split() == ["rev", "date", "tags", "text"]
    assert first.split()[0] == "1" and first.endswith("first draft")
    assert current.split()[:2] == ["*", "2"] and current.endswith("second draft")
    run("rm", "1")
    code, out, _ = run_with_terminal_output("trash")
    assert out.splitlines()[0].split() == ["id", "trashed", "tags", "text"]
    assert out.splitlines()[1].split()[0] == "1" and out.splitlines()[1].endswith("second draft")
