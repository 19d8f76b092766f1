"""`--since` / `--until` moments and record dates: local time, relative forms, bad input."""

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notes_core.dates import parse_moment, parse_timestamp
from notes_core.errors import InvalidImport, InvalidInput

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # still 24 November in New York


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


def test_an_iso_date_is_local_midnight(local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("America/New_York")
    moment = parse_moment("2026-11-25")
    assert moment == datetime(2026, 11, 25, tzinfo=zone)
    assert moment.tzinfo is UTC and moment.hour == 5


def test_a_date_time_without_a_zone_is_local_time(local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("Asia/Tokyo")
    assert parse_moment("2026-11-25T13:30") == datetime(2026, 11, 25, 13, 30, tzinfo=zone)
    assert parse_moment("2026-11-25 13:30:15") == datetime(2026, 11, 25, 13, 30, 15, tzinfo=zone)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-25T13:00:00+01:00", datetime(2026, 11, 25, 12, 0, tzinfo=UTC)),
        ("2026-11-25T13:00:00Z", datetime(2026, 11, 25, 13, 0, tzinfo=UTC)),
        ("2026-11-25T13:00:00.123456+00:00", datetime(2026, 11, 25, 13, 0, 0, 123456, UTC)),
    ],
)
def test_a_date_time_with_a_zone_keeps_it(
    local_zone: Callable[[str], ZoneInfo], value: str, expected: datetime
) -> None:
    local_zone("Asia/Tokyo")
    moment = parse_moment(value)
    assert moment == expected and moment.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("value", "ago"),
    [
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        (" 7D ", timedelta(days=7)),
        ("0d", timedelta(0)),
    ],
)
def test_relative_moments_count_back_from_now(value: str, ago: timedelta) -> None:
    assert parse_moment(value, now=NOW) == NOW - ago


def test_relative_moments_default_to_the_current_time() -> None:
    before = datetime.now(UTC)
    moment = parse_moment("1h")
    assert before - timedelta(hours=1) <= moment <= datetime.now(UTC) - timedelta(hours=1)


def test_today_and_yesterday_are_local_midnights(local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("America/New_York")
    # 03:00 UTC on the 25th is the evening of the 24th in New York.
    assert parse_moment("today", now=NOW) == datetime(2026, 11, 24, tzinfo=zone)
    assert parse_moment("yesterday", now=NOW) == datetime(2026, 11, 23, tzinfo=zone)
    assert parse_moment("Today", now=NOW) == parse_moment("today", now=NOW)


def test_yesterday_across_a_daylight_saving_change(local_zone: Callable[[str], ZoneInfo]) -> None:
    local_zone("Europe/Paris")
    # Clocks went forward at 01:00 UTC on 29 March 2026: that day has 23 hours.
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC)
    assert parse_moment("today", now=now) == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert parse_moment("yesterday", now=now) == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "soon",
        "7x",
        "-7d",
        "7 days",
        "1.5h",
        "tomorrow",
        "٣d",
    ],
)
def test_anything_else_is_refused_with_the_accepted_forms(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_moment(value, now=NOW)
    message = str(caught.value)
    assert "is not a date" in message
    for form in ("2026-11-25", "30m", "12h", "7d", "2w", "today", "yesterday"):
        assert form in message


def test_a_long_bad_value_is_not_echoed_whole() -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_moment("x" * 10_000)
    assert len(str(caught.value)) < 400


def test_record_timestamps_read_iso_strings(local_zone: Callable[[str], ZoneInfo]) -> None:
    zone = local_zone("Europe/Paris")
    assert parse_timestamp("2024-03-01", "line 1") == datetime(2024, 3, 1, tzinfo=zone)
    assert parse_timestamp("2024-03-01T08:15", "line 1") == datetime(2024, 3, 1, 8, 15, tzinfo=zone)
    exact = parse_timestamp("2026-11-25T13:00:00.123456+00:00", "line 1")
    assert exact == datetime(2026, 11, 25, 13, 0, 0, 123456, UTC) and exact.tzinfo is UTC


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yesterday", "line 4: created_at 'yesterday' is not an ISO 8601 date or date-time"),
        ("2024-02-30", "line 4: created_at '2024-02-30' is out of range (no such date"),
        (1700000000, "line 4: created_at must be an ISO 8601 string"),
        (True, "line 4: created_at must be an ISO 8601 string"),
        (["2024-03-01"], "line 4: created_at must be an ISO 8601 string"),
        ("9999-12-31T23:59:59-05:00", "line 4: created_at '9999-12-31T23:59:59-05:00' is out of"),
    ],
)
def test_bad_record_timestamps_name_the_record_and_field(value: object, expected: str) -> None:
    with pytest.raises(InvalidImport) as caught:
        parse_timestamp(value, "line 4", "created_at")
    assert str(caught.value).startswith(expected)
