"""The `notes` command as scripts and people use it; the store is read back through the core."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core import repository
from notes_core.engine import open_store
from notes_core.session import session_scope

TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00"


def stored(target: str) -> list[tuple[int, str, list[str]]]:
    store = open_store(target)
    with session_scope(store) as session:
        notes = [(n.id, n.text, n.tags) for n in repository.iterate(session, oldest_first=True)]
    store.close()
    return notes


def notes(runner: CliRunner, *args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug, not a user error: fail loudly
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def three(runner: CliRunner, notes_db: str) -> str:
    assert notes(runner, "add", "first", "note", "--tag", "Work")[1] == "1\n"
    assert notes(runner, "add", "second\nmore lines", "-t", "home", "-t", "work")[1] == "2\n"
    assert notes(runner, "add", "third\twith tab")[1] == "3\n"
    return notes_db


def test_add_joins_words_and_prints_the_id_alone(runner: CliRunner, notes_db: str) -> None:
    assert notes(runner, "add", "hello", "big", "world", "--tag", "Greet") == (0, "1\n", "")
    assert stored(notes_db) == [(1, "hello big world", ["greet"])]


@pytest.mark.parametrize("args", [[], ["-"]])
def test_add_reads_stdin(runner: CliRunner, notes_db: str, args: list[str]) -> None:
    body = "commit message\n\nbody line\n"
    assert notes(runner, "add", *args, "--tag", "commits", input=body) == (0, "1\n", "")
    assert stored(notes_db) == [(1, "commit message\n\nbody line", ["commits"])]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["add", "   "], None, "Error: note text is empty\n"),
        (["add"], "", "Error: note text is empty\n"),
        (["add"], b"caf\xe9", "Error: note text is not valid UTF-8 (bad byte at offset 3)\n"),
        (["add"], "a\x00b", "Error: note text contains a NUL character\n"),
        (
            ["add", "x", "--tag", "two words"],
            None,
            "Error: tag 'two words' must not contain whitespace or commas\n",
        ),
        (
            ["add", "x", "--tag", "a,b"],
            None,
            "Error: tag 'a,b' must not contain whitespace or commas\n",
        ),
        (
            ["add", "-"],
            "x" * (1024 * 1024 + 1),
            "Error: note text is 1,048,577 bytes; the limit is 1,048,576 bytes (1 MiB)\n",
        ),
    ],
)
def test_bad_input_is_one_error_line_and_writes_nothing(
    runner: CliRunner, notes_db: str, args: list[str], stdin: str | bytes | None, message: str
) -> None:
    assert notes(runner, *args, input=stdin) == (1, "", message)
    assert stored(notes_db) == []


def test_list_plain_is_the_default_in_a_pipe(runner: CliRunner, three: str) -> None:
    code, out, _ = notes(runner, "list")
    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert [row[0] for row in rows] == ["3", "2", "1"]
    assert [row[2:] for row in rows] == [
        ["", "third with tab"],
        ["home,work", "second"],
        ["work", "first note"],
    ]
    assert all(len(row) == 4 for row in rows)
    import re

    assert all(re.fullmatch(TIMESTAMP, row[1]) for row in rows)


def test_list_filters_by_every_tag_and_limits(runner: CliRunner, three: str) -> None:
    assert notes(runner, "list", "--tag", "work", "--format", "ids")[1] == "2\n1\n"
    assert notes(runner, "list", "--tag", "WORK", "--tag", "home", "-f", "ids")[1] == "2\n"
    assert notes(runner, "list", "--limit", "1", "-f", "ids")[1] == "3\n"


def test_list_json_and_jsonl_carry_whole_notes(runner: CliRunner, three: str) -> None:
    array = json.loads(notes(runner, "list", "--json")[1])
    assert [n["id"] for n in array] == [3, 2, 1]
    assert array[1]["text"] == "second\nmore lines"
    assert array[1]["tags"] == ["home", "work"]
    assert set(array[0]) == {"id", "text", "tags", "created_at", "updated_at", "pinned"}
    assert array[0]["created_at"].endswith("+00:00")
    lines = notes(runner, "list", "--format", "jsonl")[1].splitlines()
    assert [json.loads(line) for line in lines] == array
    assert notes(runner, "list", "--tag", "none", "--json")[1] == "[]\n"


def test_list_csv_has_the_contract_header_and_full_text(runner: CliRunner, three: str) -> None:
    rows = list(csv.reader(io.StringIO(notes(runner, "list", "--format", "csv")[1])))
    assert rows[0] == ["id", "created_at", "updated_at", "tags", "text"]
    assert rows[2][0] == "2" and rows[2][3] == "home,work" and rows[2][4] == "second\nmore lines"


def test_list_table_shows_notes_for_people(runner: CliRunner, three: str) -> None:
    code, out, _ = notes(runner, "list", "--format", "table")
    assert code == 0
    assert "first note" in out and "home, work" in out and "more lines" not in out
    assert notes(runner, "list", "--tag", "none", "-f", "table")[1] == "No notes.\n"


def test_list_rejects_a_zero_limit_and_unknown_format(runner: CliRunner, three: str) -> None:
    assert notes(runner, "list", "--limit", "0") == (
        1,
        "",
        "Error: limit must be between 1 and 1,000,000,000, not 0\n",
    )
    code, _, err = notes(runner, "list", "--format", "xml")
    assert code == 2 and "xml" in err


def test_show_prints_the_text_exactly(runner: CliRunner, three: str) -> None:
    assert notes(runner, "show", "2") == (0, "second\nmore lines\n", "")
    notes(runner, "add", "-", input="ends with newline\n\n")
    # stdin's trailing newlines are dropped on add; show adds exactly one.
    assert notes(runner, "show", "4")[1] == "ends with newline\n"


def test_show_json(runner: CliRunner, three: str) -> None:
    note = json.loads(notes(runner, "show", "1", "--format", "json")[1])
    assert (note["id"], note["text"], note["tags"]) == (1, "first note", ["work"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "9"], "Error: no note with id 9\n"),
        (["show", "abc"], "Error: 'abc' is not a note id (ids are whole numbers from 1)\n"),
        (["show", "0"], "Error: '0' is not a note id (ids are whole numbers from 1)\n"),
        (["show", "1e9"], "Error: '1e9' is not a note id (ids are whole numbers from 1)\n"),
        (["show", "--", "-1"], "Error: '-1' is not a note id (ids are whole numbers from 1)\n"),
        (["edit", "9", "x"], "Error: no note with id 9\n"),
        (
            ["rm", "1", "9", "10"],
            "Error: no notes with id 9, 10; nothing was moved to the trash\n",
        ),
        (["rm", "1", "zz"], "Error: 'zz' is not a note id (ids are whole numbers from 1)\n"),
        (["edit", "1", "--tag", "a b"], "Error: tag 'a b' must not contain whitespace or commas\n"),
    ],
)
def test_errors_are_one_line_exit_1_and_change_nothing(
    runner: CliRunner, three: str, args: list[str], message: str
) -> None:
    before = stored(three)
    assert notes(runner, *args) == (1, "", message)
    assert stored(three) == before


def test_edit_replaces_text_and_edits_tags_printing_nothing(runner: CliRunner, three: str) -> None:
    assert notes(runner, "edit", "1", "new", "words", "--tag", "Done", "--untag", "work") == (
        0,
        "",
        "",
    )
    assert stored(three)[0] == (1, "new words", ["done"])
    assert notes(runner, "edit", "1", "-", input="from stdin\n") == (0, "", "")
    assert stored(three)[0] == (1, "from stdin", ["done"])
    assert notes(runner, "edit", "1", "--untag", "done") == (0, "", "")
    assert stored(three)[0] == (1, "from stdin", [])


def test_edit_in_a_pipe_runs_the_editor_and_without_one_says_how_to_pass_text(
    runner: CliRunner, three: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As git does: a set $EDITOR runs even when stdin is not a terminal.
    monkeypatch.setenv("EDITOR", "false")
    before = stored(three)
    code, out, err = notes(runner, "edit", "1", input="")
    assert (code, out) == (1, "")
    assert err == "Error: the editor 'false' exited with status 1; note left unchanged\n"
    monkeypatch.delenv("EDITOR")
    assert notes(runner, "edit", "1")[2].startswith("Error: set $VISUAL or $EDITOR")
    assert stored(three) == before


def test_rm_moves_every_id_to_the_trash_and_prints_nothing(runner: CliRunner, three: str) -> None:
    assert notes(runner, "rm", "1", "3") == (0, "", "")
    assert [note[0] for note in stored(three)] == [2]
    assert notes(runner, "trash", "--format", "ids")[1] == "3\n1\n"
    assert notes(runner, "add", "after")[1] == "4\n"


def test_db_option_beats_notes_db(runner: CliRunner, three: str, tmp_path: object) -> None:
    other = f"{tmp_path}/other.db"
    assert notes(runner, "--db", other, "add", "elsewhere")[1] == "1\n"
    assert notes(runner, "--db", other, "list", "-f", "ids")[1] == "1\n"
    assert notes(runner, "list", "-f", "ids")[1] == "3\n2\n1\n"


def test_path_prints_the_store_location(runner: CliRunner, notes_db: str) -> None:
    assert notes(runner, "path") == (0, notes_db + "\n", "")
    masked = notes(runner, "--db", "postgresql://bob:hunter2@host/db", "path")[1]
    assert masked == "postgresql+psycopg://bob:***@host/db\n"


def test_version(runner: CliRunner) -> None:
    from notes_core import __version__

    assert notes(runner, "--version") == (0, f"notes {__version__}\n", "")


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    from typer.main import get_command

    group = get_command(app)
    assert group.commands  # type: ignore[attr-defined]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert command.help and "Example:" in command.help, name
        assert notes(runner, name, "--help")[0] == 0


@pytest.fixture
def searchable(runner: CliRunner, notes_db: str) -> str:
    notes(runner, "add", "deploy the api on friday", "--tag", "ops")
    notes(runner, "add", "deploy the docs", "--tag", "docs")
    notes(runner, "add", "lunch with the team")
    return notes_db


def test_search_plain_has_the_snippet_as_a_fifth_field(runner: CliRunner, searchable: str) -> None:
    code, out, _ = notes(runner, "search", "deploy", "api")
    assert code == 0
    (row,) = [line.split("\t") for line in out.splitlines()]
    assert len(row) == 5
    assert (row[0], row[2], row[3]) == ("1", "ops", "deploy the api on friday")
    assert row[4] == "deploy the api on friday"  # the snippet: all of a short note


def test_search_json_and_tags_and_exclusion(runner: CliRunner, searchable: str) -> None:
    hits = json.loads(notes(runner, "search", "deploy", "--json")[1])
    assert sorted(hit["id"] for hit in hits) == [1, 2]
    assert {"snippet", "highlights"} <= set(hits[0])
    assert notes(runner, "search", "deploy", "--tag", "docs", "-f", "ids")[1] == "2\n"
    assert notes(runner, "search", "-f", "ids", "--", "-deploy")[1] == "3\n"
    assert notes(runner, "search", "deploy -docs", "-f", "ids")[1] == "1\n"
    assert notes(runner, "search", '"the api"', "-f", "ids")[1] == "1\n"
    assert notes(runner, "search", "nothing", "-f", "json")[1] == "[]\n"
    assert notes(runner, "search", "deploy", "--limit", "1", "-f", "ids")[0] == 0


def test_search_never_errors_on_odd_queries(runner: CliRunner, searchable: str) -> None:
    for query in ['"', "NEAR(", "AND", "c++", "')", "*", "--"]:
        assert notes(runner, "search", "-f", "ids", "--", query)[0] == 0, query


def test_search_table_highlights_the_matched_words(
    runner: CliRunner, searchable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    out = notes(runner, "search", "friday", "--format", "table")[1]
    assert "\x1b[1;33mfriday\x1b[0m" in out
    assert "No matches." in notes(runner, "search", "zzz", "--format", "table")[1]


def test_each_command_is_built_from_the_module_main_names() -> None:
    """`notes CMD` builds only CMD's module (start-up): the map must name every command,
    and a command line must reach the module that has it."""
    from typer.main import get_command

    from notes_cli.app import ALL_MODULES, COMMAND_MODULES, make_app, modules_for

    for module in ALL_MODULES:
        built = get_command(make_app([module])).commands  # type: ignore[attr-defined]
        assert sorted(built) == sorted(n for n, m in COMMAND_MODULES.items() if m == module)
    whole = get_command(make_app()).commands  # type: ignore[attr-defined]
    assert list(whole) == list(COMMAND_MODULES)  # `notes --help` lists them in this order
    assert modules_for(["--db", "x.db", "tag", "rename", "a", "b"]) == ("tags",)
    assert modules_for(["--db=x.db", "add", "list"]) == ("notes",)
    assert modules_for(["--version"]) == modules_for(["nope"]) == modules_for([]) == ALL_MODULES
