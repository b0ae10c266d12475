"""Match time parsing: naive frontend times are tournament wall-clock, `Z`/offset times are absolute."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import ErrorCode, ValidationFailed
from icct26.domain.schedule import format_match_time, parse_match_time, parse_optional_match_time

IST = ZoneInfo("Asia/Kolkata")


def test_naive_datetime_local_value_is_tournament_time() -> None:
    parsed = parse_match_time("2026-01-24T09:30", IST, "scheduled_start_time")

    assert parsed.utcoffset() == timedelta(hours=5, minutes=30)
    assert (parsed.hour, parsed.minute, parsed.second) == (9, 30, 0)
    assert parsed == datetime(2026, 1, 24, 4, 0, tzinfo=UTC)


def test_naive_time_uses_the_zone_rules_for_that_date() -> None:
    london = ZoneInfo("Europe/London")

    assert parse_match_time("2026-07-01T10:00", london, "t").utcoffset() == timedelta(hours=1)
    assert parse_match_time("2026-01-01T10:00", london, "t").utcoffset() == timedelta(0)


def test_z_time_with_milliseconds_from_to_iso_string() -> None:
    parsed = parse_match_time("2026-01-24T04:00:00.000Z", IST, "actual_start_time")

    assert parsed.utcoffset() == timedelta(0)
    assert parsed == datetime(2026, 1, 24, 9, 30, tzinfo=IST)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-01-24T09:30:15", datetime(2026, 1, 24, 9, 30, 15, tzinfo=IST)),
        ("2026-01-24 09:30", datetime(2026, 1, 24, 9, 30, tzinfo=IST)),
        ("2026-01-24T09:30:15.5", datetime(2026, 1, 24, 9, 30, 15, 500000, tzinfo=IST)),
        ("2026-01-24T09:30:15.123456789", datetime(2026, 1, 24, 9, 30, 15, 123456, tzinfo=IST)),
        ("2026-01-24T04:00z", datetime(2026, 1, 24, 4, 0, tzinfo=UTC)),
        ("2026-01-24T09:30+05:30", datetime(2026, 1, 24, 9, 30, tzinfo=timezone(timedelta(hours=5.5)))),
        ("2026-01-24T00:00:00-0400", datetime(2026, 1, 24, 0, 0, tzinfo=timezone(timedelta(hours=-4)))),
        ("  2026-01-24T04:00:00+00:00 ", datetime(2026, 1, 24, 4, 0, tzinfo=UTC)),
    ],
)
def test_accepted_forms(raw: str, expected: datetime) -> None:
    parsed = parse_match_time(raw, IST, "t")

    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2026-01-24",
        "09:30",
        "24/01/2026 09:30",
        "2026-1-24T09:30",
        "2026-13-01T09:30",
        "2026-02-30T09:30",
        "2026-01-24T25:00",
        "2026-01-24T09:60",
        "2026-01-24T09:30+24:00",
        "2026-01-24T09:30+05:60",
        "2026-01-24T09:30:00+05:30junk",
        "1999-12-31T23:59",
        "2101-01-01T00:00",
        "0001-01-01T00:00+05:30",
        "\u0662\u0660\u0662\u0666-01-24T09:30",
    ],
)
def test_rejected_forms_name_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_match_time(raw, IST, "scheduled_start_time")

    assert caught.value.code is ErrorCode.VALIDATION_FAILED
    assert [(e.field, e.code) for e in caught.value.errors] == [("scheduled_start_time", "invalid_datetime")]


@pytest.mark.parametrize("raw", [None, "", "   "])
def test_optional_blank_means_no_time(raw: str | None) -> None:
    assert parse_optional_match_time(raw, IST, "match_end_time") is None


def test_optional_parses_and_validates_present_values() -> None:
    assert parse_optional_match_time("2026-01-24T09:30", IST, "t") == datetime(2026, 1, 24, 9, 30, tzinfo=IST)
    with pytest.raises(ValidationFailed):
        parse_optional_match_time("soon", IST, "t")


def test_format_uses_tournament_offset() -> None:
    assert format_match_time(datetime(2026, 1, 24, 4, 0, tzinfo=UTC), IST) == "2026-01-24T09:30:00+05:30"


aware_times = st.datetimes(
    min_value=datetime(2000, 1, 2),
    max_value=datetime(2100, 12, 30),
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=-4)), timezone(timedelta(hours=5, minutes=30))]),
)


@given(aware_times)
def test_isoformat_round_trips(value: datetime) -> None:
    parsed = parse_match_time(value.isoformat(), IST, "t")

    assert parsed == value
    assert parsed.utcoffset() == value.utcoffset()


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31)))
def test_naive_isoformat_is_read_in_tournament_zone(value: datetime) -> None:
    assert parse_match_time(value.isoformat(), IST, "t") == value.replace(tzinfo=IST)
