"""The file formats of `notes import` / `notes export`, without a store: what each reader
makes of real files (ours, jrnl's, a zk/Obsidian folder), how bad records are named, that
readers stream, and that a markdown export reads back exactly."""

import io
import json
import os
import shutil
import tempfile
import threading
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes_core.errors import InvalidImport, InvalidNote
from notes_core.models import Note
from notes_core.transfer import json_stream
from notes_core.transfer.markdown import markdown_document, markdown_filename
from notes_core.transfer.readers import (
    ImportSource,
    detect_format,
    read_jrnl,
    read_json,
    read_jsonl,
    read_markdown,
)
from notes_core.transfer.records import ImportRecord
from notes_core.validation import clean_tag

FIXTURES = Path(__file__).parent / "fixtures"
CREATED = datetime(2026, 11, 25, 13, 0, 0, 123456, tzinfo=UTC)
UPDATED = datetime(2026, 11, 26, 8, 30, 0, 654321, tzinfo=UTC)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], ZoneInfo]]:
    """Sets the process's local zone (TZ + tzset) for one test, then restores it."""

    def use(name: str) -> ZoneInfo:
        monkeypatch.setenv("TZ", name)
        time.tzset()
        return ZoneInfo(name)

    yield use
    monkeypatch.undo()
    time.tzset()


def jsonl(*values: object) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(value).encode() + b"\n" for value in values))


def exported(note_id: int, text: str, tags: list[str] | None = None) -> dict[str, object]:
    """A note as `notes list --format jsonl` / `notes export` writes it."""
    return {
        "id": note_id,
        "text": text,
        "tags": tags or [],
        "created_at": CREATED.isoformat(),
        "updated_at": UPDATED.isoformat(),
        "pinned": False,
    }


def failure(records: Iterator[ImportRecord]) -> str:
    with pytest.raises(InvalidImport) as caught:
        list(records)
    return str(caught.value)


# --- jsonl ----------------------------------------------------------------------------


def test_jsonl_of_our_export_keeps_text_tags_and_dates_exactly() -> None:
    stream = jsonl(exported(7, "café ☕\r\nline two", ["b", "a"]), exported(8, "---\nx: 1\n---"))
    first, second = read_jsonl(stream)
    assert first == ImportRecord(
        "café ☕\r\nline two", ["b", "a"], CREATED, UPDATED, None, "line 1"
    )
    assert second.text == "---\nx: 1\n---" and second.source == "line 2"


def test_jsonl_skips_blank_lines_but_counts_them() -> None:
    stream = io.BytesIO(b'\n{"text": "a"}\r\n   \n{"text": "b"}')
    assert [(r.text, r.source) for r in read_jsonl(stream)] == [("a", "line 2"), ("b", "line 4")]


def test_jsonl_record_without_dates_or_tags() -> None:
    (record,) = read_jsonl(jsonl({"text": "plain"}))
    assert record == ImportRecord("plain", [], None, None, None, "line 1")


def test_jsonl_updated_at_defaults_to_created_at_and_null_is_allowed() -> None:
    (record,) = read_jsonl(
        jsonl({"text": "x", "created_at": CREATED.isoformat(), "updated_at": None, "tags": None})
    )
    assert record.created_at == record.updated_at == CREATED and record.tags == []


def test_jsonl_dates_without_an_offset_are_local_time(
    local_zone: Callable[[str], ZoneInfo],
) -> None:
    zone = local_zone("America/New_York")
    (record,) = read_jsonl(
        jsonl({"text": "x", "created_at": "2024-07-01T09:00", "trashed_at": "2024-07-02"})
    )
    assert record.created_at == datetime(2024, 7, 1, 9, 0, tzinfo=zone)
    assert record.trashed_at == datetime(2024, 7, 2, tzinfo=zone)


def test_jsonl_reads_a_file_that_starts_with_a_byte_order_mark() -> None:
    stream = io.BytesIO(b'\xef\xbb\xbf{"text": "from Notepad"}\n')
    assert [r.text for r in read_jsonl(stream)] == ["from Notepad"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"text": "ok"}\n{"text": "broken\n', "line 2: not valid JSON"),
        (b'{"text": "ok"}\n\n{"tags": ["a"]}\n', 'line 3: no "text"'),
        (b'{"text": 42}\n', 'line 1: "text" must be a string, not a number'),
        (b'{"text": null}\n', 'line 1: "text" must be a string, not null'),
        (b'["text"]\n', 'line 1: expected a JSON object with "text", found a list'),
        (b'"just a string"\n', 'line 1: expected a JSON object with "text", found a string'),
        (b'{"text": "a", "tags": "a,b"}\n', 'line 1: "tags" must be a list of strings'),
        (b'{"text": "a", "tags": ["a", 1]}\n', 'line 1: "tags" must be a list of strings'),
        (b'{"text": "a", "created_at": "last week"}\n', "line 1: created_at 'last week' is not"),
        (b'{"text": "a", "updated_at": "2024-02-30T10:00"}\n', "line 1: updated_at '2024-02-30"),
        (b'{"text": "a", "trashed_at": 3}\n', "line 1: trashed_at must be an ISO 8601 string"),
        (
            b'{"text": "ok"}\n{"text": "caf\xe9"}\n',
            "line 2: not valid UTF-8 (at byte offset 13 of the line)",
        ),
        (b"hello world\n", "line 1: not valid JSON"),
    ],
)
def test_jsonl_bad_records_are_named_by_line(content: bytes, expected: str) -> None:
    assert failure(read_jsonl(io.BytesIO(content))).startswith(expected)


