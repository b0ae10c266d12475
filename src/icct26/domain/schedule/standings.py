"""Standings are derived, never stored: recomputing them from the matches keeps them always right.

Every team that appears in a round gets a row (so a group shows all its teams before any result);
only completed matches count towards it, abandoned ones never do.

Net run rate = runs scored per over faced - runs conceded per over bowled, over the completed matches
with both innings recorded (a no-result does not count). A side bowled out is charged its full quota
of overs. When the overs of a counted innings are unknown, the row's overs and NRR are unknown (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from icct26.domain.schedule.match import Match
from icct26.domain.schedule.overs import BALLS_PER_OVER
from icct26.domain.schedule.result import MAX_WICKETS
from icct26.domain.schedule.values import InningsScore, MatchStatus, ResultType, TeamRef

NRR_PLACES = Decimal("0.001")


@dataclass(frozen=True, slots=True)
class PointsRules:
    """Points per outcome (configurable by the tournament)."""

    win: int = 2
    tie: int = 1
    no_result: int = 1
    loss: int = 0


@dataclass(frozen=True, slots=True)
class StandingsRow:
    team: TeamRef
    played: int = 0
    won: int = 0
    lost: int = 0
    tied: int = 0
    no_result: int = 0
    points: int = 0
    runs_for: int = 0
    balls_for: int | None = 0  # None: a counted innings has no overs recorded
    runs_against: int = 0
    balls_against: int | None = 0

    @property
    def nrr(self) -> float | None:
        """Net run rate to 3 decimals (half away from zero); None while overs are unknown or zero."""
        if not self.balls_for or not self.balls_against:
            return None
        rate = Fraction(self.runs_for * BALLS_PER_OVER, self.balls_for) - Fraction(
            self.runs_against * BALLS_PER_OVER, self.balls_against
        )
        exact = Decimal(rate.numerator) / Decimal(rate.denominator)
        return float(exact.quantize(NRR_PLACES, rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class RoundStandings:
    round_number: int
    round: str
    rows: tuple[StandingsRow, ...]


def charged_balls(innings: InningsScore, overs_per_innings: int) -> int | None:
    """Balls an innings counts for in net run rate: the full quota when all out, else those faced."""
    if innings.wickets >= MAX_WICKETS:
        return overs_per_innings * BALLS_PER_OVER
    return innings.balls


def _sort_key(row: StandingsRow) -> tuple[int, int, float, int, str, int]:
    nrr = row.nrr
    # Points, then NRR (unknown after every known value), then wins, then name.
    return (-row.points, nrr is None, -(nrr or 0.0), -row.won, row.team.name.casefold(), row.team.id)


def _add_balls(total: int | None, balls: int | None) -> int | None:
    return None if total is None or balls is None else total + balls


def _tally_run_rate(rows: dict[int, StandingsRow], match: Match) -> None:
    first, second = match.innings()
    if first is None or second is None:
        return
    for batting, bowling in ((first, second), (second, first)):
        batted = charged_balls(batting, match.overs_per_innings)
        bowled = charged_balls(bowling, match.overs_per_innings)
        row = rows[batting.team.id]
        rows[batting.team.id] = replace(
            row,
            runs_for=row.runs_for + batting.runs,
            balls_for=_add_balls(row.balls_for, batted),
            runs_against=row.runs_against + bowling.runs,
            balls_against=_add_balls(row.balls_against, bowled),
        )


def _tally(rows: dict[int, StandingsRow], match: Match, rules: PointsRules) -> None:
    result = match.result
    if match.status is not MatchStatus.COMPLETED or result is None:
        return
    for team in (match.team1, match.team2):
        if team is None:  # cannot happen for a completed match; keeps the types honest
            continue
        row = replace(rows[team.id], played=rows[team.id].played + 1)
        if result.result_type is ResultType.TIE:
            row = replace(row, tied=row.tied + 1, points=row.points + rules.tie)
        elif result.result_type is ResultType.NO_RESULT:
            row = replace(row, no_result=row.no_result + 1, points=row.points + rules.no_result)
        elif team.same_as(result.winner):
            row = replace(row, won=row.won + 1, points=row.points + rules.win)
        else:
            row = replace(row, lost=row.lost + 1, points=row.points + rules.loss)
        rows[team.id] = row
    if result.result_type is not ResultType.NO_RESULT:
        _tally_run_rate(rows, match)


def compute_standings(matches: Iterable[Match], rules: PointsRules | None = None) -> list[RoundStandings]:
    """One table per round_number (ascending), rows ordered by points, then net run rate, then wins,
    then team name. Places of later knockout rounds still waiting for a winner get no row.

    A round's label is the one on its lowest-numbered match, since labels are free text per match.
    """
    rules = rules or PointsRules()
    by_round: dict[int, list[Match]] = {}
    for match in matches:
        by_round.setdefault(match.round_number, []).append(match)
    tables: list[RoundStandings] = []
    for round_number in sorted(by_round):
        fixtures = sorted(by_round[round_number], key=lambda m: m.match_number)
        rows: dict[int, StandingsRow] = {}
        for match in fixtures:
            for team in (match.team1, match.team2):
                if team is not None:
                    rows.setdefault(team.id, StandingsRow(team))
        for match in fixtures:
            _tally(rows, match, rules)
        ordered = tuple(sorted(rows.values(), key=_sort_key))
        tables.append(RoundStandings(round_number, fixtures[0].round, ordered))
    return tables
