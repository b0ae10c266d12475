"""The captain's API, reached with the personal link from the emails (no account, no token header).

A bad, expired or rotated link is a plain 404 whatever the reason, so a link cannot be probed. The
document upload streams like the registration form (same parser, limits and file checks) and
replaces only the documents the organisers flagged.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import Parameter
from msgspec import Meta

from icct26.adapters.http.admin.wire import ReviewItemOut
from icct26.adapters.http.dependencies import StorageDependency, provide
from icct26.adapters.http.errors import request_id_of
from icct26.adapters.http.middleware.policy import REGISTRATION, route_policy
from icct26.adapters.http.middleware.rate_limit import client_ip
from icct26.adapters.http.multipart import MultipartLimits, SpooledForm, read_multipart
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses, success_response
from icct26.adapters.storage.encrypted import upload_sealer
from icct26.config import Settings
from icct26.domain.audit import Actor
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.ports import DocumentStore
from icct26.services.lifecycle import CaptainView, TeamLifecycleService

C = ErrorCode
Token = Annotated[str, Parameter(description="The token of the captain's personal link", max_length=512)]
LINK_ERRORS = (C.NOT_FOUND, C.RATE_LIMIT_EXCEEDED, *REQUEST_ERRORS)


class CaptainPlayerOut(msgspec.Struct):
    player_id: str
    name: str
    role: str | None


class CaptainTeamOut(msgspec.Struct):
    success: bool
    team_id: str
    team_name: str
    church_name: str
    registration_status: str
    status_reason: str | None
    deadline: str | None
    items: list[ReviewItemOut]
    waitlist_position: int | None
    players: list[CaptainPlayerOut]


class AmendedOut(msgspec.Struct):
    success: bool
    registration_status: str
    items_remaining: int


class WithdrawBody(msgspec.Struct):
    reason: Annotated[str, Meta(max_length=1000)] | None = None


class WithdrawnOut(msgspec.Struct):
    success: bool
    registration_status: str


def captain_upload_policy(settings: Settings) -> dict[str, Any]:
    """A captain's upload is a registration-sized form: its quota, its timeout; writes are idempotent."""
    return route_policy(
        rate_limit=REGISTRATION, timeout=settings.limits.registration_timeout_seconds, idempotent=True
    )


def _iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment is not None else None


def captain_team_out(view: CaptainView, zone: tzinfo) -> CaptainTeamOut:
    team = view.team
    return CaptainTeamOut(
        success=True,
        team_id=team.team_id,
        team_name=team.name,
        church_name=team.church_name,
        registration_status=team.status.value,
        status_reason=team.status_reason,
        deadline=_iso(team.review_deadline, zone) if view.open_items else None,
        items=[
            ReviewItemOut(i.document.value, i.player_id, i.note, _iso(i.answered_at, zone))
            for i in view.open_items
        ],
        waitlist_position=view.waitlist_position,
        players=[CaptainPlayerOut(p.player_id, p.name, p.role) for p in team.players],
    )


def captain_actor(request: Request[Any, Any, Any]) -> Actor:
    """Where the captain's request came from (the team is added by the use case)."""
    return Actor(None, "captain", client_ip(request.scope), request_id_of(request))


def upload_limits(settings: Settings) -> MultipartLimits:
    """The registration form's limits: a captain may replace every document of the roster at once."""
    return MultipartLimits(
        max_body_bytes=settings.limits.max_registration_bytes,
        max_file_bytes=settings.limits.max_file_bytes,
        max_parts=settings.limits.max_multipart_parts,
    )


async def read_captain_upload(
    request: Request[Any, Any, Any], settings: Settings, storage: DocumentStore
) -> SpooledForm:
    spool = settings.runtime.data_path / "tmp"
    return await read_multipart(request, upload_limits(settings), spool, upload_sealer(storage))


async def get_team(
    lifecycle: NamedDependency[TeamLifecycleService], settings: NamedDependency[Settings], token: Token
) -> CaptainTeamOut:
    return captain_team_out(await lifecycle.captain_view(token), settings.tournament.timezone)


async def upload_documents(
    request: Request[Any, Any, Any],
    lifecycle: NamedDependency[TeamLifecycleService],
    settings: NamedDependency[Settings],
    storage: StorageDependency,
    token: Token,
) -> AmendedOut:
    lifecycle.check_link(token)  # a bad link is refused before the body is read
    async with await read_captain_upload(request, settings, storage) as form:
        result = await lifecycle.amend(token, form.files, captain_actor(request))
    return AmendedOut(True, result.status.value, result.items_remaining)


async def withdraw(
    request: Request[Any, Any, Any],
    lifecycle: NamedDependency[TeamLifecycleService],
    token: Token,
) -> WithdrawnOut:
    raw = await request.body()
    try:
        body = msgspec.json.decode(raw, type=WithdrawBody) if raw.strip() else WithdrawBody()
    except msgspec.ValidationError as exc:
        raise DomainError(C.VALIDATION_FAILED, f"Invalid body: {exc}") from None
    except msgspec.DecodeError:
        raise DomainError(C.MALFORMED_REQUEST, "The body is not valid JSON") from None
    status = await lifecycle.withdraw(token, body.reason, captain_actor(request))
    return WithdrawnOut(True, status.value)


def captain_router(settings: Settings) -> Router:
    """The captain's routes; the upload takes the registration form's body limit."""
    handlers = [
        get(
            "/{token:str}",
            operation_id="captainGetTeam",
            summary="The captain's view of their team: status, requested changes, deadline, roster",
            responses={**success_response(CaptainTeamOut, "The team"), **problem_responses(*LINK_ERRORS)},
        )(get_team),
        post(
            "/{token:str}/documents",
            operation_id="captainUploadDocuments",
            summary="Replace the documents the organisers flagged (multipart, registration field names)",
            description="Fields are named as in the registration form (`pastor_letter`, "
            "`player_2_aadhar_file` for the third player). Only flagged documents are accepted (else "
            "NOT_REQUESTED); when every flagged document is replaced the team is pending again.",
            status_code=200,
            request_max_body_size=settings.limits.max_registration_bytes,
            opt=captain_upload_policy(settings),
            responses={
                **success_response(AmendedOut, "What is still missing"),
                **problem_responses(
                    *LINK_ERRORS,
                    C.NOT_REQUESTED,
                    C.INVALID_FILE_TYPE,
                    C.VALIDATION_FAILED,
                    C.FILE_TOO_LARGE,
                    C.BODY_TOO_LARGE,
                    C.UNSUPPORTED_MEDIA_TYPE,
                    C.INVALID_STATUS_TRANSITION,
                    C.STORAGE_UNAVAILABLE,
                ),
            },
        )(upload_documents),
        post(
            "/{token:str}/withdraw",
            operation_id="captainWithdraw",
            summary="Withdraw the team (final; its slot goes to the waiting list)",
            status_code=200,
            opt=route_policy(rate_limit=REGISTRATION, idempotent=True),
            responses={
                **success_response(WithdrawnOut, "The team is withdrawn"),
                **problem_responses(*LINK_ERRORS, C.INVALID_STATUS_TRANSITION, C.VALIDATION_FAILED),
            },
        )(withdraw),
    ]
    return Router(
        path="/api/captain",
        route_handlers=handlers,
        dependencies=provide("lifecycle", "settings", "storage"),
        cache_control=CacheControlHeader(no_store=True),  # the team's own data
        tags=["captain"],
    )
