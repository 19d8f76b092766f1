"""Shell completion through real `notes` processes, the way each shell asks for it.

Bash's script sets COMP_WORDS / COMP_CWORD; zsh's and fish's set _TYPER_COMPLETE_ARGS
(the command line up to the cursor); all three set _NOTES_COMPLETE. Bash itself is on the
machine, so its script is also sourced by a real bash; zsh and fish are only driven
through their protocol.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from notes_core import Notes

NOTES = str(Path(sys.executable).parent / "notes")
SHELLS = ["bash", "zsh", "fish"]
BASH = shutil.which("bash")


def run(
    args: list[str], env: dict[str, str] | None = None, *, shell: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`notes ARGS`, or with `shell`, a real bash running it (Typer asks the process tree
    which shell to write for)."""
    command = [NOTES, *args]
    if shell:
        # `; :` keeps bash from exec-ing notes in its own place: bash stays its parent.
        command = [shell, "--norc", "-c", " ".join(command) + "; :"]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def complete(shell: str, words: list[str], env: dict[str, str] | None = None) -> list[str]:
    """What `shell` would offer after `notes WORDS`, the last word being the one under the
    cursor (empty: after a space). Fails on any stderr output or a non-zero exit."""
    protocol = {"_NOTES_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        protocol |= {"COMP_WORDS": "\n".join(["notes", *words]), "COMP_CWORD": str(len(words))}
    else:
        protocol["_TYPER_COMPLETE_ARGS"] = " ".join(["notes", *words])
        protocol["_TYPER_COMPLETE_FISH_ACTION"] = "get-args"
    result = run([], {**(env or {}), **protocol})
    assert (result.returncode, result.stderr) == (0, "")
    return parse(shell, result.stdout)


def parse(shell: str, out: str) -> list[str]:
    # Nothing to offer is one empty line.
    if shell == "bash":
        return [line for line in out.splitlines() if line]
    if shell == "fish":
        return [line.split("\t")[0] for line in out.splitlines() if line]
    # zsh: `_arguments '*: :(("value":"help" ...))'`, or `_files` when there is nothing.
    if out.strip() == "_files":
        return []
    return re.findall(r'^"((?:[^"]|"")*)"', out.split("((", 1)[1], flags=re.MULTILINE)


def add_tagged(target: str) -> None:
    with Notes.open(target) as notes:
        notes.add("draft the talk", tags=["work", "Writing"])
        notes.add("pay rent", tags=["work", "home"])
        notes.add("call mum", tags=["family"])


@pytest.mark.parametrize("shell", SHELLS)
def test_commands_and_options_complete(shell: str, tmp_path: Path) -> None:
    assert {"add", "list", "search", "export"} <= set(complete(shell, [""]))
    assert complete(shell, ["se"]) == ["search", "serve"]
    assert {"--db", "--install-completion", "--show-completion"} <= set(complete(shell, ["--"]))
    assert {"--tag", "--since", "--limit", "--format"} <= set(complete(shell, ["list", "--"]))
    assert "--untag" in complete(shell, ["edit", "1", "--un"])
    # Nothing of the default store was created by completing commands.
    assert not list(tmp_path.rglob("*.db"))


def test_tag_names_from_the_store(db_target: str) -> None:
    add_tagged(db_target)

    def tags(*words: str) -> list[str]:
        return complete("bash", ["--db", db_target, *words])

    # Stored names are case-folded ("Writing" is "writing"), listed by name.
    assert tags("list", "--tag", "") == ["family", "home", "work", "writing"]
    assert tags("add", "x", "-t", "w") == ["work", "writing"]
    # What is typed is case-folded like a tag before it is compared; the suggestion keeps
    # the typed part (shells only take suggestions that start with it) and is stored as
    # the existing tag.
    assert tags("search", "q", "--tag", "WR") == ["WRiting"]
    assert tags("list", "--tag", "Fam") == ["Family"]
    assert tags("edit", "1", "--untag", "h") == ["home"]
    assert tags("export", "--tag", "fa") == ["family"]
    assert tags("import", "-", "--tag", "") == ["family", "home", "work", "writing"]
    assert tags("trash", "--tag", "nothing-like-it") == []


@pytest.mark.parametrize("shell", SHELLS)
def test_every_shell_gets_the_tags_of_db_or_notes_db(shell: str, db_target: str) -> None:
    add_tagged(db_target)
    assert complete(shell, ["--db", db_target, "list", "--tag", "w"]) == ["work", "writing"]
    from_env = complete(shell, ["list", "--tag", "WR"], {"NOTES_DB": db_target})
    assert from_env == ["WRiting"]


def test_tag_names_through_the_cli_store(tmp_path: Path) -> None:
    store = tmp_path / "cli.db"
    for text, tag in [("one", "reading"), ("two", "recipes"), ("three", "reading")]:
        added = run(["--db", str(store), "add", text, "--tag", tag])
        assert added.returncode == 0, added.stderr
    assert complete("bash", ["--db", str(store), "list", "--tag", "re"]) == ["reading", "recipes"]
    # A suggestion in the typed case names the same tag: taking it adds no new one.
    (suggestion,) = complete("bash", ["--db", str(store), "add", "four", "--tag", "REA"])
    assert suggestion == "REAding"
    assert run(["--db", str(store), "add", "four", "--tag", suggestion]).returncode == 0
    assert complete("bash", ["--db", str(store), "list", "--tag", ""]) == ["reading", "recipes"]


def test_counts_shown_by_zsh_and_fish(db_target: str) -> None:
    add_tagged(db_target)
    words = ["notes", "--db", db_target, "list", "--tag", "wo"]
    env = {"_TYPER_COMPLETE_ARGS": " ".join(words), "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    fish = run([], {**env, "_NOTES_COMPLETE": "complete_fish"})
    assert fish.stdout.splitlines() == ["work\t2 notes"]
    zsh = run([], {**env, "_NOTES_COMPLETE": "complete_zsh"})
    assert '"work":"2 notes"' in zsh.stdout


def test_db_on_the_command_line_wins_over_notes_db(tmp_path: Path) -> None:
    first, second = str(tmp_path / "first.db"), str(tmp_path / "second.db")
    with Notes.open(first) as notes:
        notes.add("a", tags=["from-first"])
    with Notes.open(second) as notes:
        notes.add("b", tags=["from-second"])
    words = ["--db", second, "list", "--tag", "from"]
    assert complete("bash", words, {"NOTES_DB": first}) == ["from-second"]


@pytest.mark.parametrize("shell", SHELLS)
def test_a_missing_store_gives_nothing_and_is_not_created(shell: str, tmp_path: Path) -> None:
    missing = tmp_path / "typo" / "notes.db"
    assert complete(shell, ["--db", str(missing), "list", "--tag", ""]) == []
    assert complete(shell, ["list", "--tag", ""], {"NOTES_DB": str(missing)}) == []
    assert not missing.parent.exists()
    # Nor the default store, in the user data dir under this test's HOME.
    assert complete(shell, ["list", "--tag", ""]) == []
    assert not list(tmp_path.rglob("*.db"))


def test_an_empty_file_stays_empty(tmp_path: Path) -> None:
    # Opening it would make it a new store.
    empty = tmp_path / "empty.db"
    empty.touch()
    assert complete("bash", ["--db", str(empty), "list", "--tag", ""]) == []
    assert empty.stat().st_size == 0


def test_an_empty_postgresql_database_gets_no_schema(empty_postgres_database: str) -> None:
    assert complete("bash", ["--db", empty_postgres_database, "list", "--tag", ""]) == []
    from sqlalchemy import create_engine, text

    engine = create_engine(empty_postgres_database)
    query = "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
    with engine.connect() as connection:
        assert connection.execute(text(query)).scalar() == 0
    engine.dispose()


def test_an_older_store_is_not_upgraded_by_a_tab(empty_db_target: str) -> None:
    from tests.test_store import create_at_revision

    create_at_revision(empty_db_target, "0005")
    assert complete("bash", ["--db", empty_db_target, "list", "--tag", ""]) == []
    from sqlalchemy import create_engine, text

    from notes_core.location import resolve_url

    engine = create_engine(resolve_url(empty_db_target))
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()
    assert version == "0005"


@pytest.mark.parametrize(
    "target",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/none",  # nothing listens there
        "mysql://localhost/notes",  # not an engine notes supports
        "sqlite:///x.db?mode=ro",  # refused by the store's rules
    ],
)
def test_an_unusable_store_gives_nothing_silently(target: str, tmp_path: Path) -> None:
    assert complete("bash", ["--db", target, "list", "--tag", ""]) == []


def test_a_file_that_is_not_a_store_is_left_alone(tmp_path: Path) -> None:
    other = tmp_path / "todo.txt"
    other.write_text("not a database\n")
    assert complete("zsh", ["--db", str(other), "list", "--tag", ""]) == []
    assert other.read_text() == "not a database\n"


def test_bad_settings_give_nothing_silently(db_target: str) -> None:
    add_tagged(db_target)
    env = {"NOTES_DB": db_target, "NOTES_POOL_SIZE": "lots"}
    assert complete("fish", ["list", "--tag", ""], env) == []


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_show_completion_for_the_current_shell() -> None:
    shown = run(["--show-completion"], shell="bash")
    assert shown.returncode == 0, shown.stderr
    assert "complete -o default -F _notes_completion notes" in shown.stdout


@pytest.mark.parametrize(
    ("shell", "line"),
    [
        ("bash", "complete -o default -F _notes_completion notes"),
        ("zsh", "compdef _notes_completion notes"),
        ("fish", "complete --command notes --no-files"),
    ],
)
def test_show_completion_for_a_named_shell(shell: str, line: str) -> None:
    # Typer's switch from detecting the shell to naming it (what a dotfiles script uses).
    env = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    shown = run(["--show-completion", shell], env)
    assert (shown.returncode, shown.stderr) == (0, "")
    assert line in shown.stdout
    assert "_NOTES_COMPLETE=complete_" + shell in shown.stdout


def bash_offers(script: Path, words: list[str], env: dict[str, str]) -> list[str]:
    """Source the script into a real bash and call its completion function as bash would
    on Tab, with `notes` found on PATH."""
    assert BASH is not None
    array = " ".join(f"'{word}'" for word in ["notes", *words])
    program = (
        f"source '{script}'\n"
        f"COMP_WORDS=({array}); COMP_CWORD={len(words)}\n"
        "_notes_completion notes\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    path = f"{Path(NOTES).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    result = subprocess.run(
        [BASH, "--norc", "-c", program],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "PATH": path},
        timeout=60,
    )
    assert (result.returncode, result.stderr) == (0, "")
    return [line for line in result.stdout.splitlines() if line]


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_bash_sourcing_the_script_completes_tags(db_target: str, tmp_path: Path) -> None:
    add_tagged(db_target)
    script = tmp_path / "notes-completion.bash"
    script.write_text(run(["--show-completion"], shell="bash").stdout)
    env = {"NOTES_DB": db_target}
    assert bash_offers(script, ["list", "--tag", "w"], env) == ["work", "writing"]
    assert bash_offers(script, ["ex"], env) == ["export"]


@pytest.mark.skipif(BASH is None, reason="needs bash")
def test_install_completion_writes_into_home(isolated_env: Path, tmp_path: Path) -> None:
    home = isolated_env
    (home / ".bashrc").write_text("alias ll='ls -l'\n")
    installed = run(["--install-completion"], {"HOME": str(home)}, shell="bash")
    assert installed.returncode == 0, installed.stderr
    script = home / ".bash_completions" / "notes.sh"
    assert str(script) in installed.stdout
    assert "complete -o default -F _notes_completion notes" in script.read_text()
    # The user's own lines stay; a new bash reading .bashrc has the completion.
    rc = (home / ".bashrc").read_text()
    assert rc.startswith("alias ll='ls -l'\n")
    assert f"source '{script}'" in rc
    assert BASH is not None
    check = subprocess.run(
        [BASH, "-c", f"source '{home / '.bashrc'}'; complete -p notes"],
        capture_output=True,
        text=True,
        env={**os.environ, "HOME": str(home)},
        timeout=60,
    )
    assert check.stdout.strip() == "complete -o default -F _notes_completion notes"
    # Installing twice adds no second line.
    run(["--install-completion"], {"HOME": str(home)}, shell="bash")
    assert (home / ".bashrc").read_text().count(f"source '{script}'") == 1
    # And with a store, the installed completion offers its tags.
    store = tmp_path / "mine.db"
    with Notes.open(str(store)) as notes:
        notes.add("x", tags=["installed"])
    assert bash_offers(script, ["list", "--tag", "in"], {"NOTES_DB": str(store)}) == ["installed"]
