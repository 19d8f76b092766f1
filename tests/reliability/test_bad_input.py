"""Bad input to the installed `notes` command, in real processes, against real stores.

Every refusal is exactly one line `Error: ...` on stderr, exit status 1, nothing on stdout,
and the store left exactly as it was (its SQL dump on SQLite, every note read back through
the core on PostgreSQL). Usage errors (an unknown option) exit 2 instead.

Cases that need root (an immutable file, a read-only or a full filesystem) use the real
thing: `chattr +i`, a read-only bind mount, a 1 MiB tmpfs. File modes would not do, since
root writes through them. Where mounting is not allowed, those cases are skipped and
RLIMIT_FSIZE still makes writes fail the way a full disk does.
"""

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from notes_core import repository
from notes_core.engine import open_store
from notes_core.library import Notes
from notes_core.models import Note
from notes_core.schemas import RevisionPublic, note_public
from notes_core.session import session_scope
from notes_core.validation import MAX_TAGS_PER_NOTE

NOTES = str(Path(sys.executable).parent / "notes")
MIB = 1024 * 1024
NUL = "note text contains a NUL character"
TOO_BIG = "note text is 1,048,577 bytes; the limit is 1,048,576 bytes (1 MiB)"
TOO_MANY_TAGS = "too many tags: a note has at most 1,000"

Arg = str | bytes


def notes(
    db: str,
    *args: Arg,
    stdin: bytes = b"",
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """`notes --db DB ARGS...` with raw bytes in and out (argv may be invalid UTF-8)."""
    return subprocess.run(
        [NOTES, "--db", db, *args],
        input=stdin,
        capture_output=True,
        timeout=120,
        preexec_fn=preexec_fn,
    )


def notes_at_once(
    db: str, commands: Sequence[tuple[tuple[Arg, ...], bytes]]
) -> list[subprocess.CompletedProcess[bytes]]:
    """Run several `notes` commands on one store at the same time (each is its own process,
    and most of their time is Python starting up)."""
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(lambda command: notes(db, *command[0], stdin=command[1]), commands))


def assert_refused(result: subprocess.CompletedProcess[bytes], error: str) -> None:
    """Exactly one line `Error: <error>`, exit status 1, nothing on stdout."""
    assert result.stderr.decode(errors="replace") == f"Error: {error}\n"
    assert (result.returncode, result.stdout) == (1, b"")


def seed(db: str) -> None:
    store = open_store(db)
    try:
        with session_scope(store, write=True) as session:
            repository.add(session, text="first note", tags=["a"])
            repository.add(session, text="second note\n", tags=["b", "c"])
    finally:
        store.close()


def snapshot(db: str) -> list[str]:
    """Everything in the store: the SQL dump of a SQLite file (ids, tags, the search index,
    the id sequence, the versions), or on PostgreSQL every note, live or in the trash, and
    every version of the live ones, read back through the core."""
    if db.startswith("postgresql"):
        with Notes.open(db) as store:
            dump = [note_public(note).model_dump_json() for note in store.export(trash=True)]
            for note in list(store.iterate()):
                versions = store.history(note.id)
                dump += [RevisionPublic.of(version).model_dump_json() for version in versions]
            return dump
    assert Path(db).is_file(), db  # sqlite3.connect would create it
    with closing(sqlite3.connect(db)) as connection:
        return list(connection.iterdump())


def read_note(db: str, note_id: int) -> Note:
    store = open_store(db)
    try:
        with session_scope(store) as session:
            return repository.get(session, note_id=note_id)
    finally:
        store.close()


def capped(db: str) -> str:
    """On PostgreSQL, add a server-side statement timeout: should a query regress to a
    pathological plan, its backend must not go on burning CPU after the test gives up."""
    if not db.startswith("postgresql"):
        return db
    return f"{db}?options=-c%20statement_timeout%3D30s"


def tag_args(count: int, prefix: str = "t") -> list[str]:
    return [arg for i in range(count) for arg in ("--tag", f"{prefix}{i}")]


def not_an_id(value: str) -> str:
    return f"{value!r} is not a note id (ids are whole numbers from 1)"


def not_a_version(value: str) -> str:
    return f"{value!r} is not a version number (versions are numbered from 1)"


