"""Schedule endpoints: the public match list, match and standings; admin fixture and match-day changes.

Paths and bodies are the existing frontend's (`/api/schedule/...`, teams by name). Reads are public and
cacheable (strong ETag); writes carry `staff_guard` per handler because they share the path with the
public reads.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from icct26.adapters.http.auth import actor_of, staff_guard
from icct26.adapters.http.conditional import (
    SKIP_COMPRESSION,
    AnswerCache,
    cacheable_json,
    conditional_response,
    request_cache_key,
)
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.middleware.policy import route_policy
from icct26.adapters.http.openapi_docs import (
    REQUEST_ERRORS,
    STAFF_WRITE_ERRORS,
    problem_responses,
    success_response,
)
from icct26.adapters.http.schedule_wire import (
    FinishBody,
    FixtureBody,
    InningsBody,
    MatchChanged,
    MatchDeleted,
    MatchDetail,
    MatchList,
    StandingsList,
    StartBody,
    fixture_input,
    match_changed,
    match_out,
    standings_out,
)
from icct26.config import Settings
from icct26.domain.errors import ErrorCode
from icct26.domain.schedule import MAX_ROUND_NUMBER
from icct26.services.schedule import FinishInput, InningsInput, ScheduleService, StartInput

C = ErrorCode
MAX_LIST_LIMIT = 1000
MAX_SKIP = 1_000_000


# --- OpenAPI -----------------------------------------------------------------------------------------

_ADMIN: dict[str, Any] = {
    "guards": [staff_guard],
    "security": [{"BearerToken": []}],
    "opt": route_policy(idempotent=True),
}
MatchId = Annotated[int, Parameter(description="The match's numeric ID")]


def _changed_responses(*codes: ErrorCode) -> dict[int, ResponseSpec]:
    return {
        **success_response(MatchChanged, "The match after the change"),
        **problem_responses(*STAFF_WRITE_ERRORS, C.MATCH_NOT_FOUND, *codes),
    }


class ScheduleController(Controller):
    path = "/api/schedule"
    tags = ["schedule"]
    dependencies = provide("schedule", "settings", "public_cache")

    # --- public reads ------------------------------------------------------------------------------

    @get(
        "/matches",
        operation_id="listMatches",
        opt={SKIP_COMPRESSION: True},  # pre-compressed once per cached list
        summary="List matches in schedule order",
        description="Strong `ETag` and `Cache-Control: public, max-age=10`; send `If-None-Match` to get a "
        "304 when nothing changed. `status=done` is accepted as `completed`; `skip`/`limit` page the list.",
        responses={
            **success_response(MatchList, "Matches ordered by round number, then match number"),
            **problem_responses(*REQUEST_ERRORS),
        },
    )
    async def list_matches(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        public_cache: NamedDependency[AnswerCache],
        status: Annotated[
            str | None,
            Parameter(description="scheduled | live | completed (alias done) | abandoned", max_length=20),
        ] = None,
        round_number: Annotated[int | None, Parameter(ge=1, le=MAX_ROUND_NUMBER)] = None,
        skip: Annotated[int, Parameter(ge=0, le=MAX_SKIP)] = 0,
        limit: Annotated[int | None, Parameter(ge=1, le=MAX_LIST_LIMIT)] = None,
    ) -> Response[bytes]:
        async def load() -> bytes:
            matches = await schedule.list_matches(status, round_number, skip, limit)
            tz = settings.tournament.timezone
            return msgspec.json.encode(MatchList(success=True, data=[match_out(m, tz) for m in matches]))

        entry = await public_cache.get_or_load(request_cache_key(request.scope), load)
        return conditional_response(request, entry)

    @get(
        "/matches/{match_id:int}",
        operation_id="getMatch",
        summary="One match",
        responses={
            **success_response(MatchDetail, "The match"),
            **problem_responses(*REQUEST_ERRORS, C.MATCH_NOT_FOUND),
        },
    )
    async def get_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
    ) -> Response[bytes]:
        stored = await schedule.get_match(match_id)
        return cacheable_json(
            request, MatchDetail(success=True, data=match_out(stored, settings.tournament.timezone))
        )

    @get(
        "/standings",
        operation_id="getStandings",
        summary="Standings per round (derived from completed matches)",
        responses={**success_response(StandingsList, "One table per round number"), **problem_responses()},
    )
    async def standings(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
    ) -> Response[bytes]:
        return cacheable_json(request, standings_out(await schedule.standings()))

    # --- admin: fixtures ---------------------------------------------------------------------------

    @post(
        "/matches",
        operation_id="createMatch",
        summary="Schedule a match between two confirmed teams",
        status_code=HTTP_201_CREATED,
        responses={
            201: ResponseSpec(
                generate_examples=False, data_container=MatchChanged, description="The new match"
            ),
            **problem_responses(*STAFF_WRITE_ERRORS, C.TEAM_NOT_ELIGIBLE, C.MATCH_CONFLICT),
        },
        **_ADMIN,
    )
    async def create_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        data: JSONBody[FixtureBody],
    ) -> Response[MatchChanged]:
        stored = await schedule.create(fixture_input(data), actor_of(request))
        return Response(
            match_changed("Match created", stored, settings.tournament.timezone),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"/api/schedule/matches/{stored.id}"},
        )

    @put(
        "/matches/{match_id:int}",
        operation_id="updateMatch",
        summary="Edit a match's round, numbers, teams or scheduled time",
        responses=_changed_responses(C.TEAM_NOT_ELIGIBLE, C.MATCH_CONFLICT, C.MATCH_LOCKED),
        **_ADMIN,
    )
    async def update_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
        data: JSONBody[FixtureBody],
    ) -> MatchChanged:
        stored = await schedule.update(match_id, fixture_input(data), actor_of(request))
        return match_changed("Match updated", stored, settings.tournament.timezone)

    @delete(
        "/matches/{match_id:int}",
        operation_id="deleteMatch",
        summary="Delete a match that has not started",
        status_code=HTTP_200_OK,
        responses=problem_responses(*STAFF_WRITE_ERRORS, C.MATCH_NOT_FOUND, C.MATCH_LOCKED),
        **_ADMIN,
    )
    async def delete_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
    ) -> MatchDeleted:
        await schedule.delete(match_id, actor_of(request))
        return MatchDeleted(success=True, message=f"Match {match_id} deleted")

    # --- admin: the match day ----------------------------------------------------------------------

    @put(
        "/matches/{match_id:int}/start",
        operation_id="startMatch",
        summary="Record the toss and start the match (scheduled -> live)",
        responses=_changed_responses(C.INVALID_MATCH_STATE),
        **_ADMIN,
    )
    async def start_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
        data: JSONBody[StartBody],
    ) -> MatchChanged:
        command = StartInput(data.toss_winner, data.toss_choice, data.match_score_url, data.actual_start_time)
        stored = await schedule.start(match_id, command, actor_of(request))
        return match_changed("Match started", stored, settings.tournament.timezone)

    @put(
        "/matches/{match_id:int}/first-innings-score",
        operation_id="recordFirstInnings",
        summary="Record the first innings of a live match",
        responses=_changed_responses(C.INVALID_MATCH_STATE, C.MATCH_LOCKED),
        **_ADMIN,
    )
    async def first_innings(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
        data: JSONBody[InningsBody],
    ) -> MatchChanged:
        return await _innings(request, schedule, settings, match_id, 1, data)

    @put(
        "/matches/{match_id:int}/second-innings-score",
        operation_id="recordSecondInnings",
        summary="Record the second innings (the team that did not bat first)",
        responses=_changed_responses(C.INVALID_MATCH_STATE, C.MATCH_LOCKED),
        **_ADMIN,
    )
    async def second_innings(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
        data: JSONBody[InningsBody],
    ) -> MatchChanged:
        return await _innings(request, schedule, settings, match_id, 2, data)

    @put(
        "/matches/{match_id:int}/finish",
        operation_id="finishMatch",
        summary="Declare the result (live -> completed); a win's margin must agree with the scores",
        responses=_changed_responses(C.INVALID_MATCH_STATE, C.MATCH_LOCKED, C.INVALID_RESULT),
        **_ADMIN,
    )
    async def finish_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
        data: JSONBody[FinishBody],
    ) -> MatchChanged:
        command = FinishInput(
            winner=data.winner,
            margin=data.margin,
            margin_type=data.margin_type,
            match_end_time=data.match_end_time,
            result_type=data.result_type,
        )
        stored = await schedule.finish(match_id, command, actor_of(request))
        return match_changed("Match finished", stored, settings.tournament.timezone)

    @put(
        "/matches/{match_id:int}/abandon",
        operation_id="abandonMatch",
        summary="Call off a scheduled or live match",
        responses=_changed_responses(C.INVALID_MATCH_STATE),
        **_ADMIN,
    )
    async def abandon_match(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: MatchId,
    ) -> MatchChanged:
        stored = await schedule.abandon(match_id, actor_of(request))
        return match_changed("Match abandoned", stored, settings.tournament.timezone)


async def _innings(
    request: Request[Any, Any, Any],
    schedule: ScheduleService,
    settings: Settings,
    match_id: int,
    innings: Literal[1, 2],
    data: InningsBody,
) -> MatchChanged:
    command = InningsInput(data.batting_team, data.runs, data.wickets, data.overs)
    stored = await schedule.record_innings(match_id, innings, command, actor_of(request))
    message = f"{'First' if innings == 1 else 'Second'} innings recorded"
    return match_changed(message, stored, settings.tournament.timezone)
