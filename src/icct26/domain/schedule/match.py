"""The match aggregate: a state machine (scheduled -> live -> completed, or -> abandoned).

Every change goes through a method that checks the tournament's rules and raises a domain error the
HTTP layer maps: ValidationFailed (422) for bad input, INVALID_MATCH_STATE (409) for the wrong step,
MATCH_LOCKED (409) for changes a live or completed match no longer allows, INVALID_RESULT (422) for a
result the scores contradict. Team arguments of the scoring steps may be names, as the frontend sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, TypeVar
from urllib.parse import urlsplit

from icct26.domain.errors import DomainError, ErrorCode, FieldErrors, ValidationFailed
from icct26.domain.schedule.overs import (
    BALLS_PER_OVER,
    DEFAULT_OVERS_PER_INNINGS,
    check_overs_quota,
    parse_overs,
)
from icct26.domain.schedule.result import MAX_WICKETS, decide_tie, decide_win
from icct26.domain.schedule.values import (
    Feeder,
    InningsScore,
    MarginType,
    MatchResult,
    MatchStatus,
    ResultType,
    TeamRef,
    TossChoice,
)

__all__ = [
    "MAX_MATCH_NUMBER",
    "MAX_ROUND_LABEL",
    "MAX_ROUND_NUMBER",
    "MAX_RUNS",
    "UNDECIDED",
    "MarginType",
    "Match",
    "MatchResult",
    "MatchStatus",
    "ResultType",
    "TeamRef",
    "TossChoice",
]

MAX_ROUND_LABEL = 60
# Generous caps that keep numbers inside a PostgreSQL integer and catch typos.
MAX_ROUND_NUMBER = 99
MAX_MATCH_NUMBER = 999
MAX_RUNS = 999
MAX_URL_LENGTH = 2048
# The name a place shows when neither a team nor a feeding match fills it (its feeder was deleted).
UNDECIDED = "To be decided"

_E = TypeVar("_E", bound=StrEnum)


def _wrong_state(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_MATCH_STATE, message)


def _locked(message: str) -> DomainError:
    return DomainError(ErrorCode.MATCH_LOCKED, message)


def _require_aware(value: datetime | None, name: str) -> None:
    # Callers parse times with timeutil, which always attaches a zone; a naive one here is a bug.
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _coerce(kind: type[_E], value: _E | str | None, field: str, errors: FieldErrors) -> _E | None:
    if value is None or isinstance(value, kind):
        return value
    try:
        return kind(value)
    except ValueError:
        errors.add(field, "invalid_choice", f"{field} must be one of: {', '.join(kind)}")
        return None


def _check_url(url: str | None, errors: FieldErrors) -> str | None:
    if url is None or not url.strip():
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        errors.add("match_score_url", "invalid_url", "match_score_url must start with http:// or https://")
    return url


def _check_fixture(
    errors: FieldErrors,
    round: str,
    round_number: int,
    match_number: int,
    team1: TeamRef | None,
    team2: TeamRef | None,
    overs_per_innings: int = DEFAULT_OVERS_PER_INNINGS,
) -> str:
    label = round.strip()
    if not label:
        errors.add("round", "required", "round must not be empty")
    elif len(label) > MAX_ROUND_LABEL:
        errors.add("round", "too_long", f"round must be at most {MAX_ROUND_LABEL} characters")
    if not 1 <= round_number <= MAX_ROUND_NUMBER:
        errors.add("round_number", "out_of_range", f"round_number must be between 1 and {MAX_ROUND_NUMBER}")
    if not 1 <= match_number <= MAX_MATCH_NUMBER:
        errors.add("match_number", "out_of_range", f"match_number must be between 1 and {MAX_MATCH_NUMBER}")
    if team1 is not None and team1.same_as(team2):
        errors.add("team2", "same_team", "team1 and team2 must be different teams")
    quota_error = check_overs_quota(overs_per_innings)
    if quota_error is not None:
        errors.extend([quota_error])
    return label


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(kw_only=True)
class Match:
    """One fixture and its progress. Build new ones with `Match.schedule`; repositories may rehydrate
    with the plain constructor. Scores are per team (None until recorded).

    A knockout match of a later round starts with empty places (`team1`/`team2` None) fed by earlier
    matches (`team1_from`/`team2_from`); `fill_place` puts the feeder's winner in. Such a match cannot
    start until both teams are known."""

    round: str
    round_number: int
    match_number: int
    team1: TeamRef | None
    team2: TeamRef | None
    id: int | None = None
    team1_from: Feeder | None = None
    team2_from: Feeder | None = None
    overs_per_innings: int = DEFAULT_OVERS_PER_INNINGS
    status: MatchStatus = MatchStatus.SCHEDULED
    scheduled_start_time: datetime | None = None
    toss_winner: TeamRef | None = None
    toss_choice: TossChoice | None = None
    match_score_url: str | None = None
    actual_start_time: datetime | None = None
    match_end_time: datetime | None = None
    team1_runs: int | None = None
    team1_wickets: int | None = None
    team2_runs: int | None = None
    team2_wickets: int | None = None
    team1_balls: int | None = None
    team2_balls: int | None = None
    first_innings_team: TeamRef | None = None
    second_innings_team: TeamRef | None = None
    result: MatchResult | None = None

    @classmethod
    def schedule(
        cls,
        round: str,
        round_number: int,
        match_number: int,
        team1: TeamRef | None,
        team2: TeamRef | None,
        scheduled_start_time: datetime | None = None,
        *,
        id: int | None = None,
        team1_from: Feeder | None = None,
        team2_from: Feeder | None = None,
        overs_per_innings: int = DEFAULT_OVERS_PER_INNINGS,
    ) -> Match:
        """A new scheduled match; ValidationFailed lists every broken field rule. Each place holds a
        team or, in a later knockout round, the match whose winner will take it."""
        errors = FieldErrors()
        label = _check_fixture(errors, round, round_number, match_number, team1, team2, overs_per_innings)
        for field, team, feeder in (("team1", team1, team1_from), ("team2", team2, team2_from)):
            if team is None and feeder is None:
                errors.add(field, "required", f"{field} is required")
        errors.raise_if_any()
        _require_aware(scheduled_start_time, "scheduled_start_time")
        return cls(
            id=id,
            round=label,
            round_number=round_number,
            match_number=match_number,
            team1=team1,
            team2=team2,
            team1_from=team1_from,
            team2_from=team2_from,
            overs_per_innings=overs_per_innings,
            scheduled_start_time=scheduled_start_time,
        )

    # --- lookups -------------------------------------------------------------------------------

    def find_team(self, ref: TeamRef | str) -> TeamRef | None:
        """This match's own reference for a team given by reference or by name (exact, then
        ignoring case and repeated spaces); None when the team does not play here."""
        teams = [team for team in (self.team1, self.team2) if team is not None]
        if isinstance(ref, TeamRef):
            return next((team for team in teams if team.same_as(ref)), None)
        exact = [team for team in teams if team.name == ref]
        folded = [team for team in teams if _name_key(team.name) == _name_key(ref)]
        candidates = exact or folded
        return candidates[0] if len(candidates) == 1 else None

    def place_name(self, place: Literal[1, 2]) -> str:
        """The name a place shows: its team, else "Winner of Match N", else "To be decided"."""
        team, feeder = (self.team1, self.team1_from) if place == 1 else (self.team2, self.team2_from)
        if team is not None:
            return team.name
        return feeder.label if feeder is not None else UNDECIDED

    def score_of(self, team: TeamRef) -> tuple[int | None, int | None]:
        if team.same_as(self.team1):
            return self.team1_runs, self.team1_wickets
        if team.same_as(self.team2):
            return self.team2_runs, self.team2_wickets
        raise ValueError(f"{team.name} does not play in this match")

    def balls_of(self, team: TeamRef) -> int | None:
        """Balls the team faced, when recorded."""
        if team.same_as(self.team1):
            return self.team1_balls
        if team.same_as(self.team2):
            return self.team2_balls
        raise ValueError(f"{team.name} does not play in this match")

    def innings(self) -> tuple[InningsScore | None, InningsScore | None]:
        """The recorded first and second innings, in batting order."""
        return self._innings_of(self.first_innings_team), self._innings_of(self.second_innings_team)

    def result_view(self) -> dict[str, object] | None:
        """The result in the frontend's shape (camelCase keys it reads, plus `result_type`)."""
        if self.result is None:
            return None
        result = self.result
        return {
            "winner": result.winner.name if result.winner else None,
            "margin": result.margin,
            "marginType": result.margin_type.value if result.margin_type else None,
            "wonByBattingFirst": result.won_by_batting_first,
            "result_type": result.result_type.value,
        }

    # --- fixture changes -----------------------------------------------------------------------

    def edit(
        self,
        round: str,
        round_number: int,
        match_number: int,
        team1: TeamRef | None,
        team2: TeamRef | None,
        scheduled_start_time: datetime | None,
        overs_per_innings: int | None = None,
    ) -> None:
        """Replace the fixture details. Completed matches are locked; live ones keep their teams.

        A place given the team it already holds, or still empty (None), keeps its feeding match; a
        place given another team is taken over by hand and no longer waits for a feeder. An omitted
        `overs_per_innings` keeps the match's quota."""
        if self.status is MatchStatus.COMPLETED:
            raise _locked("A completed match cannot be edited")
        keeps_teams = (
            team1 is not None
            and team1.same_as(self.team1)
            and team2 is not None
            and team2.same_as(self.team2)
        )
        if self.status is MatchStatus.LIVE and not keeps_teams:
            raise _locked("The teams of a live match cannot be changed")
        quota = self.overs_per_innings if overs_per_innings is None else overs_per_innings
        errors = FieldErrors()
        label = _check_fixture(errors, round, round_number, match_number, team1, team2, quota)
        longest = max(self.team1_balls or 0, self.team2_balls or 0)
        if longest > quota * BALLS_PER_OVER:
            errors.add(
                "overs_per_innings",
                "below_recorded_overs",
                f"overs_per_innings {quota} is less than an innings already recorded for this match",
            )
        errors.raise_if_any()
        _require_aware(scheduled_start_time, "scheduled_start_time")
        self.round, self.round_number, self.match_number = label, round_number, match_number
        if team1 is not None and not team1.same_as(self.team1):
            self.team1_from = None
        if team2 is not None and not team2.same_as(self.team2):
            self.team2_from = None
        self.team1, self.team2 = team1, team2
        self.scheduled_start_time = scheduled_start_time
        self.overs_per_innings = quota

    def fill_place(self, feeder_id: int, team: TeamRef) -> bool:
        """Put the winner of match `feeder_id` into the place it feeds; False when it feeds none.

        Only a match that has not started takes a new team; filling the same team again changes
        nothing."""
        places = [p for p, f in ((1, self.team1_from), (2, self.team2_from)) if f and f.match_id == feeder_id]
        if not places:
            return False
        current = self.team1 if places[0] == 1 else self.team2
        if team.same_as(current):
            return True
        if self.status is not MatchStatus.SCHEDULED:
            raise _locked(f"Match {self.match_number} is {self.status.value}; its teams can no longer change")
        other = self.team2 if places[0] == 1 else self.team1
        if team.same_as(other):
            raise _wrong_state(f"{team.name} already plays in match {self.match_number}")
        if places[0] == 1:
            self.team1 = team
        else:
            self.team2 = team
        return True

    def ensure_deletable(self) -> None:
        if self.status in (MatchStatus.LIVE, MatchStatus.COMPLETED):
            raise _locked(f"A {self.status.value} match cannot be deleted")

    # --- the match day -------------------------------------------------------------------------

    def start(
        self,
        toss_winner: TeamRef | str,
        toss_choice: TossChoice | str,
        match_score_url: str | None = None,
        actual_start_time: datetime | None = None,
    ) -> None:
        """Toss done, play begins: scheduled -> live."""
        if self.status is not MatchStatus.SCHEDULED:
            raise _wrong_state(f"Only a scheduled match can be started; this match is {self.status.value}")
        if self.team1 is None or self.team2 is None:
            raise _wrong_state(
                f"Both teams must be known before the match starts ({self.place_name(1)} v "
                f"{self.place_name(2)})"
            )
        errors = FieldErrors()
        winner = self._resolve(toss_winner, "toss_winner", errors)
        choice = _coerce(TossChoice, toss_choice, "toss_choice", errors)
        url = _check_url(match_score_url, errors)
        errors.raise_if_any()
        _require_aware(actual_start_time, "actual_start_time")
        self.toss_winner, self.toss_choice, self.match_score_url = winner, choice, url
        self.actual_start_time = actual_start_time
        self.status = MatchStatus.LIVE

    def record_innings(
        self,
        innings: Literal[1, 2],
        batting_team: TeamRef | str,
        runs: int,
        wickets: int,
        overs: str | None = None,
    ) -> None:
        """Record (or correct) an innings of a live match. Each team bats once: the second innings
        belongs to the team that did not bat first. Changing who batted first drops the second innings.

        `overs` ("19.4") is optional; it must fit the match's `overs_per_innings`."""
        if innings not in (1, 2):
            raise ValueError("innings must be 1 or 2")
        self._ensure_scoring()
        if innings == 2 and self.first_innings_team is None:
            raise _wrong_state("Record the first innings before the second innings")
        errors = FieldErrors()
        team = self._resolve(batting_team, "batting_team", errors)
        if not 0 <= runs <= MAX_RUNS:
            errors.add("runs", "out_of_range", f"runs must be between 0 and {MAX_RUNS}")
        if not 0 <= wickets <= MAX_WICKETS:
            errors.add("wickets", "out_of_range", f"wickets must be between 0 and {MAX_WICKETS}")
        balls: int | None = None
        if overs is not None and overs.strip():
            try:
                balls = parse_overs(overs, self.overs_per_innings)
            except ValidationFailed as exc:
                errors.extend(exc.errors)
        if innings == 2 and team is not None and team.same_as(self.first_innings_team):
            errors.add(
                "batting_team",
                "same_batting_team",
                f"{team.name} batted in the first innings; the second innings is the other team's",
            )
        errors.raise_if_any()
        assert team is not None  # a failed lookup added a field error above
        if innings == 1:
            if not team.same_as(self.first_innings_team):
                self._clear_scores()
            self.first_innings_team = team
        else:
            self.second_innings_team = team
        self._set_score(team, runs, wickets, balls)

    def finish(
        self,
        result_type: ResultType | str = ResultType.WIN,
        winner: TeamRef | str | None = None,
        margin: int | None = None,
        margin_type: MarginType | str | None = None,
        match_end_time: datetime | None = None,
    ) -> None:
        """Declare the result: live -> completed. A win must agree with the scores; an omitted margin
        or margin type is derived from them. A no-result needs no innings."""
        self._ensure_scoring()
        if isinstance(winner, str) and not winner.strip():
            winner = None  # forms send "" for "no winner"
        errors = FieldErrors()
        kind = _coerce(ResultType, result_type, "result_type", errors) or ResultType.WIN
        declared_type = _coerce(MarginType, margin_type, "margin_type", errors)
        errors.raise_if_any()
        first, second = self.innings()
        if kind is not ResultType.NO_RESULT and (first is None or second is None):
            raise _wrong_state("Record both innings before finishing the match")
        _require_aware(match_end_time, "match_end_time")
        if match_end_time and self.actual_start_time and match_end_time < self.actual_start_time:
            errors.add("match_end_time", "before_start", "match_end_time must not be before the start time")
        team: TeamRef | None = None
        if kind is ResultType.WIN:
            if winner is None:
                errors.add("winner", "required", "winner is required for a win")
            else:
                team = self._resolve(winner, "winner", errors)
        errors.raise_if_any()
        if kind is not ResultType.WIN and (winner is not None or margin or declared_type is not None):
            raise DomainError(ErrorCode.INVALID_RESULT, f"A {kind.value} result has no winner or margin")
        if kind is ResultType.NO_RESULT:
            result = MatchResult(ResultType.NO_RESULT)
        else:
            assert first is not None
            assert second is not None
            if kind is ResultType.TIE:
                result = decide_tie(first, second)
            else:
                assert team is not None
                result = decide_win(first, second, team, margin, declared_type)
        self.result, self.match_end_time = result, match_end_time
        self.status = MatchStatus.COMPLETED

    def abandon(self) -> None:
        """Called off before a result: scheduled|live -> abandoned (repeating it changes nothing)."""
        if self.status is MatchStatus.ABANDONED:
            return
        if self.status is not MatchStatus.SCHEDULED and self.status is not MatchStatus.LIVE:
            raise _wrong_state(f"A {self.status.value} match cannot be abandoned")
        self.status = MatchStatus.ABANDONED

    # --- internals -----------------------------------------------------------------------------

    def _ensure_scoring(self) -> None:
        if self.status is MatchStatus.COMPLETED:
            raise _locked("A completed match cannot be re-scored")
        if self.status is not MatchStatus.LIVE:
            raise _wrong_state(
                f"Only a live match can be scored or finished; this match is {self.status.value}"
            )

    def _resolve(self, ref: TeamRef | str, field: str, errors: FieldErrors) -> TeamRef | None:
        found = self.find_team(ref)
        if found is None:
            name = ref if isinstance(ref, str) else ref.name
            if not name.strip():
                errors.add(field, "required", f"{field} is required")
            else:
                errors.add(
                    field,
                    "team_not_in_match",
                    f"{name} is not playing in this match ({self.place_name(1)} v {self.place_name(2)})",
                )
        return found

    def _innings_of(self, team: TeamRef | None) -> InningsScore | None:
        if team is None:
            return None
        runs, wickets = self.score_of(team)
        if runs is None or wickets is None:
            return None
        return InningsScore(team, runs, wickets, self.balls_of(team))

    def _set_score(
        self, team: TeamRef, runs: int | None, wickets: int | None, balls: int | None = None
    ) -> None:
        if team.same_as(self.team1):
            self.team1_runs, self.team1_wickets, self.team1_balls = runs, wickets, balls
        else:
            self.team2_runs, self.team2_wickets, self.team2_balls = runs, wickets, balls

    def _clear_scores(self) -> None:
        self.team1_runs = self.team1_wickets = self.team1_balls = None
        self.team2_runs = self.team2_wickets = self.team2_balls = None
        self.first_innings_team = self.second_innings_team = None
