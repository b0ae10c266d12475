"""Review-loop endpoints for organisers: ask a captain for changes and rotate the captain's link; and
the review part of the admin team view (flagged items, document history, possible duplicate IDs)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody
from msgspec import Meta

from icct26.adapters.http.admin.wire import ReviewItemOut, ReviewOut
from icct26.adapters.http.auth import actor_of
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses, success_response
from icct26.adapters.http.parameters import TeamId
from icct26.config import Settings
from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.domain.registration.lifecycle import RawReviewItem, ReviewItem
from icct26.services.document_links import DocumentLinks
from icct26.services.lifecycle import ReviewExtras, TeamLifecycleService

C = ErrorCode
WRITE_ERRORS = (C.UNAUTHORIZED, C.FORBIDDEN, C.TEAM_NOT_FOUND, *REQUEST_ERRORS)


class ReviewItemIn(msgspec.Struct):
    document: Annotated[str, Meta(max_length=40)]
    note: Annotated[str, Meta(max_length=2000)] = ""
    player_id: Annotated[str, Meta(max_length=48)] | None = None


class RequestChangesBody(msgspec.Struct):
    items: Annotated[list[ReviewItemIn], Meta(max_length=200)]
    reason: Annotated[str, Meta(max_length=2000)] | None = None
    deadline: datetime | None = None


class RequestChangesResponse(msgspec.Struct):
    success: bool
    team_id: str
    registration_status: str
    deadline: str
    items: list[ReviewItemOut]


class RotateLinkResponse(msgspec.Struct):
    success: bool
    team_id: str


class DocumentOut(msgspec.Struct):
    document: str
    player_id: str | None
    url: str
    sha256: str
    uploaded_at: str
    replaced_at: str | None


class DuplicateOut(msgspec.Struct):
    player_id: str
    player_name: str
    other_team_id: str
    other_team_name: str
    other_player_id: str
    other_player_name: str


class ReviewDetails(msgspec.Struct):
    review: ReviewOut
    documents: list[DocumentOut]
    possible_duplicates: list[DuplicateOut]


# The registration form's field names, as used in review items.
_DOCUMENT_NAMES = {"aadhar": "aadhar_file", "subscription": "subscription_file"}


def _iso(moment: datetime | None, zone: tzinfo) -> str | None:
    return moment.astimezone(zone).isoformat() if moment is not None else None


def item_out(item: ReviewItem, zone: tzinfo) -> ReviewItemOut:
    return ReviewItemOut(item.document.value, item.player_id, item.note, _iso(item.answered_at, zone))


def review_out(items: list[ReviewItem], deadline: datetime | None, zone: tzinfo) -> ReviewOut:
    return ReviewOut([item_out(item, zone) for item in items], _iso(deadline, zone))


async def review_details(
    extras: ReviewExtras, links: DocumentLinks, base_url: str, zone: tzinfo, *, viewer: Actor | None
) -> ReviewDetails:
    """The review loop's part of the admin team view; the document links name `viewer`, to whom every
    view through them is recorded."""
    documents = []
    for doc in extras.documents:
        name = _DOCUMENT_NAMES.get(doc.kind.value, doc.kind.value)
        filename = f"{doc.player_id}-{name}" if doc.player_id else name
        url = await links.url(doc.storage_key, f"{filename}.{doc.extension}", base_url, viewer)
        documents.append(
            DocumentOut(
                name,
                doc.player_id,
                url,
                doc.sha256,
                _iso(doc.uploaded_at, zone) or "",
                _iso(doc.replaced_at, zone),
            )
        )
    duplicates = [DuplicateOut(*vars_of(d)) for d in extras.possible_duplicates]
    return ReviewDetails(review_out(extras.items, extras.deadline, zone), documents, duplicates)


def vars_of(duplicate: Any) -> tuple[str, str, str, str, str, str]:
    return (
        duplicate.player_id,
        duplicate.player_name,
        duplicate.other_team_id,
        duplicate.other_team_name,
        duplicate.other_player_id,
        duplicate.other_player_name,
    )


class AdminLifecycleController(Controller):
    """Writes under the admin router, which makes them honour `Idempotency-Key`."""

    path = "/teams"
    tags = ["admin"]
    dependencies = provide("lifecycle", "settings")

    @put(
        "/{team_id:str}/request-changes",
        operation_id="adminRequestChanges",
        summary="Ask the captain to replace some documents (pending -> changes_requested)",
        description="Items name registration file fields (`aadhar_file`/`subscription_file` need the "
        "`player_id`). The team keeps its slot; the captain gets an email with a link to the team page. "
        "The deadline defaults to CHANGES_DEADLINE_DAYS; past it the team is rejected.",
        status_code=200,
        responses={
            **success_response(RequestChangesResponse, "The team now waits for the captain"),
            **problem_responses(*WRITE_ERRORS, C.VALIDATION_FAILED, C.INVALID_STATUS_TRANSITION),
        },
    )
    async def request_changes(
        self,
        request: Request[Any, Any, Any],
        lifecycle: NamedDependency[TeamLifecycleService],
        settings: NamedDependency[Settings],
        team_id: TeamId,
        data: JSONBody[RequestChangesBody],
    ) -> RequestChangesResponse:
        zone = settings.tournament.timezone
        deadline = data.deadline
        if deadline is not None and deadline.utcoffset() is None:
            deadline = deadline.replace(tzinfo=zone)  # a naive time is the tournament's wall clock
        result = await lifecycle.request_changes(
            team_id,
            actor_of(request),
            reason=data.reason,
            items=[RawReviewItem(i.document, i.player_id, i.note) for i in data.items],
            deadline=deadline,
        )
        return RequestChangesResponse(
            success=True,
            team_id=result.team_id,
            registration_status=result.status.value,
            deadline=_iso(result.deadline, zone) or "",
            items=[item_out(item, zone) for item in result.items],
        )

    @post(
        "/{team_id:str}/rotate-captain-link",
        operation_id="adminRotateCaptainLink",
        summary="Invalidate the captain's links and email a new one",
        status_code=200,
        responses={
            **success_response(RotateLinkResponse, "Earlier links answer 404 from now on"),
            **problem_responses(*WRITE_ERRORS),
        },
    )
    async def rotate_captain_link(
        self,
        request: Request[Any, Any, Any],
        lifecycle: NamedDependency[TeamLifecycleService],
        team_id: TeamId,
    ) -> RotateLinkResponse:
        rotated = await lifecycle.rotate_captain_link(team_id, actor_of(request))
        return RotateLinkResponse(success=True, team_id=rotated)