IN_TRASH_3 = "note 3 is in the trash (bring it back with: notes restore 3)"


def seed_trash(db: str) -> None:
    """Note 3, in the trash."""
    with Notes.open(db) as store:
        store.trash([store.add("third, in the trash").id])


# --- the table: content and ids -------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[Arg, ...]
    error: str
    stdin: bytes = b""
    postgres: bool = False  # also on PostgreSQL: writes that reach the store


CASES = [
    Case(
        "add-stdin-invalid-utf8",
        ("add",),
        "note text is not valid UTF-8 (bad byte at offset 4)",
        stdin=b"bad \xff byte",
        postgres=True,
    ),
    Case("add-argv-invalid-utf8", ("add", b"bad \xff byte"), "note text is not valid UTF-8"),
    Case("add-tag-invalid-utf8", ("add", "ok", "--tag", b"t\xff"), "tag is not valid UTF-8"),
    Case(
        "edit-stdin-invalid-utf8",
        ("edit", "1", "-"),
        "note text is not valid UTF-8 (bad byte at offset 0)",
        stdin=b"\xc3\x28",
    ),
    Case("edit-argv-invalid-utf8", ("edit", "1", b"\xfe"), "note text is not valid UTF-8"),
    # argv cannot carry a NUL (execve ends each argument at one): stdin is the way in.
    # PostgreSQL cannot store a NUL at all.
    Case("add-stdin-nul", ("add",), NUL, stdin=b"a\x00b", postgres=True),
    Case("edit-stdin-nul", ("edit", "1", "-"), NUL, stdin=b"\x00", postgres=True),
    Case("add-1mib-plus-1", ("add",), TOO_BIG, stdin=b"a" * (MIB + 1), postgres=True),
    Case(
        "edit-1mib-plus-1-multibyte",
        ("edit", "1", "-"),
        TOO_BIG,
        stdin="é".encode() * (MIB // 2) + b"!",
    ),
    Case(
        "add-1000-tags-last-bad",
        ("add", "ok", *tag_args(MAX_TAGS_PER_NOTE - 1), "--tag", "bad,tag"),
        "tag 'bad,tag' must not contain whitespace or commas",
        postgres=True,
    ),
    # Once: 70,000 tags were a 503 on PostgreSQL (over its 65,535 parameters per statement).
    Case(
        "add-1001-tags",
        ("add", "ok", *tag_args(MAX_TAGS_PER_NOTE + 1)),
        TOO_MANY_TAGS,
        postgres=True,
    ),
    # Note 1 has the tag `a`: 1,000 more are one too many.
    Case(
        "edit-to-1001-tags",
        ("edit", "1", *tag_args(MAX_TAGS_PER_NOTE)),
        TOO_MANY_TAGS,
        postgres=True,
    ),
    Case(
        "list-1001-tag-filter",
        ("list", *tag_args(MAX_TAGS_PER_NOTE + 1)),
        TOO_MANY_TAGS,
        postgres=True,
    ),
    # Ids are checked before the store is opened.
    Case("show-minus-1", ("show", "--", "-1"), not_an_id("-1")),
    Case("show-0", ("show", "0"), not_an_id("0")),
    Case("show-1e9", ("show", "1e9"), not_an_id("1e9")),
    Case("show-abc", ("show", "abc"), not_an_id("abc")),
    Case("edit-minus-1", ("edit", "--", "-1", "new"), not_an_id("-1")),
    Case("rm-1-and-abc", ("rm", "1", "abc"), not_an_id("abc")),
    Case("rm-2-and-minus-1", ("rm", "--", "2", "-1"), not_an_id("-1")),
    # Unknown ids reach the store.
    Case("show-unknown", ("show", "99"), "no note with id 99"),
    Case("edit-unknown", ("edit", "99", "new", "--tag", "x"), "no note with id 99", postgres=True),
    Case(
        "rm-known-and-unknown",
        ("rm", "1", "2", "99"),
        "no note with id 99; nothing was moved to the trash",
        postgres=True,
    ),
    # Note 3 is in the trash (see `seed_trash`).
    Case("show-trashed", ("show", "3"), IN_TRASH_3, postgres=True),
    Case("edit-trashed", ("edit", "3", "new"), IN_TRASH_3, postgres=True),
    Case("history-trashed", ("history", "3"), IN_TRASH_3),
    Case("revert-trashed", ("revert", "3", "1"), IN_TRASH_3, postgres=True),
    Case(
        "restore-trashed-and-live",
        ("restore", "3", "1"),
        "no note with id 1 in the trash; nothing was restored",
        postgres=True,
    ),
    Case(
        "purge-trashed-and-unknown",
        ("purge", "3", "99"),
        "no note with id 99 in the trash; nothing was purged",
        postgres=True,
    ),
    Case("purge-minus-1", ("purge", "3", "--", "-1"), not_an_id("-1")),
    Case("history-unknown", ("history", "99"), "no note with id 99"),
    Case(
        "show-rev-past-the-last",
        ("show", "1", "--rev", "2"),
        "note 1 has no version 2; it has versions 1 to 1 (see: notes history 1)",
    ),
    Case(
        "revert-past-the-last",
        ("revert", "1", "999999999999999999"),
        "note 1 has no version 999999999999999999; it has versions 1 to 1 (see: notes history 1)",
        postgres=True,
    ),
    Case("revert-0", ("revert", "1", "0"), not_a_version("0"), postgres=True),
    Case("revert-abc", ("revert", "1", "abc"), not_a_version("abc")),
    Case("show-rev-20-digits", ("show", "1", "--rev", "9" * 20), not_a_version("9" * 20)),
]


def test_bad_input_is_one_error_line_and_changes_nothing(
    db_target: str, subtests: pytest.Subtests
) -> None:
    """Every case refused on a seeded store; the store's dump is unchanged after all of them."""
    cases = [c for c in CASES if c.postgres or not db_target.startswith("postgresql")]
    seed(db_target)
    seed_trash(db_target)
    before = snapshot(db_target)
    results = notes_at_once(db_target, [(case.args, case.stdin) for case in cases])
    for case, result in zip(cases, results, strict=True):
        with subtests.test(case.name):
            assert_refused(result, case.error)
    assert snapshot(db_target) == before


def test_usage_errors_exit_2_and_change_nothing(
    sqlite_path: Path, subtests: pytest.Subtests
) -> None:
    seed(str(sqlite_path))
    before = snapshot(str(sqlite_path))
    for args, message in [
        (("show", "-1"), "No such option: -1"),  # an id starting with '-' needs '--'
        (("rm", "1", "-1"), "No such option: -1"),
        (("purge",), "give the ids of the notes to purge, or --all to empty the trash"),
        (("purge", "1", "--all"), "give the ids of the notes to purge, or --all, not both"),
        (("history", "1", "--format", "ids"), "'ids' is not one of"),
        (("add", "--bogus", "text"), "No such option: --bogus"),
    ]:
        with subtests.test(" ".join(args)):
            result = notes(str(sqlite_path), *args)
            stderr = result.stderr.decode()
            assert (result.returncode, result.stdout) == (2, b""), stderr
            assert message in stderr
            assert stderr.count("Error:") == 1 and "Traceback" not in stderr
    assert snapshot(str(sqlite_path)) == before


# --- what is accepted at the limits ---------------------------------------------------


def test_a_note_of_exactly_1_mib_is_kept_byte_for_byte(db_target: str) -> None:
    text = "é".encode() * (MIB // 2 - 1) + b"ok"
    assert len(text) == MIB
    result = notes(db_target, "add", stdin=text)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"1\n", b"")
    assert read_note(db_target, 1).text.encode() == text


def succeeded(db: str, *args: Arg) -> subprocess.CompletedProcess[bytes]:
    result = notes(db, *args)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-500:]
    assert result.stderr == b""
    return result


