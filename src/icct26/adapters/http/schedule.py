"""Schedule endpoints: the public match list, match and standings; admin fixture and match-day changes.

Paths and bodies are the existing frontend's (`/api/schedule/...`, teams by name). Reads are public and
cacheable (strong ETag); writes carry `staff_guard` per handler because they share the path with the
public reads.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, JSONBody, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from icct26.adapters.http.auth import actor_of, principal_of, staff_guard
from icct26.adapters.http.conditional import (
    SKIP_COMPRESSION,
    cacheable_json,
    conditional_response,
    request_cache_key,
)
from icct26.adapters.http.idempotency import (
    IDEMPOTENCY_KEY_HEADER,
    idempotency_key,
    json_answer,
    respond_idempotently,
)
from icct26.adapters.http.problem_docs import REQUEST_ERRORS, problem_responses, success_response
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
    match_out,
    standings_out,
)
from icct26.bootstrap import Container
from icct26.domain.errors import ErrorCode
from icct26.domain.idempotency import SavedResponse, body_fingerprint
from icct26.domain.schedule import MAX_ROUND_NUMBER
from icct26.domain.schedule.ports import StoredMatch
from icct26.services.schedule import FinishInput, InningsInput, StartInput

C = ErrorCode
MAX_LIST_LIMIT = 1000
MAX_SKIP = 1_000_000


def _changed(message: str, stored: StoredMatch, container: Container) -> MatchChanged:
    return MatchChanged(success=True, message=message, data=match_out(stored, container.settings.timezone))


# --- OpenAPI -----------------------------------------------------------------------------------------

_ADMIN: dict[str, Any] = {
    "guards": [staff_guard],
    "security": [{"BearerToken": []}],
}
_WRITE_ERRORS = (
    C.UNAUTHORIZED,
    C.FORBIDDEN,
    C.VALIDATION_FAILED,
    C.MALFORMED_REQUEST,
    C.IDEMPOTENCY_KEY_INVALID,
    C.IDEMPOTENCY_KEY_REUSED,
    C.IDEMPOTENCY_IN_PROGRESS,
)
MatchId = Annotated[int, Parameter(description="The match's numeric ID")]
IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name=IDEMPOTENCY_KEY_HEADER,
        required=False,
        description="1-255 printable characters; a repeat with the same key replays the first answer",
    ),
]


def _changed_responses(*codes: ErrorCode) -> dict[int, ResponseSpec]:
    return {
        **success_response(MatchChanged, "The match after the change"),
        **problem_responses(*_WRITE_ERRORS, C.MATCH_NOT_FOUND, *codes),
    }


class ScheduleController(Controller):
    path = "/api/schedule"
    tags = ["schedule"]

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
        container: NamedDependency[Container],
        status: Annotated[
            str | None,
            Parameter(description="scheduled | live | completed (alias done) | abandoned", max_length=20),
        ] = None,
        round_number: Annotated[int | None, Parameter(ge=1, le=MAX_ROUND_NUMBER)] = None,
        skip: Annotated[int, Parameter(ge=0, le=MAX_SKIP)] = 0,
        limit: Annotated[int | None, Parameter(ge=1, le=MAX_LIST_LIMIT)] = None,
    ) -> Response[bytes]:
        async def load() -> bytes:
            matches = await container.schedule.list_matches(status, round_number, skip, limit)
            tz = container.settings.timezone
            return msgspec.json.encode(MatchList(success=True, data=[match_out(m, tz) for m in matches]))

        # Fresh entries are answered by PublicReadCacheMiddleware before routing; this is a miss.
        entry = await container.public_cache.get_or_load(request_cache_key(request.scope), load)
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
        self, request: Request[Any, Any, Any], container: NamedDependency[Container], match_id: MatchId
    ) -> Response[bytes]:
        stored = await container.schedule.get_match(match_id)
        return cacheable_json(
            request, MatchDetail(success=True, data=match_out(stored, container.settings.timezone))
        )

    @get(
        "/standings",
        operation_id="getStandings",
        summary="Standings per round (derived from completed matches)",
        responses={**success_response(StandingsList, "One table per round number"), **problem_responses()},
    )
    async def standings(
        self, request: Request[Any, Any, Any], container: NamedDependency[Container]
    ) -> Response[bytes]:
        return cacheable_json(request, standings_out(await container.schedule.standings()))

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
            **problem_responses(*_WRITE_ERRORS, C.TEAM_NOT_ELIGIBLE, C.MATCH_CONFLICT),
        },
        **_ADMIN,
    )
    async def create_match(
        self,
        request: Request[Any, Any, Any],
        container: NamedDependency[Container],
        data: JSONBody[FixtureBody],
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        async def produce() -> SavedResponse:
            stored = await container.schedule.create(fixture_input(data), actor_of(request))
            body = _changed("Match created", stored, container)
            return json_answer(HTTP_201_CREATED, body, {"location": f"/api/schedule/matches/{stored.id}"})

        return await _once(request, container, data, produce)

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
        container: NamedDependency[Container],
        match_id: MatchId,
        data: JSONBody[FixtureBody],
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        async def produce() -> SavedResponse:
            stored = await container.schedule.update(match_id, fixture_input(data), actor_of(request))
            return json_answer(HTTP_200_OK, _changed("Match updated", stored, container))

        return await _once(request, container, data, produce)

    @delete(
        "/matches/{match_id:int}",
        operation_id="deleteMatch",
        summary="Delete a match that has not started",
        status_code=HTTP_200_OK,
        responses=problem_responses(*_WRITE_ERRORS, C.MATCH_NOT_FOUND, C.MATCH_LOCKED),
        **_ADMIN,
    )
    async def delete_match(
        self, request: Request[Any, Any, Any], container: NamedDependency[Container], match_id: MatchId
    ) -> MatchDeleted:
        await container.schedule.delete(match_id, actor_of(request))
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
        container: NamedDependency[Container],
        match_id: MatchId,
        data: JSONBody[StartBody],
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        async def produce() -> SavedResponse:
            command = StartInput(
                data.toss_winner, data.toss_choice, data.match_score_url, data.actual_start_time
            )
            stored = await container.schedule.start(match_id, command, actor_of(request))
            return json_answer(HTTP_200_OK, _changed("Match started", stored, container))

        return await _once(request, container, data, produce)

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
        container: NamedDependency[Container],
        match_id: MatchId,
        data: JSONBody[InningsBody],
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        return await _innings(request, container, match_id, 1, data)

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
        container: NamedDependency[Container],
        match_id: MatchId,
        data: JSONBody[InningsBody],
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        return await _innings(request, container, match_id, 2, data)

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
        container: NamedDependency[Container],
        match_id: MatchId,
        data: JSONBody[FinishBody],
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        async def produce() -> SavedResponse:
            command = FinishInput(
                winner=data.winner,
                margin=data.margin,
                margin_type=data.margin_type,
                match_end_time=data.match_end_time,
                result_type=data.result_type,
            )
            stored = await container.schedule.finish(match_id, command, actor_of(request))
            return json_answer(HTTP_200_OK, _changed("Match finished", stored, container))

        return await _once(request, container, data, produce)

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
        container: NamedDependency[Container],
        match_id: MatchId,
        idempotency_key_header: IdempotencyKeyHeader = None,
    ) -> Response[bytes]:
        async def produce() -> SavedResponse:
            stored = await container.schedule.abandon(match_id, actor_of(request))
            return json_answer(HTTP_200_OK, _changed("Match abandoned", stored, container))

        return await _once(request, container, None, produce)


async def _innings(
    request: Request[Any, Any, Any],
    container: Container,
    match_id: int,
    innings: Literal[1, 2],
    data: JSONBody[InningsBody],
) -> Response[bytes]:
    async def produce() -> SavedResponse:
        command = InningsInput(data.batting_team, data.runs, data.wickets, data.overs)
        stored = await container.schedule.record_innings(match_id, innings, command, actor_of(request))
        message = f"{'First' if innings == 1 else 'Second'} innings recorded"
        return json_answer(HTTP_200_OK, _changed(message, stored, container))

    return await _once(request, container, data, produce)


async def _once(
    request: Request[Any, Any, Any],
    container: Container,
    data: msgspec.Struct | None,
    produce: Callable[[], Awaitable[SavedResponse]],
) -> Response[bytes]:
    """Run a change at most once per `Idempotency-Key` (per user and target); repeats get the first
    answer. Without the header the change simply runs."""
    key = idempotency_key(request)
    scope = f"{request.method} {request.url.path} u{principal_of(request).user_id}"
    body = msgspec.json.encode(data) if data is not None else b""
    return await respond_idempotently(
        request,
        container.registration.idempotency,
        key=key,
        scope=scope,
        fingerprint=body_fingerprint(body),
        produce=produce,
    )
