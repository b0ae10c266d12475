"""Review endpoints: the team list and detail, confirm and reject, players, and exports."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, Parameter, QueryParameter
from litestar.response import Stream
from msgspec import Meta

from icct26.adapters.http.admin.lifecycle import DocumentOut, DuplicateOut, review_details
from icct26.adapters.http.admin.wire import (
    AdminPlayerOut,
    AdminTeamListItem,
    AdminTeamOut,
    admin_player_out,
    admin_team_list_item,
    admin_team_out,
)
from icct26.adapters.http.auth import actor_of
from icct26.adapters.http.base_url import request_base_url
from icct26.adapters.http.conditional import SKIP_COMPRESSION, AnswerCache, conditional_response
from icct26.adapters.http.dependencies import StorageDependency
from icct26.adapters.http.openapi_docs import (
    REQUEST_ERRORS,
    file_operation,
    problem_responses,
    success_response,
)
from icct26.adapters.http.parameters import TeamId
from icct26.config import Settings
from icct26.domain.admin.views import MAX_PAGE_SIZE
from icct26.domain.errors import ErrorCode
from icct26.domain.registration import TeamStatus
from icct26.services.admin_teams import ReviewOutcome, TeamReviewService
from icct26.services.document_links import DocumentLinks
from icct26.services.exports import ExportService
from icct26.services.lifecycle import TeamLifecycleService

C = ErrorCode
READ_ERRORS = (C.UNAUTHORIZED, C.FORBIDDEN, *REQUEST_ERRORS)
WRITE_ERRORS = (*READ_ERRORS, C.TEAM_NOT_FOUND, C.INVALID_STATUS_TRANSITION)
DEFAULT_PAGE_SIZE = 500  # the existing dashboard asks once, without paging, and filters locally
EXPORT_CHUNK = 256 * 1024
MEDIA_TYPES = {
    "csv": "text/csv",  # Litestar adds `; charset=utf-8` to text types
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class TeamListResponse(msgspec.Struct):
    success: bool
    data: list[AdminTeamListItem]
    total: int
    page: int
    page_size: int


class TeamDetailData(msgspec.Struct):
    team: AdminTeamOut
    players: list[AdminPlayerOut]
    documents: list[DocumentOut] = msgspec.field(default_factory=list)
    possible_duplicates: list[DuplicateOut] = msgspec.field(default_factory=list)


class TeamDetailResponse(msgspec.Struct):
    success: bool
    data: TeamDetailData


class PlayerDetailData(msgspec.Struct):
    player: AdminPlayerOut
    team: AdminTeamOut


class PlayerDetailResponse(msgspec.Struct):
    success: bool
    data: PlayerDetailData


class RejectBody(msgspec.Struct):
    reason: Annotated[str, Meta(max_length=2000)] | None = None


class ReviewResponse(msgspec.Struct):
    success: bool
    message: str
    team_id: str
    registration_status: str
    # "queued": an email is in the outbox; "not_sent": nothing changed, so no new email.
    email_notification: Literal["queued", "not_sent"]
    changed: bool


def _review_response(outcome: ReviewOutcome) -> ReviewResponse:
    return ReviewResponse(
        success=True,
        message=outcome.message,
        team_id=outcome.team_id,
        registration_status=outcome.status.value,
        email_notification="queued" if outcome.changed else "not_sent",
        changed=outcome.changed,
    )


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    """Stream a temporary file, then delete it (also when the client goes away)."""
    try:
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, EXPORT_CHUNK):
                yield chunk
        finally:
            handle.close()
    finally:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one metadata call, also on cancellation


class AdminTeamsController(Controller):
    path = "/teams"
    tags = ["admin"]

    @get(
        "/",
        operation_id="adminListTeams",
        summary="List registrations for review (filters, paging)",
        description="Each team carries the dashboard's camelCase keys, nested `captain`/`viceCaptain`, and "
        "signed, short-lived document URLs (null when absent); the team detail has every field in both "
        "spellings, the roster and the status history. One SQL statement per page; a page asked for "
        "again while nothing it shows has changed is answered from memory (with its `ETag`).",
        opt={SKIP_COMPRESSION: True},  # the kept answer is compressed once
        responses={
            **success_response(TeamListResponse, "One page of teams in team-ID order"),
            **problem_responses(*READ_ERRORS, C.VALIDATION_FAILED),
        },
    )
    async def list_teams(
        self,
        request: Request[Any, Any, Any],
        review: NamedDependency[TeamReviewService],
        settings: NamedDependency[Settings],
        review_list_cache: NamedDependency[AnswerCache],
        status: Annotated[
            TeamStatus | None,
            Parameter(
                description="pending | confirmed | rejected | changes_requested | withdrawn | waitlisted"
            ),
        ] = None,
        search: Annotated[
            str | None, Parameter(description="Substring of team, ID, church or captain", max_length=100)
        ] = None,
        church: Annotated[
            str | None, Parameter(description="Church name (any spelling)", max_length=120)
        ] = None,
        page: Annotated[int, Parameter(ge=1, le=1_000_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> Response[bytes]:
        base_url = request_base_url(request, settings)
        viewer = actor_of(request)

        async def load() -> bytes:
            result = await review.list_teams(
                base_url=base_url,
                viewer=viewer,
                status=status,
                search=search,
                church=church,
                page=page,
                page_size=page_size,
            )
            tz = settings.tournament.timezone
            return msgspec.json.encode(
                TeamListResponse(
                    success=True,
                    data=[admin_team_list_item(item, tz) for item in result.items],
                    total=result.total,
                    page=result.page,
                    page_size=result.page_size,
                )
            )

        # The links in a list name their viewer, so each staff member has their own copy. The version
        # is read before the list: a change committed in between moves it, and the next read reloads.
        version = await review.list_version()
        key = (version, viewer.user_id, base_url, status, search, church, page, page_size)
        entry = await review_list_cache.get_or_load(key, load)
        return conditional_response(request, entry, cache_control="no-store")  # as every admin answer

    @get(
        "/export",
        operation_id="adminExportTeams",
        summary="Download every team and player (CSV or XLSX, streamed)",
        description="One row per player with the team's columns; a team without players has one row. "
        "Document columns say whether each document is there: `yes`, `no` or `purged on <date>` "
        "(never a link: an export outlives links, and its copies must not open ID documents).",
        responses=problem_responses(*READ_ERRORS),
        operation_class=file_operation(
            MEDIA_TYPES.values(), "The file, as an attachment (`Content-Disposition`)"
        ),
    )
    async def export(
        self,
        exports: NamedDependency[ExportService],
        export_format: Annotated[Literal["csv", "xlsx"], QueryParameter(name="format")] = "csv",
    ) -> Stream:
        filename = exports.filename(export_format)
        content: AsyncIterator[bytes]
        if export_format == "xlsx":
            content = _file_chunks(await exports.write_xlsx())
        else:
            content = exports.csv_chunks()
        return Stream(
            content,
            media_type=MEDIA_TYPES[export_format],
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @get(
        "/{team_id:str}",
        operation_id="adminGetTeam",
        summary="One team with its roster and document links",
        responses={
            **success_response(TeamDetailResponse, "The team and its players in roster order"),
            **problem_responses(*READ_ERRORS, C.TEAM_NOT_FOUND),
        },
    )
    async def get_team(
        self,
        request: Request[Any, Any, Any],
        review: NamedDependency[TeamReviewService],
        lifecycle: NamedDependency[TeamLifecycleService],
        settings: NamedDependency[Settings],
        storage: StorageDependency,
        team_id: TeamId,
    ) -> TeamDetailResponse:
        base_url = request_base_url(request, settings)
        viewer = actor_of(request)
        detail = await review.team(team_id, base_url=base_url, viewer=viewer)
        tz = settings.tournament.timezone
        links = DocumentLinks(storage, settings.auth.signed_url_ttl_seconds)
        extras = await review_details(
            await lifecycle.review_extras(team_id), links, base_url, tz, viewer=viewer
        )
        team = admin_team_out(detail.team, tz)
        team.review = extras.review
        return TeamDetailResponse(
            success=True,
            data=TeamDetailData(
                team=team,
                players=[admin_player_out(p) for p in detail.players],
                documents=extras.documents,
                possible_duplicates=extras.possible_duplicates,
            ),
        )

    @put(
        "/{team_id:str}/confirm",
        operation_id="adminConfirmTeam",
        summary="Confirm a pending team (emails the captain)",
        description="Idempotent: confirming a confirmed team succeeds without a second email. "
        "A rejected team cannot be confirmed (INVALID_STATUS_TRANSITION).",
        status_code=200,
        responses={
            **success_response(ReviewResponse, "The team's status now"),
            **problem_responses(*WRITE_ERRORS),
        },
    )
    async def confirm(
        self, request: Request[Any, Any, Any], review: NamedDependency[TeamReviewService], team_id: TeamId
    ) -> ReviewResponse:
        outcome = await review.confirm(team_id, actor_of(request))
        return _review_response(outcome)

    @put(
        "/{team_id:str}/reject",
        operation_id="adminRejectTeam",
        summary="Reject a team (emails the captain); a reason is required once confirmed",
        description="The body is optional: `{reason}`. Idempotent for a team already rejected.",
        status_code=200,
        responses={
            **success_response(ReviewResponse, "The team's status now"),
            **problem_responses(*WRITE_ERRORS, C.VALIDATION_FAILED, C.MALFORMED_REQUEST),
        },
    )
    async def reject(
        self,
        request: Request[Any, Any, Any],
        review: NamedDependency[TeamReviewService],
        team_id: TeamId,
        data: JSONBody[RejectBody | None] = None,
    ) -> ReviewResponse:
        reason = data.reason if data is not None else None
        outcome = await review.reject(team_id, actor_of(request), reason)
        return _review_response(outcome)


class AdminPlayersController(Controller):
    path = "/players"
    tags = ["admin"]

    @get(
        "/{player_id:str}",
        operation_id="adminGetPlayer",
        summary="One player with document links, and their team",
        responses={
            **success_response(PlayerDetailResponse, "The player and the team"),
            **problem_responses(*READ_ERRORS, C.PLAYER_NOT_FOUND),
        },
    )
    async def get_player(
        self,
        request: Request[Any, Any, Any],
        review: NamedDependency[TeamReviewService],
        settings: NamedDependency[Settings],
        player_id: Annotated[str, Parameter(description="e.g. ICCT-001-P01", max_length=48)],
    ) -> PlayerDetailResponse:
        player, team = await review.player(
            player_id, base_url=request_base_url(request, settings), viewer=actor_of(request)
        )
        return PlayerDetailResponse(
            success=True,
            data=PlayerDetailData(
                player=admin_player_out(player), team=admin_team_out(team, settings.tournament.timezone)
            ),
        )
