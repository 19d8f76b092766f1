"""The rules of a note, checked where they live."""

import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notes_core.errors import InvalidInput, InvalidNote
from notes_core.validation import (
    MAX_LIMIT,
    MAX_TAGS_PER_NOTE,
    MAX_TEXT_BYTES,
    check_limit,
    check_tag_count,
    clean_tag,
    clean_tags,
    clean_text,
    normalise_tag,
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


@pytest.mark.parametrize(
    ("limit", "shown"),
    [
        (0, "0"),
        (-5, "-5"),
        (MAX_LIMIT + 1, "1000000001"),
        (10**20, "100000000000000000000"),
        (10**5000, "a number of more than 40 digits"),
    ],
    ids=["zero", "negative", "one-over", "20-digits", "5000-digits"],
)
def test_limits_outside_the_documented_range_are_refused(limit: int, shown: str) -> None:
    with pytest.raises(InvalidInput) as error:
        check_limit(limit)
    assert str(error.value) == f"limit must be between 1 and 1,000,000,000, not {shown}"


def test_limits_inside_the_range_are_kept() -> None:
    assert [check_limit(n) for n in (None, 1, MAX_LIMIT)] == [None, 1, MAX_LIMIT]


def test_an_id_of_thousands_of_digits_is_refused_with_a_short_message() -> None:
    # int() refuses strings past 4,300 digits: that once escaped as a ValueError.
    with pytest.raises(InvalidInput) as error:
        parse_note_id("1" * 5000)
    assert str(error.value) == (
        f"{'1' * 40!r}… (5,000 characters) is not a note id (ids are whole numbers from 1)"
    )


# --- invisible text (issue 15, item 15) -------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "\u200b",  # zero-width space
        "\ufeff",  # byte order mark
        "\u200b\u200c\u200d\u2060 \n\ufeff",
        "\u202e\u2066",  # bidi controls
        "\x1b\x07",  # controls
        "\u3164\u115f",  # Hangul fillers
        "\u00ad",  # soft hyphen
        "\ufe0f\U000e0100",  # variation selectors alone
    ],
)
def test_text_of_only_invisible_characters_is_empty(text: str) -> None:
    with pytest.raises(InvalidNote, match=r"^note text is empty$"):
        clean_text(text)


@pytest.mark.parametrize("text", ["\u200bx\u200b", "\ufeffBOM first", "a\u0301", "\u0301", "❤️"])
def test_text_with_a_visible_character_is_kept_exactly(text: str) -> None:
    assert clean_text(text) == text


# --- tags: normalisation (item 14) -----------------------------------------------------

CAFE_NFC = unicodedata.normalize("NFC", "Café")
CAFE_NFD = unicodedata.normalize("NFD", "Café")


@pytest.mark.parametrize(
    ("spellings", "tag"),
    [
        ([CAFE_NFC, CAFE_NFD, "CAFÉ", "café"], "café"),
        (["ﬁle", "File", "\uff26\uff29\uff2c\uff25"], "file"),  # ligature, full-width
        (["Straße", "STRASSE", "strasse"], "strasse"),  # case folding, not lower()
        (["Ⅻ", "xii"], "xii"),
        (["ΣΊΣΥΦΟΣ", "σίσυφος", "σίσυφοσ"], "σίσυφοσ"),  # final sigma folds too
    ],
)
def test_spellings_of_one_tag_become_one_tag(spellings: list[str], tag: str) -> None:
    assert clean_tags(spellings) == [tag]


def test_tag_length_is_counted_after_normalisation() -> None:
    # `İ` case-folds to `i` + U+0307: 32 of them are 64 characters, 33 are 66.
    assert clean_tag("İ" * 32) == "i\u0307" * 32
    with pytest.raises(InvalidNote) as error:
        clean_tag("İ" * 33)
    assert str(error.value) == (
        f"tag {'İ' * 33!r} must be 1-64 characters; it has 66 once normalised"
    )
    # The other way: 64 ligatures `ﬁ` are 128 characters once normalised.
    with pytest.raises(InvalidNote, match="it has 128 once normalised"):
        clean_tag("ﬁ" * 64)
    # NFKC composes `e` + U+0301 into `é`: 128 code points typed, 64 stored.
    assert clean_tag("e\u0301" * 64) == "é" * 64


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("work\u200b", "U+200B"),  # zero-width space
        ("\u200bwork", "U+200B"),
        ("wo\u200drk", "U+200D"),  # zero-width joiner (emoji sequences too)
        ("work\ufeff", "U+FEFF"),  # BOM
        ("\u202ework", "U+202E"),  # right-to-left override
        ("work\u2066", "U+2066"),  # bidi isolate
        ("soft\u00adhyphen", "U+00AD"),
        ("esc\x1b[31m", "U+001B"),
        ("bell\x07", "U+0007"),
        ("nul\x00", "U+0000"),
        ("del\x7f", "U+007F"),
        ("c1\x9b", "U+009B"),
        ("work\u3164", "U+3164"),  # Hangul filler, shown as typed
        ("cgj\u034f", "U+034F"),
    ],
)
def test_tags_with_invisible_or_control_characters_are_refused(tag: str, code: str) -> None:
    with pytest.raises(InvalidNote) as error:
        clean_tags(["ok", tag])
    assert str(error.value) == (
        f"tag {tag!r} must not contain invisible or control characters (it has {code})"
    )


