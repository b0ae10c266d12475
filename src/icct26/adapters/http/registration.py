"""Public registration endpoints: the team form, whether registration is open, church slots, teams.

Built per app by `registration_router(settings)`: the form's body limit is MAX_REGISTRATION_BYTES
while the app default stays at 1 MiB. Controllers stay thin: parse, call the service, map to wire.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_201_CREATED

from icct26.adapters.http.dependencies import StorageDependency, provide
from icct26.adapters.http.middleware.idempotency import idempotency_claim
from icct26.adapters.http.middleware.policy import REGISTRATION, Idempotent, route_policy
from icct26.adapters.http.multipart import MultipartLimits, read_multipart
from icct26.adapters.http.openapi_docs import problem_responses, registration_form_operation
from icct26.adapters.storage.encrypted import upload_sealer
from icct26.config import Settings
from icct26.domain.errors import ErrorCode
from icct26.domain.registration import TeamStatus
from icct26.services.churches import ChurchService
from icct26.services.registration import RegistrationReceipt, RegistrationService

C = ErrorCode


class RegistrationCreated(msgspec.Struct, omit_defaults=True):
    success: bool
    team_id: str
    team_name: str
    church_name: str
    player_count: int
    registration_status: str  # pending, or waitlisted when the form asked for the waiting list
    message: str
    submitted_at: str
    waitlist_position: int | None = None  # only for waitlisted teams: 1 = promoted next


class RegistrationStatusOut(msgspec.Struct):
    success: bool
    open: bool
    opens_at: str | None
    closes_at: str | None
    max_players: int
    min_players: int
    max_teams_per_church: int
    max_teams_total: int | None
    active_teams: int


class ChurchAvailabilityOut(msgspec.Struct):
    church_name: str
    team_count: int
    max_teams: int
    locked: bool
    waitlisted: int


class AvailabilitySummaryOut(msgspec.Struct):
    total_churches: int
    locked_churches: int
    available_churches: int


class ChurchAvailabilityList(msgspec.Struct):
    success: bool
    churches: list[ChurchAvailabilityOut]
    summary: AvailabilitySummaryOut


class PublicTeamSummaryOut(msgspec.Struct, kw_only=True):
    """Snake_case keys with camelCase twins: the existing frontend reads both."""

    team_id: str
    team_id_camel: str = msgspec.field(name="teamId")
    team_name: str
    team_name_camel: str = msgspec.field(name="teamName")
    church_name: str
    church_name_camel: str = msgspec.field(name="churchName")
    player_count: int


class PublicTeamList(msgspec.Struct):
    success: bool
    teams: list[PublicTeamSummaryOut]


def _iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment is not None else None


def _created(receipt: RegistrationReceipt, zone: tzinfo) -> RegistrationCreated:
    if receipt.status == TeamStatus.WAITLISTED:
        message = (
            f"Team {receipt.team_name} is on the waiting list at position {receipt.waitlist_position}. "
            "It moves up automatically when a slot becomes free; the captain is emailed."
        )
    else:
        message = (
            f"Team {receipt.team_name} is registered and waiting for the organisers' review. "
            "The captain will receive an email with the team ID."
        )
    return RegistrationCreated(
        success=True,
        team_id=receipt.team_id,
        team_name=receipt.team_name,
        church_name=receipt.church_name,
        player_count=receipt.player_count,
        registration_status=receipt.status.value,
        message=message,
        submitted_at=_iso(receipt.submitted_at, zone) or "",
        waitlist_position=receipt.waitlist_position,
    )


# A kept-alive connection stays with the server worker that accepted it, so a proxy's (or a phone's)
# reused connection queues the next registration behind that worker even while another is idle. A
# registration is the one expensive request (a megabyte or more of uploads, tens of ms of CPU): after
# its answer the connection is closed, and the next one goes to whichever worker accepts it first.
# Measured with `make bench` (docs/PERFORMANCE.md); uvicorn closes after a `Connection: close` answer.
CLOSE_AFTER = {"Connection": "close"}


def _created_response(receipt: RegistrationReceipt, zone: tzinfo) -> Response[RegistrationCreated]:
    return Response(
        _created(receipt, zone),
        status_code=HTTP_201_CREATED,
        headers={"Location": f"/api/teams/{receipt.team_id}", **CLOSE_AFTER},
    )


def _replay_created(request: Request[Any, Any, Any], recorded: bytes) -> Response[RegistrationCreated]:
    """A repeat of a registration: its 201, from the receipt committed with the team."""
    settings: Settings = request.app.state.services.settings
    return _created_response(RegistrationReceipt.from_recorded(recorded), settings.tournament.timezone)


async def register_team(
    request: Request[Any, Any, Any],
    settings: NamedDependency[Settings],
    registration: NamedDependency[RegistrationService],
    storage: StorageDependency,
) -> Response[RegistrationCreated]:
    """Register a team with its roster and documents (multipart/form-data, up to 33 files).

    Every field error is reported at once (422 `errors`). Repeats with the same `Idempotency-Key`
    get the first answer back with `Idempotent-Replayed: true`.
    """
    limits = MultipartLimits(
        max_body_bytes=settings.limits.max_registration_bytes,
        max_file_bytes=settings.limits.max_file_bytes,
        max_parts=settings.limits.max_multipart_parts,
    )
    spool = settings.runtime.data_path / "tmp"
    async with await read_multipart(request, limits, spool, upload_sealer(storage)) as form:
        # Under a key, the 201's receipt is recorded in the team's own transaction, so a crash right
        # after the commit still leaves it for the client's retry.
        receipt = await registration.register(form.fields, form.files, idempotency_claim(request))
    return _created_response(receipt, settings.tournament.timezone)


async def registration_status(
    settings: NamedDependency[Settings], registration: NamedDependency[RegistrationService]
) -> RegistrationStatusOut:
    """Whether the form is open now, its window and the roster and church limits."""
    state = registration.state()
    zone = settings.tournament.timezone
    return RegistrationStatusOut(
        success=True,
        open=state.open,
        opens_at=_iso(state.opens_at, zone),
        closes_at=_iso(state.closes_at, zone),
        max_players=state.max_players,
        min_players=state.min_players,
        max_teams_per_church=state.max_teams_per_church,
        max_teams_total=state.max_teams_total,
        active_teams=await registration.active_teams(),
    )


async def church_availability(churches: NamedDependency[ChurchService]) -> ChurchAvailabilityList:
    """Every known church with its active (pending + confirmed) teams; `locked` when it is full."""
    report = await churches.availability()
    return ChurchAvailabilityList(
        success=True,
        churches=[
            ChurchAvailabilityOut(c.church_name, c.team_count, c.max_teams, c.locked, c.waitlisted)
            for c in report.churches
        ],
        summary=AvailabilitySummaryOut(report.total, report.locked, report.available),
    )


async def list_teams(registration: NamedDependency[RegistrationService]) -> PublicTeamList:
    """Confirmed teams, without any personal data."""
    teams = await registration.confirmed_teams()
    return PublicTeamList(
        success=True,
        teams=[
            PublicTeamSummaryOut(
                team_id=t.team_id,
                team_id_camel=t.team_id,
                team_name=t.team_name,
                team_name_camel=t.team_name,
                church_name=t.church_name,
                church_name_camel=t.church_name,
                player_count=t.player_count,
            )
            for t in teams
        ],
    )


def registration_router(settings: Settings) -> Router:
    """The public registration routes with this configuration's body limit."""
    handlers = [
        post(
            "/register/team",
            operation_id="registerTeam",
            summary="Register a team (multipart form with documents)",
            tags=["registration"],
            status_code=HTTP_201_CREATED,
            request_max_body_size=settings.limits.max_registration_bytes,
            opt=route_policy(
                rate_limit=REGISTRATION,
                timeout=settings.limits.registration_timeout_seconds,
                idempotent=Idempotent(replay_result=_replay_created),
            ),
            operation_class=registration_form_operation(settings),
            responses={
                HTTP_201_CREATED: ResponseSpec(
                    generate_examples=False,
                    data_container=RegistrationCreated,
                    description="Registered as pending; `Location` names the team. A replay carries "
                    "`Idempotent-Replayed: true`.",
                ),
                **problem_responses(
                    C.VALIDATION_FAILED,
                    C.INVALID_FILE_TYPE,
                    C.UNKNOWN_CHURCH,
                    C.IDEMPOTENCY_KEY_REUSED,
                    C.MALFORMED_REQUEST,
                    C.TOO_MANY_PARTS,
                    C.IDEMPOTENCY_KEY_INVALID,
                    C.REGISTRATION_CLOSED,
                    C.CHURCH_LIMIT_REACHED,
                    C.TOURNAMENT_FULL,
                    C.DUPLICATE_TEAM,
                    C.DUPLICATE_CAPTAIN_EMAIL,
                    C.IDEMPOTENCY_IN_PROGRESS,
                    C.FILE_TOO_LARGE,
                    C.BODY_TOO_LARGE,
                    C.UNSUPPORTED_MEDIA_TYPE,
                    C.STORAGE_UNAVAILABLE,
                ),
            },
        )(register_team),
        get(
            "/registration/status",
            operation_id="getRegistrationStatus",
            summary="Whether registration is open, and the roster and church limits",
            tags=["registration"],
            responses=problem_responses(),
        )(registration_status),
        get(
            "/churches/availability",
            operation_id="getChurchAvailability",
            summary="Team slots per church (active teams against the limit)",
            tags=["registration"],
            responses=problem_responses(),
        )(church_availability),
        get(
            "/teams",
            operation_id="listConfirmedTeams",
            summary="Confirmed teams (no personal data)",
            tags=["teams"],
            responses=problem_responses(),
        )(list_teams),
    ]
    return Router(
        path="/api",
        route_handlers=handlers,
        dependencies=provide("settings", "registration", "storage", "churches"),
    )
