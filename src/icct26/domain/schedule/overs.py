"""Overs in cricket notation: "19.4" is 19 overs and 4 balls (six balls make an over).

Stored and summed as balls, shown as overs. An innings may not last longer than the match's quota
(`overs_per_innings`), and a side that is all out is charged the full quota for net run rate.
"""

from __future__ import annotations

import re

from icct26.domain.errors import FieldError, ValidationFailed

BALLS_PER_OVER = 6
DEFAULT_OVERS_PER_INNINGS = 20
# One-day cricket's 50 overs is the longest innings a church tournament plays.
MAX_OVERS_PER_INNINGS = 50

_OVERS = re.compile(r"(?P<overs>\d{1,3})(?:\.(?P<balls>\d))?", re.ASCII)


def _invalid(field: str, code: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(field, code, message)])


def parse_overs(text: str, quota: int, field: str = "overs") -> int:
    """The number of balls `text` stands for, checked against the quota of `quota` overs.

    Accepts "19", "19.4" (balls 0-5); refuses anything else, no balls at all, and more than the quota.
    """
    found = _OVERS.fullmatch(text.strip())
    if found is None or int(found["balls"] or 0) >= BALLS_PER_OVER:
        raise _invalid(
            field,
            "invalid_overs",
            f"{field} must be overs and balls such as 19.4 (balls 0-5), not {text!r}",
        )
    balls = int(found["overs"]) * BALLS_PER_OVER + int(found["balls"] or 0)
    if balls == 0:
        raise _invalid(field, "out_of_range", f"{field} must be more than 0")
    if balls > quota * BALLS_PER_OVER:
        raise _invalid(
            field,
            "above_quota",
            f"{field} {text.strip()} is more than the {quota} overs of an innings in this match",
        )
    return balls


def format_overs(balls: int) -> str:
    """Balls as cricket notation: 118 -> "19.4", 120 -> "20.0"."""
    overs, rest = divmod(balls, BALLS_PER_OVER)
    return f"{overs}.{rest}"


def check_overs_quota(overs_per_innings: int, field: str = "overs_per_innings") -> FieldError | None:
    """The field error for a quota outside 1..MAX_OVERS_PER_INNINGS, or None."""
    if 1 <= overs_per_innings <= MAX_OVERS_PER_INNINGS:
        return None
    return FieldError(field, "out_of_range", f"{field} must be between 1 and {MAX_OVERS_PER_INNINGS}")