@pytest.mark.parametrize("tag", ["\ufe0f", "\u0301", "\u20dd"])
def test_a_tag_with_nothing_visible_is_refused(tag: str) -> None:
    with pytest.raises(InvalidNote, match="has no visible character"):
        clean_tag(tag)


def test_emoji_with_a_variation_selector_are_a_tag() -> None:
    assert clean_tags(["❤️", "🚀"]) == ["❤️", "🚀"]


def test_whitespace_made_by_normalisation_is_named() -> None:
    # U+00A8 DIAERESIS is a space and a combining mark under NFKC.
    with pytest.raises(InvalidNote) as error:
        clean_tag("a\u00a8")
    assert str(error.value) == (
        "tag 'a¨' must not contain whitespace or commas (NFKC makes it 'a \u0308')"
    )
    with pytest.raises(InvalidNote, match="whitespace"):
        clean_tag("no\u00a0break")


@given(st.text())
def test_normalising_a_tag_twice_changes_nothing(tag: str) -> None:
    once = normalise_tag(tag)
    assert normalise_tag(once) == once


@given(st.text(max_size=80))
def test_a_cleaned_tag_is_a_fixed_point(tag: str) -> None:
    """What the store keeps is accepted again as the same tag (for filters, untag, import)."""
    try:
        name = clean_tag(tag)
    except InvalidNote:
        return
    assert clean_tag(name) == name
    assert 1 <= len(name) <= 64


# --- how many tags (item 6) ------------------------------------------------------------


def test_a_thousand_tags_are_accepted() -> None:
    tags = [f"t{i:04}" for i in range(MAX_TAGS_PER_NOTE)]
    assert clean_tags(tags) == tags


def test_a_thousand_and_one_tags_are_refused() -> None:
    with pytest.raises(InvalidNote) as error:
        clean_tags(f"t{i}" for i in range(MAX_TAGS_PER_NOTE + 1))
    assert str(error.value) == "too many tags: a note has at most 1,000"


def test_tags_are_counted_once_normalised() -> None:
    # 2,000 spellings of 1,000 tags are 1,000 tags.
    tags = [f"T{i}" for i in range(MAX_TAGS_PER_NOTE)] + [f"t{i}" for i in range(1000)]
    assert len(clean_tags(tags)) == MAX_TAGS_PER_NOTE


def test_reading_tags_stops_at_the_first_one_too_many() -> None:
    def endless() -> Iterator[str]:
        n = 0
        while True:
            yield f"t{n}"
            n += 1

    with pytest.raises(InvalidNote, match="too many tags"):
        clean_tags(endless())


def test_a_tag_count_check_for_edits() -> None:
    check_tag_count([f"t{i}" for i in range(MAX_TAGS_PER_NOTE)])
    with pytest.raises(InvalidNote, match="too many tags"):
        check_tag_count([f"t{i}" for i in range(MAX_TAGS_PER_NOTE + 1)])


# --- what messages repeat (item 13) ----------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    ["x" * (4 * 1024 * 1024), "a," + "x" * 100_000, "\u200b" * 100_000, "x" * 65, "ﬁ" * 200],
    ids=["4-mib", "comma", "zero-width", "65", "ligatures"],
)
def test_an_error_repeats_at_most_forty_characters_of_a_tag(tag: str) -> None:
    with pytest.raises(InvalidNote) as error:
        clean_tag(tag)
    message = str(error.value)
    assert f"{tag[:40]!r}… ({len(tag):,} characters)" in message
    assert tag[:41] not in message
    assert len(message) < 400