def test_jsonl_a_nul_or_empty_text_is_left_to_the_store_rules() -> None:
    # The store's validation (clean_text) refuses them, naming record.source.
    records = list(read_jsonl(jsonl({"text": "a\x00b"}, {"text": "  "})))
    assert [r.text for r in records] == ["a\x00b", "  "]


def test_jsonl_refuses_a_line_longer_than_any_note_without_reading_it_whole() -> None:
    stream = io.BytesIO(b'{"text": "' + b"x" * (17 * 1024 * 1024) + b'"}\n')
    message = failure(read_jsonl(stream))
    assert message.startswith("line 1: longer than 16 MiB")
    assert stream.tell() <= 16 * 1024 * 1024 + 1


def big_jsonl(path: Path, count: int) -> Path:
    line = json.dumps(exported(1, "a note of a few words " * 3, ["tag"])).encode() + b"\n"
    path.write_bytes(line * count)
    return path


def test_jsonl_streams_the_first_record_before_reading_everything(tmp_path: Path) -> None:
    path = big_jsonl(tmp_path / "big.jsonl", 200_000)
    with path.open("rb") as stream:
        records = read_jsonl(stream)
        first = next(records)
        assert first.source == "line 1"
        assert stream.tell() < path.stat().st_size / 100
        assert sum(1 for _ in records) == 199_999


def test_jsonl_memory_stays_flat(tmp_path: Path) -> None:
    path = big_jsonl(tmp_path / "big.jsonl", 30_000)
    assert path.stat().st_size > 3 * FLAT_PEAK_BYTES
    with path.open("rb") as stream:
        count, peak = count_with_peak_memory(read_jsonl(stream))
    assert count == 30_000
    assert peak < FLAT_PEAK_BYTES, f"peak {peak:,} bytes"


FLAT_PEAK_BYTES = 1024 * 1024


