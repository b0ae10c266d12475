"""Match times: the frontend sends naive `datetime-local` values and UTC `toISOString()` values.

A naive time means the tournament's wall clock (e.g. Asia/Kolkata), so the caller passes that zone.
Everything returned is timezone-aware; storage is timestamptz and output carries an offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from icct26.domain.errors import FieldError, ValidationFailed

# Years outside this window are typos; the bound also keeps UTC conversion clear of datetime's limits.
MIN_YEAR = 2000
MAX_YEAR = 2100

_ISO = re.compile(
    r"(?P<date>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt ]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})"
    r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)


def _invalid(field: str) -> ValidationFailed:
    return ValidationFailed(
        [
            FieldError(
                field,
                "invalid_datetime",
                f"{field} must be a date and time such as 2026-01-24T09:30 or 2026-01-24T04:00:00.000Z",
            )
        ]
    )


def _zone(text: str | None, default: tzinfo) -> tzinfo:
    if text is None:
        return default
    if text in ("Z", "z"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise ValueError("offset out of range")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_match_time(raw: str, tz: tzinfo, field: str) -> datetime:
    """Parse an ISO 8601 date-time; naive values are wall-clock time in `tz`.

    Accepts `YYYY-MM-DDTHH:MM`, optional seconds and fraction (truncated to microseconds), and `Z` or a
    `±HH:MM` offset. Anything else raises ValidationFailed naming `field`.
    """
    match = _ISO.fullmatch(raw.strip())
    if match is None:
        raise _invalid(field)
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    try:
        parsed = datetime(
            int(match["date"]),
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            int(fraction),
            tzinfo=_zone(match["zone"], tz),
        )
    except ValueError:
        raise _invalid(field) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise _invalid(field)
    return parsed


def parse_optional_match_time(raw: str | None, tz: tzinfo, field: str) -> datetime | None:
    """Like `parse_match_time`, but a missing or blank value (the frontend sends "") means no time."""
    if raw is None or not raw.strip():
        return None
    return parse_match_time(raw, tz, field)


def format_match_time(value: datetime, tz: tzinfo) -> str:
    """ISO 8601 with the tournament offset, e.g. `2026-01-24T09:30:00+05:30`."""
    return value.astimezone(tz).isoformat()
