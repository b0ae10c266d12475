"""Tournament operations on the schedule: generate fixtures, and send a knockout team on by hand.

`POST /api/schedule/generate` plans a knockout or round robin (dry run: 200 with the plan) or writes it
(201 with the stored matches). `PUT /api/schedule/matches/{id}/advance` picks who goes on from a tied,
no-result or abandoned knockout match (a win advances its winner by itself). Both are admin writes,
idempotent per `Idempotency-Key` (the route policy; the shell's idempotency layer replays repeats).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta

from icct26.adapters.http.auth import actor_of, staff_guard
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.middleware.policy import route_policy
from icct26.adapters.http.openapi_docs import STAFF_WRITE_ERRORS, problem_responses, success_response
from icct26.adapters.http.schedule_wire import MatchChanged, MatchOut, match_changed, match_out, match_time
from icct26.config import Settings
from icct26.domain.errors import ErrorCode
from icct26.services.fixtures import FixtureService, GeneratedFixtures, GenerateInput, PlannedFixture
from icct26.services.schedule import ScheduleService

C = ErrorCode
Text = Annotated[str, Meta(max_length=200)]
TimeText = Annotated[str, Meta(max_length=64)]
# Match numbers end at 999, so no fixture list can hold more teams than that.
MAX_TEAMS = 1000


# --- wire shapes ---------------------------------------------------------------------------------


class GenerateBody(msgspec.Struct, kw_only=True):
    """What to generate. Teams by team ID (or name), in seed order; default every confirmed team in
    team ID order. `seed` shuffles them reproducibly. Times: `starts_at` as `YYYY-MM-DDTHH:MM` in the
    tournament's time zone (or ISO 8601 with an offset), then every `slot_minutes` (180), at most
    `matches_per_day` (3) a day. Numbers continue after the highest in use unless
    `round_number_start`/`match_number_start` say otherwise."""

    format: Annotated[str, Meta(max_length=20, description="knockout | round_robin")]
    teams: Annotated[list[Text], Meta(max_length=MAX_TEAMS)] | None = None
    groups: int | None = None
    seed: int | None = None
    round_label: Text | None = None
    starts_at: TimeText | None = None
    slot_minutes: int | None = None
    matches_per_day: int | None = None
    round_number_start: int | None = None
    match_number_start: int | None = None
    overs_per_innings: int | None = None
    dry_run: bool = False


class PlannedMatchOut(msgspec.Struct):
    """A match of a dry run: no id yet; a place waiting for a winner shows "Winner of Match N"."""

    round: str
    round_number: int
    match_number: int
    team1: str
    team2: str
    team1_id: str | None
    team2_id: str | None
    scheduled_start_time: str | None
    overs_per_innings: int
    status: str = "scheduled"


class FixturePlanOut(msgspec.Struct):
    format: str
    rounds: int
    matches: list[PlannedMatchOut]
    byes: list[str]


class FixturePlanned(msgspec.Struct):
    success: bool
    dry_run: bool
    data: FixturePlanOut


class FixturesOut(msgspec.Struct):
    format: str
    rounds: int
    matches: list[MatchOut]
    byes: list[str]


class FixturesCreated(msgspec.Struct):
    success: bool
    message: str
    data: FixturesOut


class AdvanceBody(msgspec.Struct, kw_only=True):
    """The team (name or team ID) that goes on to the match the winner of this one plays."""

    team: Text


def _generate_input(body: GenerateBody) -> GenerateInput:
    return GenerateInput(**msgspec.structs.asdict(body))


def _planned_out(match: PlannedFixture, tz: tzinfo) -> PlannedMatchOut:
    return PlannedMatchOut(
        round=match.round,
        round_number=match.round_number,
        match_number=match.match_number,
        team1=match.team1,
        team2=match.team2,
        team1_id=match.team1_id,
        team2_id=match.team2_id,
        scheduled_start_time=match_time(match.scheduled_start_time, tz),
        overs_per_innings=match.overs_per_innings,
    )


def _answer(
    generated: GeneratedFixtures, dry_run: bool, tz: tzinfo
) -> Response[FixturePlanned | FixturesCreated]:
    if dry_run:
        plan = FixturePlanOut(
            format=generated.format.value,
            rounds=generated.rounds,
            matches=[_planned_out(m, tz) for m in generated.planned],
            byes=generated.byes,
        )
        return Response(FixturePlanned(success=True, dry_run=True, data=plan), status_code=HTTP_200_OK)
    created = FixturesOut(
        format=generated.format.value,
        rounds=generated.rounds,
        matches=[match_out(m, tz) for m in generated.matches],
        byes=generated.byes,
    )
    message = f"{len(created.matches)} matches generated in {created.rounds} rounds"
    return Response(
        FixturesCreated(success=True, message=message, data=created), status_code=HTTP_201_CREATED
    )


# --- handlers ------------------------------------------------------------------------------------


class FixturesController(Controller):
    path = "/api/schedule"
    tags = ["schedule"]
    guards = [staff_guard]
    security = [{"BearerToken": []}]
    dependencies = provide("fixtures", "schedule", "settings")
    opt = route_policy(idempotent=True)

    @post(
        "/generate",
        operation_id="generateFixtures",
        summary="Generate knockout or round-robin fixtures (or plan them with dry_run)",
        description="Knockout: ⌈log2 n⌉ rounds; the top seeds get the byes and wait in their round-2 "
        'match; later rounds are placeholders (`team1` "Winner of Match N", `team1_id` null, '
        "`team1_from` the feeding match's id) that a finished match fills. Round robin: every pair "
        "once per group, one round number per group. A plan whose numbers are taken is refused "
        "(`MATCH_CONFLICT`) and nothing is written. Audited as `schedule.generated`.",
        status_code=HTTP_201_CREATED,
        responses={
            **success_response(FixturePlanned, "dry_run: the plan; nothing was written"),
            **success_response(FixturesCreated, "The stored matches, in playing order", HTTP_201_CREATED),
            **problem_responses(*STAFF_WRITE_ERRORS, C.TEAM_NOT_ELIGIBLE, C.MATCH_CONFLICT),
        },
    )
    async def generate(
        self,
        request: Request[Any, Any, Any],
        fixtures: NamedDependency[FixtureService],
        settings: NamedDependency[Settings],
        data: JSONBody[GenerateBody],
    ) -> Response[FixturePlanned | FixturesCreated]:
        generated = await fixtures.generate(_generate_input(data), actor_of(request))
        return _answer(generated, data.dry_run, settings.tournament.timezone)

    @put(
        "/matches/{match_id:int}/advance",
        operation_id="advanceTeam",
        summary="Send a team of a tied, no-result or abandoned knockout match on to the next round",
        description="A won knockout match advances its winner by itself; this picks the team when the "
        "result names none. Answers the match that received the team.",
        responses={
            **success_response(MatchChanged, "The next match, with the team in its place"),
            **problem_responses(
                *STAFF_WRITE_ERRORS, C.MATCH_NOT_FOUND, C.INVALID_MATCH_STATE, C.MATCH_LOCKED
            ),
        },
    )
    async def advance(
        self,
        request: Request[Any, Any, Any],
        schedule: NamedDependency[ScheduleService],
        settings: NamedDependency[Settings],
        match_id: Annotated[int, Parameter(description="The finished knockout match's numeric ID")],
        data: JSONBody[AdvanceBody],
    ) -> MatchChanged:
        stored = await schedule.advance(match_id, data.team, actor_of(request))
        return match_changed(
            f"Team advanced to match {stored.match.match_number}", stored, settings.tournament.timezone
        )
