"""Standings are derived, never stored: recomputing them from the matches keeps them always right.

Every team that appears in a round gets a row (so a group shows all its teams before any result);
only completed matches count towards it, abandoned ones never do.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from icct26.domain.schedule.match import Match
from icct26.domain.schedule.values import MatchStatus, ResultType, TeamRef


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


@dataclass(frozen=True, slots=True)
class RoundStandings:
    round_number: int
    round: str
    rows: tuple[StandingsRow, ...]


def _sort_key(row: StandingsRow) -> tuple[int, int, str, int]:
    return (-row.points, -row.won, row.team.name.casefold(), row.team.id)


def _tally(rows: dict[int, StandingsRow], match: Match, rules: PointsRules) -> None:
    result = match.result
    if match.status is not MatchStatus.COMPLETED or result is None:
        return
    for team in (match.team1, match.team2):
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


def compute_standings(matches: Iterable[Match], rules: PointsRules | None = None) -> list[RoundStandings]:
    """One table per round_number (ascending), rows ordered by points, then wins, then team name.

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
                rows.setdefault(team.id, StandingsRow(team))
        for match in fixtures:
            _tally(rows, match, rules)
        ordered = tuple(sorted(rows.values(), key=_sort_key))
        tables.append(RoundStandings(round_number, fixtures[0].round, ordered))
    return tables
