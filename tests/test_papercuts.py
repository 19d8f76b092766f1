"""Papercuts a new user met in the first hour (issue 11), each through a real process."""

import os
import pty
import subprocess
from pathlib import Path

import pytest

from notes_core.library import NewNote, Notes
from tests.serving import NOTES, Server


def notes_run(*args: str, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NOTES, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **env},
        timeout=60,
    )


def test_a_sqlite_url_with_three_slashes_is_shown_absolute(tmp_path: Path) -> None:
    """`sqlite:///x.db` is relative to the current folder: `notes path` says which file."""
    result = notes_run("--db", "sqlite:///store/x.db", "path", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, f"{tmp_path / 'store' / 'x.db'}\n")
    added = notes_run("--db", "sqlite:///store/x.db", "add", "hi", cwd=tmp_path)
    assert added.returncode == 0
    assert (tmp_path / "store" / "x.db").is_file()
    # Four slashes: an absolute path, whatever the current folder.
    four = notes_run("--db", f"sqlite:///{tmp_path}/y.db", "path", cwd="/")
    assert four.stdout == f"{tmp_path / 'y.db'}\n"


def test_a_new_sqlite_store_is_announced_once(tmp_path: Path) -> None:
    mistyped = tmp_path / "notse" / "notes.db"
    first = notes_run("--db", str(mistyped), "add", "hello")
    assert (first.returncode, first.stdout) == (0, "1\n")
    assert first.stderr == f"Created a new store at {mistyped}\n"
    again = notes_run("--db", str(mistyped), "add", "again")
    assert (again.returncode, again.stderr) == (0, "")
    # An empty file (`touch notes.db`) becomes a store too, and says so.
    empty = tmp_path / "empty.db"
    empty.touch()
    assert notes_run("--db", str(empty), "list").stderr == f"Created a new store at {empty}\n"


def test_an_empty_postgresql_database_is_announced_once(empty_postgres_database: str) -> None:
    shown = notes_run("--db", empty_postgres_database, "path").stdout.strip()
    first = notes_run("--db", empty_postgres_database, "list")
    assert (first.returncode, first.stderr) == (0, f"Created a new store at {shown}\n")
    assert notes_run("--db", empty_postgres_database, "list").stderr == ""


def test_a_closed_pipe_ends_a_listing_quietly(db_target: str) -> None:
    # Far more than a pipe buffers (64 KiB): the write itself meets the closed pipe.
    with Notes.open(db_target) as notes:
        notes.add_many(NewNote(text=f"note {i}") for i in range(30_000))
    env = {**os.environ, "NOTES_DB": db_target}
    for reader in ("head -n 3", "true"):  # `true` leaves before anything is written
        script = f"set -o pipefail; {NOTES} list --format ids | {reader}"
        result = subprocess.run(
            ["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60
        )
        assert (result.returncode, result.stderr) == (0, ""), reader
        if reader.startswith("head"):
            assert result.stdout == "30000\n29999\n29998\n"


def terminal_output(*args: str, **env: str) -> bytes:
    """What `notes` writes to a pseudo-terminal, escapes and all."""
    controller, terminal = pty.openpty()
    try:
        subprocess.run(
            [NOTES, *args],
            stdout=terminal,
            stderr=subprocess.PIPE,
            env={**os.environ, "COLUMNS": "100", "TERM": "xterm-256color", **env},
            timeout=60,
            check=True,
        )
        return os.read(controller, 65536)
    finally:
        os.close(terminal)
        os.close(controller)


def test_no_color_turns_every_style_off(db_target: str) -> None:
    with Notes.open(db_target) as notes:
        notes.add("an \x1b escape shown in reverse video", tags=["t"])
    styled = terminal_output("--db", db_target, "list")
    assert b"\x1b[1m" in styled  # the bold header, to show the test can see styles
    for value in ("1", "true"):
        plain = terminal_output("--db", db_target, "list", NO_COLOR=value)
        assert b"\x1b[" not in plain
        assert b"an \\x1b escape" in plain
    # NO_COLOR set but empty means nothing, as no-color.org says.
    assert terminal_output("--db", db_target, "list", NO_COLOR="") == styled


@pytest.mark.serve
@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data", ""]
)
def test_a_body_sent_without_the_json_content_type_is_told_so(
    db_target: str, content_type: str
) -> None:
    import http.client
    import json

    with Server(db_target) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        for path in ("/api/v1/notes", "/add_note"):
            body = b'{"text": "hello"}'
            headers = {"Content-Type": content_type} if content_type else {}  # "": none
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            assert response.status == 422
            assert json.loads(response.read()) == {
                "detail": "the body must be JSON sent with Content-Type: application/json"
            }
        # A charset, or a +json type, is fine.
        for sent in ("application/json; charset=utf-8", "application/merge-patch+json"):
            connection.request("POST", "/add_note", b'{"text": "hello"}', {"Content-Type": sent})
            response = connection.getresponse()
            assert response.status == 200, response.read()
            response.read()
        connection.close()


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        (["add"], "notes add [OPTIONS] [TEXT]..."),
        (["show"], "notes show [OPTIONS] ID"),
        (["edit"], "notes edit [OPTIONS] ID [TEXT]..."),
        (["rm"], "notes rm [OPTIONS] ID..."),
        (["search"], "notes search [OPTIONS] QUERY..."),
        (["revert"], "notes revert [OPTIONS] ID N"),
        (["purge"], "notes purge [OPTIONS] [ID]..."),
        (["tag", "rename"], "notes tag rename [OPTIONS] OLD NEW"),
    ],
)
def test_usage_lines_use_plain_metavars(command: list[str], usage: str) -> None:
    result = help_of(*command)
    assert result.splitlines()[0] == f"Usage: {usage}"


def help_of(*command: str) -> str:
    """`notes COMMAND --help`, in-process: the text is the same as a real process's."""
    from typer.testing import CliRunner

    from notes_cli.app import app

    result = CliRunner().invoke(app, [*command, "--help"], prog_name="notes")
    assert result.exit_code == 0, result.output
    return result.stdout


def test_no_help_shows_a_type_in_angle_brackets_or_braces() -> None:
    listed = help_of()
    commands = [line.split()[0] for line in listed.split("Commands:")[1].splitlines() if line]
    assert {"add", "serve", "tags"} <= set(commands)
    for command in commands:
        shown = help_of(command)
        usage = shown.splitlines()[0]
        assert "{" not in usage and "[text]" not in usage, usage
        for bad in ("<str>", "<int", "<path>", "<text>"):
            assert bad not in shown, (command, bad, shown)
    serve = help_of("serve")
    assert "--host HOST" in serve and "--port PORT" in serve and "--workers N" in serve
    # A real process (which builds only the command's own module) says the same.
    assert notes_run("show", "--help").stdout.splitlines()[0] == "Usage: notes show [OPTIONS] ID"
