"""Wire shapes of the schedule endpoints (the frontend's match object, request bodies) and the mapping
from use-case results to them. Times leave as ISO 8601 with the tournament's offset."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, UnsetType

from icct26.domain.schedule import format_match_time, format_overs
from icct26.domain.schedule.ports import StoredMatch
from icct26.services.schedule import KEEP, FixtureInput, RoundTable

Text = Annotated[str, Meta(max_length=200)]
ScoreUrl = Annotated[str, Meta(max_length=500)]  # the column's width
TimeText = Annotated[str, Meta(max_length=64)]
OversText = Annotated[str, Meta(max_length=16, description='Overs in cricket notation, e.g. "19.4"')]

# --- wire shapes ---------------------------------------------------------------------------------


class MatchResultOut(msgspec.Struct):
    """The result as the frontend renders it: camelCase keys, plus `result_type`."""

    winner: str | None
    margin: int | None
    margin_type: str | None = msgspec.field(name="marginType")
    won_by_batting_first: bool | None = msgspec.field(name="wonByBattingFirst")
    result_type: str


class MatchOut(msgspec.Struct):
    """A match. In a later knockout round, a place still waiting for a winner has `team1_id` null,
    `team1` "Winner of Match N" and `team1_from` the id of that feeding match (likewise for team2)."""

    id: int
    round: str
    round_number: int
    match_number: int
    team1: str
    team2: str
    team1_id: str | None
    team2_id: str | None
    team1_from: int | None
    team2_from: int | None
    overs_per_innings: int
    status: str
    toss_winner: str | None
    toss_choice: str | None
    scheduled_start_time: str | None
    actual_start_time: str | None
    match_end_time: str | None
    team1_first_innings_runs: int | None
    team1_first_innings_wickets: int | None
    team2_first_innings_runs: int | None
    team2_first_innings_wickets: int | None
    team1_first_innings_overs: str | None
    team2_first_innings_overs: str | None
    first_innings_team: str | None
    second_innings_team: str | None
    match_score_url: str | None
    result: MatchResultOut | None
    created_at: str
    updated_at: str


class MatchList(msgspec.Struct):
    success: bool
    data: list[MatchOut]


class MatchDetail(msgspec.Struct):
    success: bool
    data: MatchOut


class MatchChanged(msgspec.Struct):
    success: bool
    message: str
    data: MatchOut


class MatchDeleted(msgspec.Struct):
    success: bool
    message: str


class StandingsRowOut(msgspec.Struct):
    """One team's line. Overs are cricket notation ("37.2"); a side bowled out is charged its full
    quota. `nrr` (3 decimals) and the overs are null while a counted innings has no overs recorded."""

    team_id: str
    team_name: str
    played: int
    won: int
    lost: int
    tied: int
    no_result: int
    points: int
    runs_for: int
    overs_for: str | None
    runs_against: int
    overs_against: str | None
    nrr: float | None


class RoundStandingsOut(msgspec.Struct):
    round_number: int
    round: str
    rows: list[StandingsRowOut]


class StandingsList(msgspec.Struct):
    success: bool
    data: list[RoundStandingsOut]


class FixtureBody(msgspec.Struct, kw_only=True):
    """Create/edit a match. Teams by name or team ID. `scheduled_start_time` is `YYYY-MM-DDTHH:MM` in the
    tournament's time zone or ISO 8601 with an offset; omitted on edit = unchanged, "" or null = none."""

    round: Text
    round_number: int = 1
    match_number: int
    team1: Text
    team2: Text
    scheduled_start_time: TimeText | UnsetType | None = UNSET
    overs_per_innings: int | None = None  # omitted: OVERS_PER_INNINGS on create, unchanged on edit


class StartBody(msgspec.Struct, kw_only=True):
    toss_winner: Text
    toss_choice: Text
    match_score_url: ScoreUrl | None = None
    actual_start_time: TimeText | None = None


class InningsBody(msgspec.Struct, kw_only=True):
    """An innings. `overs` is optional (needed for net run rate) and may not exceed the match's quota."""

    batting_team: Text
    runs: int
    wickets: int
    overs: OversText | None = None


class FinishBody(msgspec.Struct, kw_only=True):
    """Declare the result. `result_type` win (default) | tie | no_result; a win's margin must match."""

    winner: Text | None = None
    margin: int | None = None
    margin_type: Text | None = None
    match_end_time: TimeText | None = None
    result_type: Text | None = None


# --- mapping ---------------------------------------------------------------------------------------


def match_time(value: datetime | None, tz: tzinfo) -> str | None:
    """A match's time as the wire shows it, or None when it has none yet."""
    return format_match_time(value, tz) if value is not None else None


def _overs(balls: int | None) -> str | None:
    return format_overs(balls) if balls is not None else None


def match_out(stored: StoredMatch, tz: tzinfo) -> MatchOut:
    match = stored.match
    view = match.result_view()
    result = None
    if view is not None:
        result = msgspec.convert(view, MatchResultOut)
    first, second = match.first_innings_team, match.second_innings_team
    return MatchOut(
        id=stored.id,
        round=match.round,
        round_number=match.round_number,
        match_number=match.match_number,
        team1=match.place_name(1),
        team2=match.place_name(2),
        team1_id=stored.team1_code,
        team2_id=stored.team2_code,
        team1_from=match.team1_from.match_id if match.team1_from else None,
        team2_from=match.team2_from.match_id if match.team2_from else None,
        overs_per_innings=match.overs_per_innings,
        status=match.status.value,
        toss_winner=match.toss_winner.name if match.toss_winner else None,
        toss_choice=match.toss_choice.value if match.toss_choice else None,
        scheduled_start_time=match_time(match.scheduled_start_time, tz),
        actual_start_time=match_time(match.actual_start_time, tz),
        match_end_time=match_time(match.match_end_time, tz),
        team1_first_innings_runs=match.team1_runs,
        team1_first_innings_wickets=match.team1_wickets,
        team2_first_innings_runs=match.team2_runs,
        team2_first_innings_wickets=match.team2_wickets,
        team1_first_innings_overs=_overs(match.team1_balls),
        team2_first_innings_overs=_overs(match.team2_balls),
        first_innings_team=first.name if first else None,
        second_innings_team=second.name if second else None,
        match_score_url=match.match_score_url,
        result=result,
        created_at=format_match_time(stored.created_at, tz),
        updated_at=format_match_time(stored.updated_at, tz),
    )


def match_changed(message: str, stored: StoredMatch, tz: tzinfo) -> MatchChanged:
    """The answer of a write that changed one match: the match as it is now."""
    return MatchChanged(success=True, message=message, data=match_out(stored, tz))


def standings_out(tables: list[RoundTable]) -> StandingsList:
    return StandingsList(
        success=True,
        data=[
            RoundStandingsOut(
                round_number=t.round_number,
                round=t.round,
                rows=[msgspec.convert(row, StandingsRowOut, from_attributes=True) for row in t.rows],
            )
            for t in tables
        ],
    )


def fixture_input(body: FixtureBody) -> FixtureInput:
    start = body.scheduled_start_time
    return FixtureInput(
        round=body.round,
        round_number=body.round_number,
        match_number=body.match_number,
        team1=body.team1,
        team2=body.team2,
        scheduled_start_time=KEEP if isinstance(start, UnsetType) else start,
        overs_per_innings=body.overs_per_innings,
    )
