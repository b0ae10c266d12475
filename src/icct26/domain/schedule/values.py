"""Value objects a match is made of: its status, toss and result vocabularies and small records.

They are immutable so a recorded result or a team reference can be shared without copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MatchStatus(StrEnum):
    SCHEDULED = "scheduled"
    LIVE = "live"
    COMPLETED = "completed"
    ABANDONED = "abandoned"


class TossChoice(StrEnum):
    BAT = "bat"
    BOWL = "bowl"


class ResultType(StrEnum):
    WIN = "win"
    TIE = "tie"
    NO_RESULT = "no_result"


class MarginType(StrEnum):
    RUNS = "runs"
    WICKETS = "wickets"


@dataclass(frozen=True, slots=True)
class TeamRef:
    """A team as a match sees it. Identity is the id; the name is kept for display and messages."""

    id: int
    name: str

    def same_as(self, other: TeamRef | None) -> bool:
        return other is not None and other.id == self.id


@dataclass(frozen=True, slots=True)
class Feeder:
    """The earlier knockout match whose winner takes a place in this one."""

    match_id: int
    match_number: int

    @property
    def label(self) -> str:
        """What the place shows until the winner is known (the frontend renders it as a team name)."""
        return winner_of(self.match_number)


def winner_of(match_number: int) -> str:
    return f"Winner of Match {match_number}"


@dataclass(frozen=True, slots=True)
class InningsScore:
    """One completed innings: who batted, what they made and, when recorded, in how many balls."""

    team: TeamRef
    runs: int
    wickets: int
    balls: int | None = None


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of a completed match. Only a win has a winner and a margin."""

    result_type: ResultType
    winner: TeamRef | None = None
    margin: int | None = None
    margin_type: MarginType | None = None
    won_by_batting_first: bool | None = None
