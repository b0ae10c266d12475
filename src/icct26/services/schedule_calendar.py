"""The schedule as a calendar feed: which matches a subscribed calendar shows, and how.

A captain subscribes once (optionally to their team only) and the phone keeps the times current:
every saved change raises the match's version, which becomes the entry's SEQUENCE.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from icct26.domain.errors import ErrorCode, NotFound
from icct26.domain.schedule import MatchStatus
from icct26.domain.schedule.ports import ScheduleUnitOfWork, StoredMatch


@dataclass(frozen=True, slots=True)
class CalendarOptions:
    """How entries are presented (from settings): the tournament's zone, a match's length, a name."""

    timezone: tzinfo
    match_length: timedelta
    name: str
    venue: str = ""


class ScheduleCalendar:
    """Matches for the calendar feed: those with a start time that are not abandoned."""

    def __init__(self, uow: Callable[[], ScheduleUnitOfWork], options: CalendarOptions) -> None:
        self._uow = uow
        self.options = options

    async def matches(self, team_id: str | None = None) -> list[StoredMatch]:
        """In schedule order; with `team_id` (e.g. ICCT-003) only that team's matches.

        An unknown team ID is TEAM_NOT_FOUND rather than an empty calendar, so a mistyped link shows.
        """
        wanted = team_id.strip().upper() if team_id and team_id.strip() else None
        async with self._uow() as uow:
            if wanted is not None:
                known = await uow.teams.candidates(wanted)
                if not any(c.team_id.upper() == wanted for c in known):
                    raise NotFound(ErrorCode.TEAM_NOT_FOUND, f"No team has the ID {team_id!r}")
            stored = await uow.matches.list_matches()
        return [
            item
            for item in stored
            if item.match.scheduled_start_time is not None
            and item.match.status is not MatchStatus.ABANDONED
            and (wanted is None or wanted in _team_ids(item))
        ]


def _team_ids(stored: StoredMatch) -> set[str]:
    """The team IDs playing; a knockout place still waiting for a winner has none."""
    return {code.upper() for code in (stored.team1_code, stored.team2_code) if code}