def test_a_thousand_tags_work_end_to_end(db_target: str) -> None:
    """The most tags a note may have (1,000; more are refused, see CASES) work everywhere,
    including a filter on all of them (once a traceback from SQLite's expression depth
    limit) and on PostgreSQL, whose statements take at most 65,535 parameters."""
    seed(db_target)
    db = capped(db_target)
    many = tag_args(MAX_TAGS_PER_NOTE)
    upper = [arg if arg == "--tag" else arg.upper() for arg in many]
    assert succeeded(db, "add", "many tags", *upper).stdout == b"3\n"
    assert read_note(db_target, 3).tags == sorted(f"t{i}" for i in range(MAX_TAGS_PER_NOTE))
    assert succeeded(db, "list", "--format", "ids", *many).stdout == b"3\n"
    assert succeeded(db, "search", "many", "--format", "ids", *many).stdout == b"3\n"
    assert succeeded(db, "list", "--format", "ids", *many[2:], "--tag", "a").stdout == b""
    untag = [arg.replace("--tag", "--untag") for arg in many]
    assert succeeded(db, "edit", "3", *untag).stdout == b""
    shown = read_note(db_target, 3)
    assert (shown.text, shown.tags) == ("many tags", [])


# --- stores that cannot be used ---------------------------------------------------------

