"""`GET /api/teams/{team_id}`: the public view of a team, or the admin view for a staff token.

The public view has no phones, emails or documents. The existing admin team page calls this
path (FRONTEND_CONTRACT §2.7), so with a valid staff token the same path answers with contacts,
document links and a roster with document links: `team` and `players` at the top level.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec

from icct26.adapters.http.admin.wire import (
    AdminPlayerOut,
    AdminTeamOut,
    PublicPlayerOut,
    PublicTeamOut,
    admin_player_out,
    admin_team_out,
    public_player_out,
    public_team_out,
)
from icct26.adapters.http.auth import optional_principal
from icct26.adapters.http.base_url import request_base_url
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses
from icct26.adapters.http.parameters import TeamId
from icct26.config import Settings
from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.services.admin_teams import TeamReviewService


class PublicTeamResponse(msgspec.Struct):
    success: bool
    team: PublicTeamOut
    players: list[PublicPlayerOut]


class StaffTeamResponse(msgspec.Struct):
    success: bool
    team: AdminTeamOut
    players: list[AdminPlayerOut]


@get(
    "/api/teams/{team_id:str}",
    operation_id="getTeam",
    summary="A team and its roster (contacts and documents only with a staff token)",
    tags=["teams"],
    security=[{}, {"BearerToken": []}],
    dependencies=provide("review", "settings"),
    responses={
        200: ResponseSpec(
            generate_examples=False,
            data_container=PublicTeamResponse,
            description="Public view; with a valid staff bearer token the body is the admin view "
            "(`StaffTeamResponse`: contacts, `captain`/`viceCaptain`, document URLs).",
        ),
        **problem_responses(*REQUEST_ERRORS, ErrorCode.TEAM_NOT_FOUND),
    },
)
async def get_team(
    request: Request[Any, Any, Any],
    review: NamedDependency[TeamReviewService],
    settings: NamedDependency[Settings],
    team_id: TeamId,
) -> Response[PublicTeamResponse | StaffTeamResponse]:
    vary = {"Vary": "Authorization"}
    principal = await optional_principal(request)
    if principal is None:
        team, players = await review.public_team(team_id)
        body = PublicTeamResponse(
            success=True, team=public_team_out(team), players=[public_player_out(p) for p in players]
        )
        return Response(body, headers={**vary, "Cache-Control": "no-cache"})
    viewer = Actor(principal.user_id, principal.email)
    detail = await review.team(team_id, base_url=request_base_url(request, settings), viewer=viewer)
    staff_body = StaffTeamResponse(
        success=True,
        team=admin_team_out(detail.team, settings.tournament.timezone),
        players=[admin_player_out(p) for p in detail.players],
    )
    return Response(staff_body, headers={**vary, "Cache-Control": "no-store"})
