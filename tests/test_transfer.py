"""`notes export` and `notes import` on both engines: real `notes` processes joined by
pipes, real files, and the stores read back through the core."""

import csv
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from notes_cli.app import app
from notes_core.library import Notes
from notes_core.models import Note
from tests.conftest import PostgresDatabases, postgres_database_from

NOTES = str(Path(sys.executable).parent / "notes")
FIXTURES = Path(__file__).parent / "fixtures"
MIB = 1024 * 1024
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Texts an export must carry exactly: unicode, front-matter lookalikes, CRLF, blank lines
# around the text, a byte order mark, JSON and CSV punctuation, and 1 MiB.
TEXTS = [
    ("a plain note", ["work"]),
    ("Café au lait à Montréal — naïve résumé, 日本語のメモ, emoji 🚲, שלום", ["café", "日本"]),
    ("---\ntitle: not front matter\ntags: [fake]\n---\nthe body after a lookalike", []),
    ("---\n---\n", ["edge"]),
    ("line one\r\nline two\r\n\r\nafter a CRLF blank line\r\n", ["crlf"]),
    ("  \n\nblank lines and spaces around  \n\n", []),
    ("\ufeffstarts with a byte order mark", []),
    ('"quoted", commas, \\backslashes\\ and\ttabs', ["punctuation"]),
    ("# A heading\n\n- a list\n- of things\n", ["markdown", "work"]),
    ("é" * (MIB // 2), ["big"]),  # exactly 1 MiB of UTF-8
    ("ten", []),
    ("eleven: more than nine notes, so ids sort as numbers, not as names", []),
]
TRASHED = 3  # the id of a note seeded into the trash


def notes_process(
    *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [NOTES, *args],
        input=input,
        capture_output=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def cli(runner: CliRunner, *args: str, input: bytes | str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a bug, not a user error: fail loudly
    # stdout exactly: Result.stdout would turn the CRLF of a note into LF.
    return result.exit_code, result.stdout_bytes.decode(), result.stderr


def seed(target: str) -> None:
    """TEXTS as notes; the first edited (so updated_at differs), one moved to the trash."""
    with Notes.open(target) as notes:
        ids = [notes.add(text, tags=tags).id for text, tags in TEXTS]
        notes.update(ids[0], text="a plain note, edited", add_tags=["edited"])
        notes.trash([TRASHED])


def everything(target: str) -> list[Note]:
    """Every note of a store, oldest first, the trash included, read through the core."""
    with Notes.open(target) as notes:
        return list(notes.export(trash=True))


def content(notes: list[Note]) -> list[tuple[object, ...]]:
    """What a round trip must keep, in order (ids aside)."""
    return [(n.text, n.tags, n.created_at, n.updated_at, n.trashed_at) for n in notes]


@pytest.fixture
def other_target(db_target: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second, empty store on the same engine as `db_target`."""
    if not db_target.startswith("postgresql"):
        path = tmp_path / "other" / "notes.db"
        path.parent.mkdir()
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield str(path)
        return
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    with postgres_database_from(databases, empty=False) as url:
        yield url


@pytest.fixture
def seeded(notes_db: str) -> str:
    seed(notes_db)
    return notes_db


# --- round trips -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_export_piped_into_import_reproduces_every_note_and_the_trash(
    seeded: str, other_target: str, fmt: str
) -> None:
    exported = notes_process("export", "--trash", "--format", fmt)
    assert exported.returncode == 0, exported.stderr
    imported = notes_process("--db", other_target, "import", input=exported.stdout)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout == b""
    assert imported.stderr == f"imported {len(TEXTS)}, skipped 0\n".encode()

    original, copy = everything(seeded), everything(other_target)
    assert [n.id for n in copy] == [n.id for n in original]
    assert content(copy) == content(original)
    assert copy[TRASHED - 1].trashed_at is not None  # back in the trash, not live
    with Notes.open(other_target) as notes:
        assert [n.id for n in notes.trashed()] == [TRASHED]
        assert TRASHED not in [n.id for n in notes.iterate()]
    again = notes_process("export", "--trash", "--format", fmt, env={"NOTES_DB": other_target})
    assert again.stdout == exported.stdout  # byte for byte


def test_export_leaves_the_trash_out_unless_asked(seeded: str, other_target: str) -> None:
    exported = notes_process("export")
    assert notes_process("--db", other_target, "import", "-", input=exported.stdout).returncode == 0
    live = [n for n in everything(seeded) if n.trashed_at is None]
    copy = everything(other_target)
    assert content(copy) == content(live)
    assert [n.id for n in copy] == list(range(1, len(live) + 1))  # same order, new ids


def test_markdown_export_to_a_folder_then_import_of_the_folder(
    seeded: str, other_target: str, tmp_path: Path
) -> None:
    folder = tmp_path / "exported" / "notes"  # created, parents too
    result = notes_process("export", "--trash", "--format", "markdown", "--output", str(folder))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    original = everything(seeded)
    names = sorted(path.name for path in folder.iterdir())
    assert len(names) == len(TEXTS)
    assert "1-a-plain-note-edited.md" in names
    first = (folder / "1-a-plain-note-edited.md").read_bytes()
    assert first.startswith(b"---\nid: 1\n")
    assert first.endswith(b"\n---\na plain note, edited")  # the text exactly, nothing added
    assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name in names)
    mtime = (folder / "1-a-plain-note-edited.md").stat().st_mtime_ns // 1000
    assert EPOCH + timedelta(microseconds=mtime) == original[0].updated_at  # the note's time

    imported = notes_process("--db", other_target, "import", str(folder))
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == f"imported {len(TEXTS)}, skipped 0\n".encode()
    copy = everything(other_target)
    assert sorted(content(copy), key=str) == sorted(content(original), key=str)
    # Files are read in name order; ids must follow it as numbers (2 before 10).
    assert [n.text[:20] for n in copy] == [n.text[:20] for n in original]


def test_reimporting_the_same_file_adds_nothing(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    dump = tmp_path / "dump.jsonl"
    assert cli(runner, "export", "--trash", "--output", str(dump))[0] == 0
    before = everything(seeded)
    assert cli(runner, "import", str(dump)) == (0, "", f"imported 0, skipped {len(TEXTS)}\n")
    assert everything(seeded) == before
    # A file with its own duplicates adds each note once.
    doubled = tmp_path / "doubled.jsonl"
    doubled.write_bytes(dump.read_bytes() * 2)
    other = str(tmp_path / "fresh.db")
    result = notes_process("--db", other, "import", str(doubled))
    assert result.stderr == (
        f"Created a new store at {other}\nimported {len(TEXTS)}, skipped {len(TEXTS)}\n".encode()
    )


def test_import_adds_the_given_tags_to_every_note(runner: CliRunner, notes_db: str) -> None:
    lines = '{"text": "one", "tags": ["a"]}\n{"text": "two"}\n'
    assert cli(runner, "import", "--tag", "Imported", "-t", "b", input=lines)[0] == 0
    assert [n.tags for n in everything(notes_db)] == [["a", "b", "imported"], ["b", "imported"]]


# --- export formats and filters -----------------------------------------------------------


def test_export_notes_are_exactly_those_list_prints_oldest_first(
    runner: CliRunner, seeded: str
) -> None:
    listed = cli(runner, "list", "--format", "jsonl")[1]
    assert cli(runner, "export") == (0, "".join(reversed(listed.splitlines(True))), "")
    listed_json = cli(runner, "list", "--format", "json")[1]
    exported_json = cli(runner, "export", "--format", "json")[1]
    assert json.loads(exported_json) == list(reversed(json.loads(listed_json)))
    assert exported_json.startswith("[\n{") and exported_json.endswith("}\n]\n")


def test_export_of_an_empty_store(runner: CliRunner, notes_db: str) -> None:
    assert cli(runner, "export") == (0, "", "")
    assert cli(runner, "export", "--format", "json") == (0, "[]\n", "")
    header = "id,created_at,updated_at,tags,text\n"
    assert cli(runner, "export", "--format", "csv") == (0, header, "")


def test_export_csv_is_lists_csv_with_trashed_at_when_the_trash_is_in(
    runner: CliRunner, seeded: str, big_csv_fields: None
) -> None:
    listed = list(csv.reader(io.StringIO(cli(runner, "list", "--format", "csv")[1])))
    exported = list(csv.reader(io.StringIO(cli(runner, "export", "--format", "csv")[1])))
    assert exported == [listed[0], *reversed(listed[1:])]
    with_trash = list(csv.DictReader(io.StringIO(cli(runner, "export", "-f", "csv", "--trash")[1])))
    notes = everything(seeded)
    assert [row["text"] for row in with_trash] == [n.text for n in notes]  # CRLF kept
    trashed = notes[TRASHED - 1].trashed_at
    assert trashed is not None
    assert [row["trashed_at"] for row in with_trash if row["trashed_at"]] == [
        trashed.isoformat(timespec="microseconds")
    ]


@pytest.fixture
def big_csv_fields() -> Iterator[None]:
    """The csv module reads fields up to 128 KiB by default; the 1 MiB note is one."""
    before = csv.field_size_limit(2 * MIB)
    yield
    csv.field_size_limit(before)


def dated(day: int, text: str, tags: list[str]) -> str:
    created = datetime(2024, 3, day, 12, 0, tzinfo=UTC).isoformat()
    return json.dumps({"text": text, "tags": tags, "created_at": created})


def test_export_filters_by_tag_and_dates(runner: CliRunner, notes_db: str) -> None:
    lines = [dated(1, "march 1", ["a"]), dated(2, "march 2", ["a", "b"]), dated(3, "march 3", [])]
    assert cli(runner, "import", input="\n".join(lines) + "\n")[0] == 0
    assert cli(runner, "add", "added today", "--tag", "a")[0] == 0

    def texts(*args: str) -> list[str]:
        code, out, err = cli(runner, "export", *args)
        assert (code, err) == (0, "")
        return [json.loads(line)["text"] for line in out.splitlines()]

    assert texts("--tag", "a") == ["march 1", "march 2", "added today"]
    assert texts("--tag", "a", "--tag", "B") == ["march 2"]
    assert texts("--since", "2024-03-02T00:00+00:00") == ["march 2", "march 3", "added today"]
    assert texts("--until", "2024-03-02T12:00:00Z") == ["march 1"]  # until is exclusive
    assert texts("--since", "2024-03-02T00:00Z", "--until", "2024-03-03T00:00Z") == ["march 2"]
    assert texts("--since", "1d") == ["added today"]
    assert texts("--since", "today") == ["added today"]


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_bad_date_is_one_error_line(runner: CliRunner, notes_db: str, option: str) -> None:
    code, out, err = cli(runner, "export", option, "last tuesday")
    assert (code, out) == (1, "")
    assert err.startswith("Error: 'last tuesday' is not a date: use an ISO date")
    assert err.count("\n") == 1


# --- where an export goes -----------------------------------------------------------------


def test_export_to_a_new_file_is_private_and_leaves_nothing_else(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "notes.json"
    out.parent.mkdir()
    assert cli(runner, "export", "-f", "json", "-o", str(out)) == (0, "", "")
    assert json.loads(out.read_text()) == json.loads(cli(runner, "export", "-f", "json")[1])
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert list(out.parent.iterdir()) == [out]  # no temporary file left beside it


def test_export_replaces_an_existing_file_keeping_its_mode(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "notes.jsonl"
    out.parent.mkdir()
    out.write_text("old content that is much longer than nothing\n" * 1000)
    out.chmod(0o644)
    link = out.parent / "link.jsonl"
    link.symlink_to(out)
    assert cli(runner, "export", "-o", str(link)) == (0, "", "")
    assert out.read_text() == cli(runner, "export")[1]
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert link.is_symlink()  # written through the link, as `>` would
    assert sorted(p.name for p in out.parent.iterdir()) == ["link.jsonl", "notes.jsonl"]


def test_export_to_dash_is_stdout(runner: CliRunner, seeded: str) -> None:
    assert cli(runner, "export", "-o", "-", "-f", "json") == cli(runner, "export", "-f", "json")


def test_export_to_a_device_writes_to_it(runner: CliRunner, seeded: str) -> None:
    before = os.stat(os.devnull)
    assert cli(runner, "export", "-o", os.devnull) == (0, "", "")
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert os.stat(os.devnull).st_ino == before.st_ino


def test_export_that_cannot_write_says_so_and_writes_nothing(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "folder" / "notes.jsonl"
    code, out, err = cli(runner, "export", "-o", str(missing))
    assert (code, out) == (1, "")
    reason = "No such file or directory; nothing was exported"
    assert err == f"Error: cannot write {missing}: {reason}\n"
    assert not (tmp_path / "no").exists()
    assert cli(runner, "export", "-o", str(tmp_path))[2] == (
        f"Error: {tmp_path} is a folder: --output needs a file name for this format\n"
    )


def test_markdown_needs_an_output_folder(runner: CliRunner, notes_db: str) -> None:
    code, out, err = cli(runner, "export", "--format", "markdown")
    assert (code, out) == (2, "")
    assert "Invalid value for --output: required with --format markdown" in err


def test_markdown_never_writes_into_a_folder_that_holds_anything(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    folder = tmp_path / "vault"
    folder.mkdir()
    (folder / "1-a-plain-note-edited.md").write_text("my own note")
    code, out, err = cli(runner, "export", "-f", "markdown", "-o", str(folder))
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {folder} is not empty: export to a new or empty folder "
        "(an export never overwrites files)\n"
    )
    assert [p.name for p in folder.iterdir()] == ["1-a-plain-note-edited.md"]
    assert (folder / "1-a-plain-note-edited.md").read_text() == "my own note"
    a_file = tmp_path / "file.md"
    a_file.write_text("x")
    assert cli(runner, "export", "-f", "markdown", "-o", str(a_file))[0] == 1
    assert a_file.read_text() == "x"


def test_markdown_into_an_existing_empty_folder(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert cli(runner, "export", "-f", "markdown", "-o", str(folder)) == (0, "", "")
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(TEXTS) - 1  # the trashed note stays out
    assert not any(name.startswith(".") for name in names)  # no staging folder left


# --- import: what comes in ----------------------------------------------------------------


def test_import_reads_stdin_with_no_path_or_dash(notes_db: str) -> None:
    assert notes_process("import", input=b'{"text": "from a pipe"}\n').stderr == (
        b"imported 1, skipped 0\n"
    )
    assert notes_process("import", "-", input=b'[{"text": "json from a pipe"}]').stderr == (
        b"imported 1, skipped 0\n"
    )
    assert [n.text for n in everything(notes_db)] == ["from a pipe", "json from a pipe"]


@pytest.mark.parametrize("fmt", ["jrnl", "auto"])
def test_import_of_a_journal_made_by_jrnl(notes_db: str, fmt: str) -> None:
    # jrnl writes local wall-clock time without a zone: Paris is UTC+1 in March 2024.
    journal = str(FIXTURES / "jrnl" / "journal.json")
    result = notes_process("import", journal, "--format", fmt, env={"TZ": "Europe/Paris"})
    assert (result.returncode, result.stderr) == (0, b"imported 6, skipped 0\n")
    notes = everything(notes_db)
    assert [n.text.split("\n")[0] for n in notes] == [
        "Bought seeds for the @garden.",
        "Finished the @book club novel.",
        "Café au lait à Montréal — naïve résumé, 日本語のメモ, emoji 🚲 ride with @Élodie.",
        "Just a title with no body",
        "Standup notes from @work. The deploy went fine.",
        "Packing list for the @trip.",
    ]
    assert notes[5].text == (
        "Packing list for the @trip.\n- passport\n- charger and adapters\n\n"
        "Remember: the train leaves at 7."
    )
    assert notes[3].text == "Just a title with no body"
    assert notes[0].created_at == datetime(2024, 3, 1, 7, 15, tzinfo=UTC)
    assert notes[1].created_at == datetime(2024, 3, 2, 20, 40, tzinfo=UTC)
    assert all(n.updated_at == n.created_at for n in notes)
    assert [n.tags for n in notes] == [
        ["garden"],
        ["book", "cafe", "starred"],
        ["élodie"],
        [],
        ["recipe", "work"],
        ["trip"],
    ]
    again = notes_process("import", journal, "--format", fmt, env={"TZ": "Europe/Paris"})
    assert again.stderr == b"imported 0, skipped 6\n"


def test_import_of_a_zk_and_obsidian_folder(notes_db: str) -> None:
    folder = FIXTURES / "zk"
    result = notes_process("import", str(folder), env={"TZ": "Europe/Paris"})
    assert (result.returncode, result.stderr) == (0, b"imported 7, skipped 0\n")
    by_start = {n.text.lstrip().split("\n")[0]: n for n in everything(notes_db)}
    assert set(by_start) == {
        "# Frogs",
        "Notes on chapter 3 — naïve assumptions, résumé of the argument.",
        "Kickoff for project alpha: ship the importer first.",
        "# Zettel on importers",
        "# Friday 1 March",
        "Week 10: the importer landed; next week, the exporter.",
        "# Reading list",
    }  # nothing from .zk/ or .obsidian/
    frogs = by_start["# Frogs"]
    assert frogs.text == "# Frogs\n\nFrogs are amphibians.\n"
    assert frogs.tags == ["cool", "reference"]
    assert frogs.created_at == datetime(2021, 5, 1, 16, 40, tzinfo=UTC)
    assert frogs.updated_at == datetime(2021, 6, 17, 23, 59, tzinfo=UTC)
    alpha = by_start["Kickoff for project alpha: ship the importer first."]
    assert alpha.tags == ["ideas", "inbox", "project/alpha"]
    assert alpha.created_at == datetime(2024, 3, 2, 9, 15, tzinfo=UTC)  # 10:15 in Paris
    weekly = by_start["Week 10: the importer landed; next week, the exporter."]
    assert weekly.tags == ["review", "weekly"]
    assert weekly.created_at == datetime(2024, 3, 8, 17, 0, tzinfo=UTC)
    assert weekly.updated_at == datetime(2024, 3, 9, 7, 0, tzinfo=UTC)
    daily = by_start["# Friday 1 March"]
    assert daily.created_at == datetime(2024, 2, 29, 23, 0, tzinfo=UTC)  # local midnight
    reading = by_start["# Reading list"]
    mtime = (folder / "no-front-matter.md").stat().st_mtime_ns // 1000
    assert reading.created_at == EPOCH + timedelta(microseconds=mtime)
    assert by_start["# Zettel on importers"].text == (
        "# Zettel on importers\n\nImporters should be all or nothing.\n"
    )


# --- import: bad input, all or nothing ----------------------------------------------------


def good_lines(count: int) -> bytes:
    return b"".join(b'{"text": "good %d"}\n' % i for i in range(count))


BAD_FILES = [
    pytest.param(
        "notes.jsonl",
        good_lines(2500) + b'{"text": "broken"\n',
        "line 2501: not valid JSON",
        id="broken-jsonl-line-after-two-batches",
    ),
    pytest.param(
        "notes.jsonl",
        good_lines(1) + b'{"tags": ["x"]}\n',
        'line 2: no "text" (every note needs one)',
        id="no-text",
    ),
    pytest.param(
        "notes.jsonl",
        b'{"text": "", "tags": []}\n',
        "line 1: note text is empty",
        id="empty-text",
    ),
    pytest.param(
        "notes.jsonl",
        good_lines(1) + b'{"text": "a", "created_at": "2024-02-30T10:00:00Z"}\n',
        "line 2: created_at '2024-02-30T10:00:00Z' is out of range",
        id="invalid-date",
    ),
    pytest.param(
        "notes.jsonl",
        b'{"text": "a", "created_at": "2024-03-02T00:00Z", "updated_at": "2024-03-01T00:00Z"}\n',
        "line 1: updated_at (2024-03-01T00:00:00+00:00) is before created_at",
        id="updated-before-created",
    ),
    pytest.param(
        "notes.jsonl",
        good_lines(3) + b'{"text": "a\\u0000b"}\n',
        "line 4: note text contains a NUL character",
        id="nul",
    ),
    pytest.param(
        "notes.jsonl",
        good_lines(1) + b'{"text": "caf\xe9"}\n',
        "line 2: not valid UTF-8",
        id="not-utf8-jsonl",
    ),
    pytest.param(
        "notes.json",
        b'[{"text": "a"}, {"text": "b", "tags": "x"}]',
        'entry 2: "tags" must be a list of strings',
        id="json-entry",
    ),
    pytest.param(
        "journal.json",
        b'{"tags": {}, "entries": [{"title": "t", "body": "", "date": "2024-13-01", '
        b'"time": "10:00", "tags": [], "starred": false}]}',
        "entry 1: date '2024-13-01' and time '10:00' are not YYYY-MM-DD and HH:MM",
        id="jrnl-date",
    ),
    pytest.param(
        "note.md",
        b"---\ntags: [a\n---\ntext\n",
        "note.md: the front matter is not valid YAML",
        id="markdown-yaml",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES)
def test_a_bad_record_is_one_error_line_and_nothing_is_imported(
    runner: CliRunner, seeded: str, tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    before = everything(seeded)
    path = tmp_path / name
    path.write_bytes(data)
    code, out, err = cli(runner, "import", str(path))
    assert (code, out) == (1, "")
    assert err.startswith("Error: ") and err.count("\n") == 1, err
    assert message in err
    assert everything(seeded) == before


def test_a_bad_file_in_a_folder_is_named_and_nothing_is_imported(
    runner: CliRunner, seeded: str, tmp_path: Path
) -> None:
    vault = tmp_path / "vault"
    (vault / "sub").mkdir(parents=True)
    (vault / "a.md").write_text("fine")
    (vault / "sub" / "latin1.md").write_bytes(b"caf\xe9 au lait")
    before = everything(seeded)
    code, out, err = cli(runner, "import", str(vault))
    assert (code, out) == (1, "")
    assert err == "Error: sub/latin1.md: not valid UTF-8 (at byte offset 3); save it as UTF-8\n"
    assert everything(seeded) == before


def test_a_folder_with_no_notes(runner: CliRunner, seeded: str, tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    (vault / ".obsidian").mkdir(parents=True)
    (vault / ".obsidian" / "app.md").write_text("settings")
    (vault / "readme.txt").write_text("not markdown")
    before = everything(seeded)
    code, out, err = cli(runner, "import", str(vault))
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: {vault}: no .md files in this folder or below")
    assert everything(seeded) == before


def test_a_missing_file_and_a_folder_as_jsonl(
    runner: CliRunner, notes_db: str, tmp_path: Path
) -> None:
    missing = tmp_path / "missing.jsonl"
    assert cli(runner, "import", str(missing)) == (
        1,
        "",
        f"Error: {missing}: no such file or folder\n",
    )
    assert cli(runner, "import", str(tmp_path), "--format", "jsonl") == (
        1,
        "",
        f"Error: {tmp_path} is a folder: only markdown reads folders\n",
    )
    assert everything(notes_db) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_file(runner: CliRunner, seeded: str, tmp_path: Path) -> None:
    locked = tmp_path / "locked.jsonl"
    locked.write_bytes(good_lines(3))
    locked.chmod(0)
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "a.md").write_text("fine")
    (vault / "b.md").write_text("locked")
    (vault / "b.md").chmod(0)
    before = everything(seeded)
    assert cli(runner, "import", str(locked)) == (
        1,
        "",
        f"Error: {locked}: cannot be read (Permission denied)\n",
    )
    assert cli(runner, "import", str(vault)) == (
        1,
        "",
        "Error: b.md: cannot be read (Permission denied)\n",
    )
    assert everything(seeded) == before


# --- what the user sees while it runs ------------------------------------------------------


def test_in_a_pipe_import_prints_the_summary_alone(notes_db: str, tmp_path: Path) -> None:
    dump = tmp_path / "big.jsonl"
    dump.write_bytes(good_lines(3000))
    result = notes_process("import", str(dump))
    assert (result.returncode, result.stdout) == (0, b"")
    assert result.stderr == b"imported 3000, skipped 0\n"


def test_on_a_terminal_import_shows_a_progress_bar(notes_db: str, tmp_path: Path) -> None:
    import pty

    dump = tmp_path / "big.jsonl"
    dump.write_bytes(good_lines(20000))
    primary, secondary = pty.openpty()
    process = subprocess.Popen(
        [NOTES, "import", str(dump)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env={**os.environ, "COLUMNS": "100", "TERM": "xterm"},
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # EIO: the other end is closed
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    stdout, _ = process.communicate(timeout=120)
    assert (process.returncode, stdout) == (0, b"")
    # First how much of the file is read and checked, then how many notes are written.
    assert b"reading" in shown and b"writing" in shown and b"20,000 notes" in shown
    assert shown.rstrip().endswith(b"imported 20000, skipped 0")