WRITES: list[tuple[Arg, ...]] = [
    ("add", "x"),
    ("edit", "1", "new", "--tag", "y"),
    ("rm", "1"),
    ("purge", "--all"),
]


def assert_all_refused(
    db: str, commands: Sequence[tuple[Arg, ...]], error: str, subtests: pytest.Subtests
) -> None:
    results = notes_at_once(db, [(args, b"") for args in commands])
    for args, result in zip(commands, results, strict=True):
        with subtests.test(str(args[0])):
            assert_refused(result, error)


def test_a_directory_is_not_a_store(tmp_path: Path, subtests: pytest.Subtests) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    commands = [*WRITES, ("list",), ("show", "1")]
    assert_all_refused(
        str(folder), commands, f"{folder} is a directory, not a notes store", subtests
    )
    assert list(folder.iterdir()) == []


def test_another_sqlite_database_is_left_untouched(
    tmp_path: Path, subtests: pytest.Subtests
) -> None:
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as connection, connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        connection.execute("INSERT INTO notes VALUES (1, 'not ours')")
    before = snapshot(str(other))
    error = f"{other} is not a notes store (it has other tables); left untouched"
    assert_all_refused(str(other), [*WRITES, ("list",)], error, subtests)
    assert snapshot(str(other)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "other.db"]


def test_a_file_that_is_not_sqlite_is_left_untouched(tmp_path: Path) -> None:
    text = tmp_path / "todo.txt"
    text.write_bytes(b"buy milk\n")
    assert_refused(
        notes(str(text), "add", "x"),
        f"{text} is not a notes store (not a SQLite database); left untouched",
    )
    assert text.read_bytes() == b"buy milk\n"


def test_sqlite_url_options_are_refused(sqlite_path: Path, subtests: pytest.Subtests) -> None:
    """Once: `mode=ro` was ignored with a warning (and the note written), `timeout=soon` was
    a traceback, `uri=true` wrote a second, world-readable file named `notes.db?mode=ro`."""
    seed(str(sqlite_path))
    before = snapshot(str(sqlite_path))
    queries = ["mode=ro", "mode=ro&uri=true", "timeout=soon"]
    results = [notes(f"sqlite:///{sqlite_path}?{query}", "add", "x") for query in queries]
    for query, result in zip(queries, results, strict=True):
        with subtests.test(query):
            assert_refused(
                result,
                "a SQLite store URL takes no options after '?': use sqlite:///path/to/notes.db",
            )
    assert snapshot(str(sqlite_path)) == before
    assert [p.name for p in sqlite_path.parent.iterdir()] == ["notes.db"]


def root_only(what: str) -> None:
    if os.geteuid() != 0:
        pytest.skip(f"{what} needs root")


