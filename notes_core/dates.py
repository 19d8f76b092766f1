"""Moments typed by people (`--since 7d`) and dates read from files, as aware UTC datetimes.

A date or date-time without a zone is local time, as `date`, git and jrnl read it: the
zone is the process's (the TZ variable or the system's), which the caller's platform
supplies, so this module reads no environment itself.
"""

import re
from datetime import UTC, date, datetime, timedelta

from notes_core.errors import InvalidImport, InvalidInput
from notes_core.transfer.records import describe
from notes_core.validation import shown

ACCEPTED_MOMENTS = (
    "an ISO date or date-time (2026-11-25, 2026-11-25T13:00, 2026-11-25T13:00+01:00), "
    "or 30m, 12h, 7d, 2w (that long ago), today or yesterday"
)
_RELATIVE = re.compile(r"([0-9]{1,9})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# For has_iso_form: a year of four or more digits before the first '-' (10000-01-01).
_EXTENDED_YEAR = re.compile(r"[+-]?[0-9]{4,}(?=-)")
_DIGIT = re.compile(r"[0-9]")


def local_to_utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive one is taken as local time.

    Raises OverflowError, ValueError or OSError for a moment the platform cannot place
    (year 1 east of UTC, year 9999 west of it).
    """
    if moment.tzinfo is None:
        moment = moment.astimezone()  # the platform's local zone, DST included
    return moment.astimezone(UTC)


def has_iso_form(value: str) -> bool:
    """Whether `value` is written as an ISO 8601 date or date-time, whatever its numbers:
    `2024-13-45`, `0000-01-01` and `10000-01-01T25:00` are (their values are out of
    range), `soon` and `2024/01/01` are not."""
    # The same text with the year 1111 and every other digit 1 is a real date and time
    # in each form Python reads (dates, week dates, times, fractions, offsets).
    shaped = _DIGIT.sub("1", _EXTENDED_YEAR.sub("1111", value.strip(), count=1))
    try:
        datetime.fromisoformat(shaped)
    except ValueError:
        return False
    return True


def local_midnight(day: date) -> datetime:
    """The start of `day` in local time, in UTC."""
    return local_to_utc(datetime(day.year, day.month, day.day))


def parse_moment(value: str, *, now: datetime | None = None) -> datetime:
    """The moment `value` names, in UTC (for `--since` / `--until`).

    Accepts an ISO 8601 date (local midnight) or date-time (local time unless it has a
    zone or `Z`); `30m`, `12h`, `7d`, `2w` (that long before `now`); `today` and
    `yesterday` (local midnight). Raises InvalidInput for anything else, saying "out of
    range" for a date written right whose numbers are not (2026-13-01).
    """
    current = (now or datetime.now(UTC)).astimezone(UTC)
    word = value.strip().lower()
    relative = _RELATIVE.fullmatch(word)
    try:
        if word in ("today", "yesterday"):
            day = current.astimezone().date()  # today as the local calendar has it
            return local_midnight(day - timedelta(days=1 if word == "yesterday" else 0))
        if relative:
            amount, unit = relative.groups()
            return current - timedelta(**{_UNITS[unit]: int(amount)})
        return local_to_utc(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError, OSError):
        written_right = relative is not None or has_iso_form(value)  # 2026-13-01, 9999999w
        what = "is out of range" if written_right else "is not a date"
        raise InvalidInput(f"{shown(value)} {what}: use {ACCEPTED_MOMENTS}") from None


def parse_timestamp(value: object, source: str, field: str = "date") -> datetime:
    """A record's date from an ISO 8601 string, in UTC (a value without a zone is local
    time, a bare date local midnight). Raises InvalidImport naming `source` and `field`:
    "out of range" when the string is written as a date but no such moment can be (month
    13, year 0 or 10000, or beyond year 9999 once in UTC)."""
    if not isinstance(value, str):
        raise InvalidImport(
            f"{source}: {field} must be an ISO 8601 string "
            f"such as 2026-11-25T13:00:00+00:00, not {describe(value)}"
        )
    try:
        return local_to_utc(datetime.fromisoformat(value.strip()))
    except (ValueError, OverflowError, OSError):
        if has_iso_form(value):
            raise InvalidImport(
                f"{source}: {field} {shown(value)} is out of range (no such date or time, "
                "or not within the years 1 to 9999 in UTC)"
            ) from None
        raise InvalidImport(
            f"{source}: {field} {shown(value)} is not an ISO 8601 date or date-time "
            "such as 2026-11-25T13:00:00+00:00"
        ) from None
