"""The rules of a note, checked where they live."""

import pytest

from notes_core.errors import InvalidInput, InvalidNote
from notes_core.validation import (
    MAX_TEXT_BYTES,
    check_limit,
    clean_tags,
    clean_text,
    parse_note_id,
)


@pytest.mark.parametrize("text", ["", " ", "\n\t  \n", "\u3000"])
def test_blank_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidNote, match="empty"):
        clean_text(text)


def test_text_of_exactly_one_mib_is_accepted() -> None:
    text = "é" * (MAX_TEXT_BYTES // 2)
    assert len(text.encode()) == MAX_TEXT_BYTES
    assert clean_text(text) == text


def test_text_one_byte_over_one_mib_is_refused_with_its_size() -> None:
    with pytest.raises(InvalidNote, match=r"1,048,577 bytes; the limit is 1,048,576"):
        clean_text("a" * (MAX_TEXT_BYTES + 1))


def test_nul_is_refused() -> None:
    with pytest.raises(InvalidNote, match="NUL"):
        clean_text("a\x00b")


def test_invalid_utf8_bytes_are_refused() -> None:
    with pytest.raises(InvalidNote, match="not valid UTF-8"):
        clean_text(b"caf\xe9")


def test_undecodable_argv_is_refused() -> None:
    # What Python makes of a non-UTF-8 command-line argument.
    with pytest.raises(InvalidNote, match="not valid UTF-8"):
        clean_text(b"caf\xe9".decode("utf-8", "surrogateescape"))


def test_text_is_kept_exactly() -> None:
    assert clean_text("  two\nlines  \n") == "  two\nlines  \n"


def test_tags_are_lowercased_unique_and_sorted() -> None:
    assert clean_tags(["Work", "alpha", "WORK", "Ünï"]) == ["alpha", "work", "ünï"]


@pytest.mark.parametrize("tag", ["", "a b", "a,b", "tab\there", "x" * 65, "nul\x00"])
def test_invalid_tags_are_refused(tag: str) -> None:
    with pytest.raises(InvalidNote, match="tag"):
        clean_tags([tag])


def test_a_64_character_tag_is_accepted() -> None:
    assert clean_tags(["x" * 64]) == ["x" * 64]


@pytest.mark.parametrize("value", ["abc", "0", "-1", "1e9", "1.5", "", "٣", str(2**63)])
def test_malformed_ids_are_refused(value: str) -> None:
    with pytest.raises(InvalidInput, match="is not a note id"):
        parse_note_id(value)


def test_ids_parse() -> None:
    assert parse_note_id("42") == 42
    assert parse_note_id(7) == 7


def test_limit_must_be_positive() -> None:
    with pytest.raises(InvalidInput, match="at least 1"):
        check_limit(0)
    assert check_limit(None) is None