def sh(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


@pytest.fixture
def immutable_store(sqlite_path: Path) -> Iterator[Path]:
    """A seeded store with the immutable attribute: even root cannot write to it."""
    root_only("chattr +i")
    seed(str(sqlite_path))
    if shutil.which("chattr") is None or sh("chattr", "+i", str(sqlite_path)).returncode:
        pytest.skip("chattr +i is not supported here")
    try:
        yield sqlite_path
    finally:
        sh("chattr", "-i", str(sqlite_path))


def test_an_immutable_store_refuses_writes(
    immutable_store: Path, subtests: pytest.Subtests
) -> None:
    before = snapshot(str(immutable_store))
    error = f"cannot write to the store at {immutable_store}: attempt to write a readonly database"
    assert_all_refused(str(immutable_store), WRITES, error, subtests)
    assert notes(str(immutable_store), "show", "1").stdout == b"first note\n"
    assert snapshot(str(immutable_store)) == before


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """(source, mount): a seeded store's folder, bind-mounted read-only at `mount`."""
    root_only("mount")
    source, mount = tmp_path / "store", tmp_path / "ro"
    seed(str(source / "notes.db"))
    mount.mkdir()
    if sh("mount", "--bind", str(source), str(mount)).returncode:
        pytest.skip("bind mounts are not allowed here")
    try:
        if sh("mount", "-o", "remount,ro,bind", str(mount)).returncode:
            pytest.skip("read-only remounts are not allowed here")
        yield source, mount
    finally:
        sh("umount", str(mount))


def test_a_store_on_a_read_only_filesystem_refuses_writes(
    read_only_dir: tuple[Path, Path], subtests: pytest.Subtests
) -> None:
    source, mount = read_only_dir
    before = snapshot(str(source / "notes.db"))
    # A WAL store cannot even be opened there: SQLite must create its -shm file next to it.
    error = f"cannot open the store at {mount / 'notes.db'}: unable to open database file"
    assert_all_refused(str(mount / "notes.db"), WRITES, error, subtests)
    assert snapshot(str(source / "notes.db")) == before


def test_a_new_store_on_a_read_only_filesystem_is_refused(
    read_only_dir: tuple[Path, Path],
) -> None:
    _, mount = read_only_dir
    assert_refused(
        notes(str(mount / "new.db"), "add", "x"),
        f"cannot create the store at {mount / 'new.db'}: Read-only file system",
    )


BIG_NOTE = b"word " * 80_000  # 400 kB: more than the space left, well under 1 MiB


@dataclass(frozen=True)
class FullDisk:
    store: Path
    before: list[str]  # the store's dump, taken while there was still room for it


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[FullDisk]:
    """A seeded store on a 1 MiB tmpfs with only 200 KiB left."""
    root_only("mount -t tmpfs")
    mount = tmp_path / "tmpfs"
    mount.mkdir()
    if sh("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)).returncode:
        pytest.skip("mounting a tmpfs is not allowed here")
    try:
        store = mount / "notes.db"
        seed(str(store))
        before = snapshot(str(store))
        free = shutil.disk_usage(mount).free
        (mount / "filler").write_bytes(b"\0" * (free - 200 * 1024))
        yield FullDisk(store, before)
    finally:
        sh("umount", str(mount))


def test_a_full_disk_refuses_writes_and_keeps_the_store(
    full_disk: FullDisk, subtests: pytest.Subtests
) -> None:
    store = full_disk.store
    commands: list[tuple[tuple[Arg, ...], bytes]] = [
        (("add",), BIG_NOTE),
        (("edit", "1", "-"), BIG_NOTE),
        # Many small rows rather than one big one: 1,000 tags of 64 characters.
        (("add", "x", *tag_args(MAX_TAGS_PER_NOTE, prefix="t" * 60)), b""),
    ]
    for (args, stdin), result in zip(commands, notes_at_once(str(store), commands), strict=True):
        with subtests.test(f"{args[0]} {len(stdin) or len(args)}"):
            assert_refused(
                result, f"cannot write to the store at {store}: database or disk is full"
            )
    (store.parent / "filler").unlink()
    assert snapshot(str(store)) == full_disk.before
    with closing(sqlite3.connect(store)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # With room again, the same store takes the write.
    assert notes(str(store), "add", stdin=BIG_NOTE).stdout == b"3\n"


def small_file_limit() -> None:
    # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG instead.
    resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))


def test_a_file_size_limit_refuses_the_write_and_keeps_the_store(sqlite_path: Path) -> None:
    seed(str(sqlite_path))
    before = snapshot(str(sqlite_path))
    assert_refused(
        notes(str(sqlite_path), "edit", "1", "-", stdin=BIG_NOTE, preexec_fn=small_file_limit),
        f"cannot write to the store at {sqlite_path}: disk I/O error",
    )
    assert snapshot(str(sqlite_path)) == before