def count_with_peak_memory(records: Iterator[ImportRecord]) -> tuple[int, int]:
    """How many records, and the most memory Python held at once while reading them."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in records)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- json -----------------------------------------------------------------------------


def json_export(*values: object) -> bytes:
    """As `notes export --format json` writes: one note per line inside the array."""
    if not values:
        return b"[\n]\n"
    return (
        "[\n" + ",\n".join(json.dumps(v, ensure_ascii=False) for v in values) + "\n]\n"
    ).encode()


def test_json_of_our_export_names_entries_from_one() -> None:
    content = json_export(exported(1, "first", ["x"]), exported(2, "日本語\r\n"))
    records = list(read_json(io.BytesIO(content)))
    assert records == [
        ImportRecord("first", ["x"], CREATED, UPDATED, None, "entry 1"),
        ImportRecord("日本語\r\n", [], CREATED, UPDATED, None, "entry 2"),
    ]


def test_json_reads_an_empty_array_and_a_compact_one() -> None:
    assert list(read_json(io.BytesIO(json_export()))) == []
    compact = json.dumps([{"text": "a"}, {"text": "b"}], separators=(",", ":")).encode()
    assert [r.text for r in read_json(io.BytesIO(compact))] == ["a", "b"]


def test_json_reads_big_entries_and_characters_split_across_chunks() -> None:
    # 1 MiB of two-byte characters: entries span many 64 KiB reads, and chunk
    # boundaries fall inside characters.
    big = "é" * (512 * 1024)
    content = json_export({"text": "a"}, {"text": big, "tags": ["ü"]}, {"text": "z"})
    assert [r.text for r in read_json(io.BytesIO(content))] == ["a", big, "z"]


def test_json_streams_the_first_entry_before_reading_everything(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(json_export(*[exported(i, f"note {i}") for i in range(50_000)]))
    with path.open("rb") as stream:
        records = read_json(stream)
        assert next(records).source == "entry 1"
        assert stream.tell() < path.stat().st_size / 50
        assert sum(1 for _ in records) == 49_999


def test_json_memory_stays_flat(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(
        json_export(*[exported(i, "a note of a few words " * 3) for i in range(30_000)])
    )
    assert path.stat().st_size > 3 * FLAT_PEAK_BYTES
    with path.open("rb") as stream:
        count, peak = count_with_peak_memory(read_json(stream))
    assert count == 30_000
    assert peak < FLAT_PEAK_BYTES, f"peak {peak:,} bytes"


@settings(max_examples=200, deadline=None)
@given(
    notes=st.lists(
        st.fixed_dictionaries(
            {"text": st.text(), "tags": st.lists(st.text(max_size=5), max_size=3)},
            optional={"pinned": st.booleans(), "id": st.integers(), "x": st.floats()},
        ),
        max_size=8,
    ),
    indent=st.sampled_from([None, 0, 2]),
    ensure_ascii=st.booleans(),
    chunk=st.integers(min_value=1, max_value=40),
)
def test_json_reads_any_array_whatever_the_chunk_boundaries(
    notes: list[dict[str, object]], indent: int | None, ensure_ascii: bool, chunk: int
) -> None:
    content = json.dumps(notes, indent=indent, ensure_ascii=ensure_ascii).encode()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(json_stream, "CHUNK_BYTES", chunk)
        records = list(read_json(io.BytesIO(content)))
    assert [(r.text, r.tags) for r in records] == [(n["text"], n["tags"]) for n in notes]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not a JSON array of notes: it starts with an empty input"),
        (b'{"text": "a"}\n', "not a JSON array of notes: it starts with '{' instead of '['"),
        (b'[{"text": "a"}, {"text": "b"}, {"text": "c",]', "entry 3: not valid JSON"),
        (b'[{"text": "a"}, 7]', 'entry 2: expected a JSON object with "text", found a number'),
        (b'[{"text": "a"}, {"body": "b"}]', 'entry 2: no "text"'),
        (b'[{"text": "a"} {"text": "b"}]', "entry 2: expected ',' or ']' after the entry"),
        (
            b'[{"text": "a"}, {"text": "b"}',
            "entry 3: expected ',' or ']' after the entry but found the end of the input",
        ),
        (b'[{"text": "a"}]\n[]', "after entry 1: unexpected '['"),
        (b'[{"text": "a"}, {"text": "caf\xe9"}]', "entry 2: not valid UTF-8 (at byte offset 29)"),
        (b'[{"text": "a", "created_at": "soon"}]', "entry 1: created_at 'soon' is not"),
        (b'[{"text": "a"},\n{"text": "b"\n', "entry 2: not valid JSON"),
    ],
)
def test_json_bad_entries_are_named(content: bytes, expected: str) -> None:
    assert failure(read_json(io.BytesIO(content))).startswith(expected)


def test_json_yields_the_good_entries_before_a_bad_one() -> None:
    # The store reads them inside one transaction: the error then rolls all of them back.
    records = read_json(io.BytesIO(b'[{"text": "a"}, {"text": "b"}, {"text": 3}]'))
    assert [next(records).text, next(records).text] == ["a", "b"]
    with pytest.raises(InvalidImport, match=r"^entry 3: "):
        next(records)


# --- jrnl -----------------------------------------------------------------------------


def test_jrnl_export_made_by_jrnl_itself(local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("Asia/Tokyo")
    with (FIXTURES / "jrnl" / "journal.json").open("rb") as stream:
        records = list(read_jrnl(stream))
    assert [r.source for r in records] == [f"entry {n}" for n in range(1, 7)]
    garden, novel, cafe, title_only, standup, packing = records
    assert garden.text == (
        "Bought seeds for the @garden.\n"
        "Tomatoes, basil and two kinds of peppers; planting starts in April."
    )
    assert garden.tags == ["garden"]
    assert garden.created_at == garden.updated_at == datetime(2024, 3, 1, 8, 15, tzinfo=zone)
    assert sorted(novel.tags) == ["book", "cafe", "starred"]
    assert novel.created_at == datetime(2024, 3, 2, 21, 40, tzinfo=zone)
    assert (
        cafe.text
        == "Café au lait à Montréal — naïve résumé, 日本語のメモ, emoji 🚲 ride with @Élodie."
    )
    assert cafe.tags == ["élodie"]
    assert title_only.text == "Just a title with no body" and title_only.tags == []
    assert sorted(standup.tags) == ["recipe", "work"]  # '#recipe' loses its '#' too
    assert packing.text == (
        "Packing list for the @trip.\n- passport\n- charger and adapters\n\n"
        "Remember: the train leaves at 7."
    )
    assert all(r.trashed_at is None for r in records)


def test_jrnl_on_one_line_is_read_too() -> None:
    document = {
        "tags": {"@a": 1},
        "entries": [
            {
                "title": "T.",
                "body": " B. \n\n",
                "date": "2024-01-02",
                "time": "03:04",
                "tags": ["@a"],
                "starred": False,
            }
        ],
    }
    (record,) = read_jrnl(io.BytesIO(json.dumps(document).encode()))
    assert record.text == "T.\n B." and record.tags == ["a"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (b"[]", "not a jrnl export: expected a JSON object"),
        (b'{"tags": {}}', 'not a jrnl export: no "entries"'),
        (
            b'{"entries": [{"title": "a", "date": "2024-01-01", "time": "09:00"}, 5]}',
            "entry 2: expected a JSON object, found a number",
        ),
        (
            b'{"entries": [{"title": "a", "date": "01/02/2024", "time": "09:00"}]}',
            "entry 1: date '01/02/2024' and time '09:00' are not YYYY-MM-DD and HH:MM",
        ),
        (b'{"entries": [{"title": "a", "time": "09:00"}]}', "entry 1: date 'None'"),
        (b'{"entries": [{"title": "a", "date": "2024-01-01", "time": "25:00"}]}', "entry 1: date"),
        (
            b'{"entries": [{"body": "a", "date": "2024-01-01", "time": "09:00"}]}',
            'entry 1: "title" and "body" must be strings',
        ),
        (
            b'{"entries": [{"title": "a", "date": "2024-01-01", "tags": "@a"}]}',
            'entry 1: "tags" must be a list of strings',
        ),
        (b'{"entries": [{"title": "a", "date": "2024-01-01"}, {"title": ', "entry 2: not valid"),
    ],
)
def test_jrnl_bad_entries_are_named(document: bytes, expected: str) -> None:
    assert failure(read_jrnl(io.BytesIO(document))).startswith(expected)


# --- markdown: reading a zk / Obsidian / Joplin folder ----------------------------------


def copy_of_fixture(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    shutil.copytree(FIXTURES / name, folder, symlinks=True)
    return folder


def mtime_of(path: Path) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(
        microseconds=path.stat().st_mtime_ns // 1000
    )


def test_a_zk_obsidian_joplin_folder(tmp_path: Path, local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("Europe/Paris")
    folder = copy_of_fixture(tmp_path, "zk")
    # Git does not keep a folder named .git in a fixture: this one is made here.
    (folder / ".git").mkdir()
    (folder / ".git" / "description.md").write_text("not a note\n")
    old = datetime(2020, 1, 1, 12, tzinfo=UTC).timestamp()
    os.utime(folder / "no-front-matter.md", (old, old))
    by_source = {record.source: record for record in read_markdown(folder)}
    assert list(by_source) == [
        "joplin-export.md",
        "no-front-matter.md",
        "ideas/comma-tags.md",
        "ideas/obsidian-list-tags.md",
        "ideas/zk-template.md",
        "journal/daily/2024-03-01.md",
        "journal/weekly/2024-w10.md",
    ]

    plain = by_source["no-front-matter.md"]
    assert plain.text == (FIXTURES / "zk" / "no-front-matter.md").read_text()
    assert plain.created_at == plain.updated_at == datetime(2020, 1, 1, 12, tzinfo=UTC)
    assert plain.tags == []

    daily = by_source["journal/daily/2024-03-01.md"]
    assert daily.text == "# Friday 1 March\n\nPlanted basil on the balcony.\n"
    assert daily.created_at == datetime(2024, 3, 1, tzinfo=zone)
    assert daily.updated_at == mtime_of(folder / "journal/daily/2024-03-01.md")

    weekly = by_source["journal/weekly/2024-w10.md"]
    assert weekly.tags == ["weekly", "review"]
    assert weekly.created_at == datetime(2024, 3, 8, 17, 0, tzinfo=UTC)
    assert weekly.updated_at == datetime(2024, 3, 9, 7, 0, tzinfo=UTC)

    obsidian = by_source["ideas/obsidian-list-tags.md"]
    assert obsidian.text == "Kickoff for project alpha: ship the importer first.\n"
    assert obsidian.tags == ["project/alpha", "inbox", "Ideas"]
    assert obsidian.created_at == datetime(2024, 3, 2, 10, 15, tzinfo=zone)

    comma = by_source["ideas/comma-tags.md"]
    assert comma.tags == ["reading", "books"]
    assert comma.created_at == datetime(2024, 3, 3, 20, 45, tzinfo=zone)

    zettel = by_source["ideas/zk-template.md"]
    assert zettel.text == "# Zettel on importers\n\nImporters should be all or nothing.\n"
    assert zettel.created_at == datetime(2024, 3, 4, 9, 30, tzinfo=zone)

    joplin = by_source["joplin-export.md"]
    assert joplin.text == "# Frogs\n\nFrogs are amphibians.\n"
    assert joplin.tags == ["Reference", "Cool"]
    assert joplin.created_at == datetime(2021, 5, 1, 16, 40, tzinfo=UTC)
    assert joplin.updated_at == datetime(2021, 6, 17, 23, 59, tzinfo=UTC)


def test_a_single_markdown_file_is_named_as_given(tmp_path: Path) -> None:
    path = tmp_path / "one.md"
    path.write_bytes(b"no front matter, no final newline")
    (record,) = read_markdown(path)
    assert record.text == "no front matter, no final newline"
    assert record.source == str(path)
    assert record.created_at == record.updated_at == mtime_of(path)


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def read_one(tmp_path: Path, content: bytes) -> ImportRecord:
    (record,) = read_markdown(write(tmp_path, "note.md", content))
    return record


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"---\r\ntags: [a]\r\n---\r\nwindows\r\nlines\r\n", "windows\r\nlines\r\n"),
        (b"---\n---\nempty front matter", "empty front matter"),
        (b"---\ntags: [a]\n---\n", ""),
        (b"---\ntags: [a]\n---", ""),
        (b"---  \ntags: [a]\n---\t\nfences with trailing blanks", "fences with trailing blanks"),
        (
            b"---\ntags: [a]\n---\nbody\n---\nmore: yaml-like\n---\n",
            "body\n---\nmore: yaml-like\n---\n",
        ),
        (b"---\nnot closed\n", "---\nnot closed\n"),
        (b"text first\n---\ntags: [a]\n---\n", "text first\n---\ntags: [a]\n---\n"),
        (b"----\ntags: [a]\n---\n", "----\ntags: [a]\n---\n"),
        (b"\xef\xbb\xbf---\ntags: [a]\n---\nafter a BOM", "after a BOM"),
    ],
)
def test_front_matter_is_split_off_and_the_body_kept_exactly(
    tmp_path: Path, content: bytes, text: str
) -> None:
    assert read_one(tmp_path, content).text == text


@pytest.mark.parametrize(
    ("front", "tags"),
    [
        ("tags: [a, b]", ["a", "b"]),
        ("tags:\n  - a\n  - b", ["a", "b"]),
        ("tags: a, b,c", ["a", "b", "c"]),
        ("tags: a b", ["a", "b"]),
        ("tags: '#a, #b'", ["a", "b"]),
        ("tags: ''", []),
        ("tags: []", []),
        ("tags:", []),
        ("tags: [2024, 2024-03-01]", ["2024", "2024-03-01"]),
        ("tag: solo", ["solo"]),
        ("tags: ['#kept']", ["#kept"]),  # list items are names as written
    ],
)
def test_tags_in_front_matter(tmp_path: Path, front: str, tags: list[str]) -> None:
    assert read_one(tmp_path, f"---\n{front}\n---\nx".encode()).tags == tags


def test_dates_in_front_matter(tmp_path: Path, local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("America/New_York")
    dated = read_one(tmp_path, b"---\ncreated: 2024-03-01\nupdated: 2024-03-02T10:00:00Z\n---\nx")
    assert dated.created_at == datetime(2024, 3, 1, tzinfo=zone)
    assert dated.updated_at == datetime(2024, 3, 2, 10, tzinfo=UTC)
    both = read_one(tmp_path, b"---\ncreated: 2024-03-01 08:00:00\ndate: 2023-01-01\n---\nx")
    assert both.created_at == datetime(2024, 3, 1, 8, tzinfo=zone)  # created wins over date
    # Created later than the file's mtime: updated is never before created.
    future = read_one(tmp_path, b"---\ncreated: 2999-01-01T00:00:00Z\n---\nx")
    assert future.updated_at == future.created_at == datetime(2999, 1, 1, tzinfo=UTC)
    trashed = read_one(tmp_path, b"---\ntrashed: '2024-05-05T05:05:05.000005+00:00'\n---\nx")
    assert trashed.trashed_at == datetime(2024, 5, 5, 5, 5, 5, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (
            b"---\ntitle: Frogs\n---\n\nFrogs are amphibians.\n",
            "# Frogs\n\nFrogs are amphibians.\n",
        ),
        (b"---\ntitle: Frogs\n---\n# Frogs\n\nbody\n", "# Frogs\n\nbody\n"),
        (b"---\ntitle: Frogs\n---\n\n## Frogs ##\nbody", "\n## Frogs ##\nbody"),
        (b"---\ntitle: Frogs\n---\n# Toads\n", "# Frogs\n\n# Toads\n"),
        (b"---\ntitle: Only a title\n---\n", "# Only a title\n"),
        (b"---\ntitle: 1984\n---\nbook", "# 1984\n\nbook"),
        (b"---\ntitle: ''\n---\nbody", "body"),
    ],
)
def test_a_title_only_in_front_matter_becomes_a_heading(
    tmp_path: Path, content: bytes, text: str
) -> None:
    assert read_one(tmp_path, content).text == text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"caf\xe9 latin-1", "not valid UTF-8 (at byte offset 3)"),
        (
            b"---\n- a\n- b\n---\nbody",
            "the front matter (between the first two '---' lines) "
            "must be YAML `key: value` lines, not a list",
        ),
        (
            b"---\njust words\n---\nbody",
            "the front matter (between the first two '---' lines) "
            "must be YAML `key: value` lines, not a string",
        ),
        (b"---\ntags: [a\n---\nbody", "the front matter is not valid YAML"),
        (
            b"---\na: b: c\n---\n",
            "the front matter is not valid YAML (mapping values are not "
            "allowed in this context on line 2)",
        ),
        (b"---\ncreated: 2024-02-30\n---\nx", "the front matter is not valid YAML (day is out"),
        (b"---\ncreated: next week\n---\nx", "created 'next week' is not an ISO 8601 date"),
        (b"---\nupdated: 1700000000\n---\nx", "updated must be an ISO 8601 string"),
        (b"---\ntags: {a: 1}\n---\nx", "tags must be a list or names separated by commas"),
        (b"---\ntags: [yes]\n---\nx", "the tag True is not a name; quote it"),
        (b"---\na: " + b"[" * 10_000 + b"\n---\nx", "the front matter is not valid YAML"),
        (b"---\nx: !!python/object/apply:os.system [ls]\n---\n", "the front matter is not valid"),
    ],
)
def test_a_bad_markdown_file_is_named_relative_to_the_folder(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    write(tmp_path, "a/fine.md", b"fine")
    write(tmp_path, "b/bad.md", content)
    assert failure(read_markdown(tmp_path)).startswith(f"b/bad.md: {expected}")


def test_a_folder_without_markdown_files(tmp_path: Path) -> None:
    write(tmp_path, ".obsidian/hidden.md", b"not a note")
    write(tmp_path, "notes/readme.txt", b"not markdown")
    write(tmp_path, ".hidden.md", b"hidden file")
    assert failure(read_markdown(tmp_path)) == (
        f"{tmp_path}: no .md files in this folder or below "
        "(hidden folders such as .obsidian are skipped)"
    )


def test_a_missing_path(tmp_path: Path) -> None:
    assert (
        failure(read_markdown(tmp_path / "nope")) == f"{tmp_path / 'nope'}: no such file or folder"
    )


def test_a_dangling_link_is_named(tmp_path: Path) -> None:
    write(tmp_path, "a.md", b"fine")
    (tmp_path / "b.md").symlink_to(tmp_path / "gone.md")
    assert failure(read_markdown(tmp_path)) == "b.md: cannot be read (No such file or directory)"


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A temp folder that another user may enter (pytest's own is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="notes-test-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def failure_without_privileges(folder: Path) -> str:
    """read_markdown's error for a user whom file modes bind: this one, or, when the tests
    run as root (who reads anything), a forked child that becomes `nobody` first."""
    if os.geteuid() != 0:
        return failure(read_markdown(folder))
    read_end, write_end = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork() with threads (3.12+)
        child = os.fork()
    if child == 0:  # the child reports through the pipe, then exits at once
        try:
            os.setgid(65534)
            os.setuid(65534)
            try:
                list(read_markdown(folder))
                message = "no error"
            except InvalidImport as exc:
                message = str(exc)
            os.write(write_end, message.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(child, 0)
    return message


def test_an_unreadable_file_is_named(shared_tmp: Path) -> None:
    write(shared_tmp, "a.md", b"fine")
    write(shared_tmp, "sub/secret.md", b"secret").chmod(0)
    expected = "sub/secret.md: cannot be read (Permission denied)"
    assert failure_without_privileges(shared_tmp) == expected


def test_an_unreadable_folder_is_named(shared_tmp: Path) -> None:
    write(shared_tmp, "a.md", b"fine")
    (shared_tmp / "locked").mkdir(mode=0)
    assert failure_without_privileges(shared_tmp) == "locked: cannot be read (Permission denied)"


def test_a_file_larger_than_any_note_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "huge.md", b"x" * (16 * 1024 * 1024 + 1))
    assert failure(read_markdown(tmp_path)).startswith("huge.md: larger than 16 MiB")


# --- markdown: writing, and reading it back ----------------------------------------------


def note(text: str, tags: list[str] | None = None, **dates: datetime) -> Note:
    return Note(
        id=42,
        text=text,
        tags=tags or [],
        created_at=dates.get("created_at", CREATED),
        updated_at=dates.get("updated_at", UPDATED),
        trashed_at=dates.get("trashed_at"),
    )


def test_markdown_document_layout() -> None:
    document = markdown_document(note("# Hello\n\nworld", ["b-tag", "café", "yes", "2024"]))
    assert (
        document
        == (
            "---\n"
            "id: 42\n"
            "created: '2026-11-25T13:00:00.123456+00:00'\n"
            "updated: '2026-11-26T08:30:00.654321+00:00'\n"
            "tags:\n- b-tag\n- café\n- 'yes'\n- '2024'\n"
            "---\n"
            "# Hello\n\nworld"
        ).encode()
    )


def test_markdown_document_of_a_trashed_note_and_of_one_without_tags() -> None:
    trashed = datetime(2026, 12, 1, tzinfo=UTC)
    document = markdown_document(note("x", trashed_at=trashed)).decode()
    assert "tags: []\ntrashed: '2026-12-01T00:00:00.000000+00:00'\n---\nx" in document


ROUND_TRIP_TEXTS = {
    "unicode": "Café ☕ — naïve résumé, 日本語, emoji 🚲👩‍👩‍👧, RTL עברית, \u200b zero width",
    "crlf": "first\r\nsecond\r\n\r\nthird\r\n",
    "no final newline": "no newline at the end",
    "starts with front matter": "---\ntitle: not mine\ntags: [x]\n---\nbody",
    "only a lookalike": "---\n---\n",
    "only a fence": "---",
    "fence lines inside": "intro\n---\nmiddle\n---\n\n---\nend",
    "crlf lookalike": "---\r\nid: 7\r\n---\r\n",
    "yaml document": "%YAML 1.2\n---\n...\n",
    "leading blank lines": "\n\n  indented\n",
    "a heading": "# Title\n\nbody\n",
    "byte order mark first": "\ufeffBOM in the text",
    "lone carriage returns": "a\rb\r---\r",
    "one mebibyte": ("x" * 1023 + "\n") * 1024,
}


@pytest.mark.parametrize("text", ROUND_TRIP_TEXTS.values(), ids=ROUND_TRIP_TEXTS.keys())
def test_markdown_round_trip_is_exact(tmp_path: Path, text: str) -> None:
    original = note(text, ["work", "日本", "yes", "null", "#hash", "a:b", "-x", "2024"])
    path = tmp_path / markdown_filename(original)
    path.write_bytes(markdown_document(original))
    (record,) = read_markdown(tmp_path)
    assert (record.text, record.tags) == (original.text, original.tags)
    assert (record.created_at, record.updated_at) == (CREATED, UPDATED)
    assert record.trashed_at is None


def test_markdown_round_trip_keeps_the_trash_date(tmp_path: Path) -> None:
    original = note("gone", trashed_at=datetime(2026, 12, 1, 1, 2, 3, 4, tzinfo=UTC))
    (record,) = read_markdown(write(tmp_path, "n.md", markdown_document(original)))
    assert record.trashed_at == original.trashed_at


def valid_tag(tag: str) -> bool:
    try:
        return clean_tag(tag) == tag
    except InvalidNote:
        return False


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(min_size=1),
    tags=st.lists(st.text(min_size=1, max_size=12).filter(valid_tag), max_size=5, unique=True),
    created=st.datetimes(timezones=st.just(UTC)),
)
def test_markdown_round_trip_of_any_text_and_tags(
    text: str, tags: list[str], created: datetime
) -> None:
    original = note(text, sorted(tags), created_at=created, updated_at=created)
    (record,) = read_markdown_bytes(markdown_document(original))
    assert (record.text, record.tags, record.created_at) == (text, sorted(tags), created)


def read_markdown_bytes(document: bytes) -> list[ImportRecord]:
    from notes_core.transfer.readers import read_markdown_stream

    return list(read_markdown_stream(io.BytesIO(document)))


@pytest.mark.parametrize(
    ("text", "filename"),
    [
        ("Buy oat milk\nand bread", "42-buy-oat-milk.md"),
        ("# Café au lait: à Montréal!", "42-cafe-au-lait-a-montreal.md"),
        (
            "\n\n  second line counts when the first is blank",
            "42-second-line-counts-when-the-first-is.md",
        ),
        ("日本語のメモ", "42.md"),
        ("---", "42.md"),
        ("../../etc/passwd", "42-etc-passwd.md"),
        ("a" * 60, "42-" + "a" * 40 + ".md"),
        ("word " + "b" * 50, "42-word.md"),
    ],
)
def test_markdown_filename(text: str, filename: str) -> None:
    assert markdown_filename(note(text)) == filename


# --- choosing the format, and reading from files and stdin ---------------------------------


JRNL_PRETTY = (FIXTURES / "jrnl" / "journal.json").read_bytes()


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'[\n{"id": 1, "text": "a"}\n]', "json"),
        (b"  \n[]", "json"),
        (b'{"id": 1, "text": "a", "tags": []}\n{"id": 2}', "jsonl"),
        (b'\xef\xbb\xbf{"text": "a"}', "jsonl"),
        (b'{"tags": {"a": 1}, "text": "a tags object, but a note"}\n', "jsonl"),
        (b'{"tags": ["a"], "text": "cut short by the head', "jsonl"),
        (b'{"text": "' + b"x" * 70_000, "jsonl"),
        (JRNL_PRETTY, "jrnl"),
        (JRNL_PRETTY[:40], "jrnl"),
        (b'{"tags": {}, "entries": []}', "jrnl"),
        (b'{"entries": [{"title": "cut short', "jrnl"),
        (b'{\n  "entries": []\n}', "jrnl"),
        (b'{\n  "broken', "jsonl"),
        (b"", "jsonl"),
        (b"hello", "jsonl"),
        (b"---\ntags: [a]\n---\n", "jsonl"),
    ],
)
def test_detect_format_by_content(head: bytes, expected: str) -> None:
    assert detect_format(None, head) == expected
    assert detect_format(Path("export.txt"), head) == expected


def test_detect_format_by_path(tmp_path: Path) -> None:
    assert detect_format(tmp_path, b"") == "markdown"
    assert detect_format(tmp_path / "Note.MD", b'{"text": "x"}') == "markdown"
    assert detect_format(tmp_path / "a.markdown", b"[") == "markdown"


def test_import_source_from_a_file_counts_bytes(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_bytes(jsonl(*[exported(i, f"note {i}") for i in range(1000)]).getvalue())
    with ImportSource.open(str(path), stdin=io.BytesIO()) as source:
        assert source.detect_format() == "jsonl"
        assert source.total_bytes == path.stat().st_size
        records = list(source.records())
        assert len(records) == 1000 and records[-1].text == "note 999"
        assert source.bytes_read == path.stat().st_size


def test_import_source_reads_stdin_after_peeking_at_it() -> None:
    stdin = io.BytesIO(JRNL_PRETTY)
    with ImportSource.open("-", stdin=stdin) as source:
        assert source.path is None and source.total_bytes is None
        assert source.detect_format() == "jrnl"
        assert len(list(source.records("auto"))) == 6
        assert source.bytes_read == len(JRNL_PRETTY)
    assert not stdin.closed  # not ours to close


def test_import_source_peeks_enough_of_a_slow_pipe() -> None:
    # A pipe hands over what its writer wrote so far: the peek keeps reading.
    read_end, write_end = os.pipe()

    def trickle() -> None:
        with os.fdopen(write_end, "wb", buffering=0) as pipe:
            for start in range(0, len(JRNL_PRETTY), 7):
                pipe.write(JRNL_PRETTY[start : start + 7])
                time.sleep(0.0001)

    writer = threading.Thread(target=trickle)
    writer.start()
    with os.fdopen(read_end, "rb") as stdin, ImportSource.open("-", stdin=stdin) as source:
        assert source.detect_format() == "jrnl"
        assert [r.source for r in source.records()][-1] == "entry 6"
    writer.join()


def test_import_source_of_stdin_redirected_from_a_file_knows_its_size(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_bytes(json_export(exported(1, "a")))
    with path.open("rb") as stdin, ImportSource.open("-", stdin=stdin) as source:
        assert source.total_bytes == path.stat().st_size
        assert [r.text for r in source.records()] == ["a"]


def test_import_source_reads_markdown_from_a_file_a_folder_or_stdin(tmp_path: Path) -> None:
    path = write(tmp_path, "notes/a.md", b"---\ntags: [x]\n---\nfrom a file")
    with ImportSource.open(str(path), stdin=io.BytesIO()) as source:
        (record,) = source.records()
        assert (record.text, record.source, record.created_at) == (
            "from a file",
            str(path),
            mtime_of(path),
        )
    with ImportSource.open(str(tmp_path), stdin=io.BytesIO()) as source:
        assert source.detect_format() == "markdown"
        assert [r.source for r in source.records()] == ["notes/a.md"]
    with ImportSource.open("-", stdin=io.BytesIO(b"---\ntags: [y]\n---\npiped")) as source:
        (record,) = source.records("markdown")
        assert (record.text, record.tags, record.source) == ("piped", ["y"], "stdin")
        assert record.created_at is None and record.updated_at is None


def test_import_source_errors(tmp_path: Path) -> None:
    with pytest.raises(InvalidImport, match=r": no such file or folder$"):
        ImportSource.open(str(tmp_path / "missing.jsonl"), stdin=io.BytesIO())
    with (
        ImportSource.open(str(tmp_path), stdin=io.BytesIO()) as source,
        pytest.raises(InvalidImport, match="is a folder: only markdown reads folders"),
    ):
        source.records("jsonl")
    with (
        ImportSource.open("-", stdin=io.BytesIO(b"")) as source,
        pytest.raises(InvalidImport, match="unknown format 'xml'"),
    ):
        source.records("xml")
