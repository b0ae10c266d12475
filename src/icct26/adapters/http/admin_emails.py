"""Admin: the email outbox (`GET /admin/emails`) and re-sending a team's email."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from icct26.adapters.db.engine import Database
from icct26.adapters.db.outbox_repository import SqlEmailUnitOfWork
from icct26.adapters.http.auth import actor_of
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses
from icct26.adapters.http.parameters import TeamId
from icct26.adapters.mail.worker import OutboxWorker
from icct26.domain.errors import ErrorCode
from icct26.services.outbox import MAX_PAGE, MAX_PAGE_SIZE, list_outbox, resend_team_email

NO_STORE = CacheControlHeader(no_store=True)


class OutboxEmailItem(msgspec.Struct):
    id: int
    kind: str
    recipient: str
    team_id: str | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


class OutboxEmailPage(msgspec.Struct):
    success: bool
    data: list[OutboxEmailItem]
    total: int
    page: int
    page_size: int


class ResendEmailResponse(msgspec.Struct):
    success: bool
    message: str
    team_id: str
    email_notification: Literal["queued"]


class AdminEmailsController(Controller):
    path = "/"
    tags = ["admin"]
    security = [{"BearerToken": []}]

    @get(
        "/emails",
        operation_id="listOutboxEmails",
        summary="Email outbox, newest first",
        description="Every email owed to captains with its delivery state; filter by `status` "
        "(pending, sending, sent, failed).",
        cache_control=NO_STORE,
        responses=problem_responses(*REQUEST_ERRORS, ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN),
    )
    async def list_emails(
        self,
        database: NamedDependency[Database],
        status: Annotated[str | None, QueryParameter(description="pending|sending|sent|failed")] = None,
        # Bounds are checked by the service (every field error at once); documented here.
        page: Annotated[int, QueryParameter(schema_extra={"minimum": 1, "maximum": MAX_PAGE})] = 1,
        page_size: Annotated[int, QueryParameter(schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE})] = 50,
    ) -> OutboxEmailPage:
        async with SqlEmailUnitOfWork(database) as uow:
            result = await list_outbox(uow.emails, status, page, page_size)
        return OutboxEmailPage(
            success=True,
            data=[
                OutboxEmailItem(
                    id=e.id,
                    kind=e.kind,
                    recipient=e.recipient,
                    team_id=e.team_id,
                    status=e.status,
                    attempts=e.attempts,
                    last_error=e.last_error,
                    created_at=e.created_at,
                    sent_at=e.sent_at,
                    next_attempt_at=e.next_attempt_at,
                )
                for e in result.items
            ],
            total=result.total,
            page=result.page,
            page_size=result.page_size,
        )

    @post(
        "/teams/{team_id:str}/resend-email",
        operation_id="resendTeamEmail",
        summary="Queue the team's email again",
        description="Re-sends the email matching the team's current status: registration received "
        "(pending), confirmed, or rejected (with its reason).",
        status_code=HTTP_202_ACCEPTED,
        cache_control=NO_STORE,
        responses={
            202: ResponseSpec(
                generate_examples=False, data_container=ResendEmailResponse, description="The email is queued"
            ),
            **problem_responses(
                *REQUEST_ERRORS,
                ErrorCode.TEAM_NOT_FOUND,
                ErrorCode.UNAUTHORIZED,
                ErrorCode.FORBIDDEN,
                ErrorCode.IDEMPOTENCY_KEY_INVALID,
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                ErrorCode.IDEMPOTENCY_IN_PROGRESS,
            ),
        },
    )
    async def resend_email(
        self,
        request: Request[Any, Any, Any],
        database: NamedDependency[Database],
        outbox_worker: NamedDependency[OutboxWorker],
        team_id: TeamId,
    ) -> Response[ResendEmailResponse]:
        """With an `Idempotency-Key`, a retried request queues the email only once."""
        result = await resend_team_email(lambda: SqlEmailUnitOfWork(database), team_id, actor_of(request))
        outbox_worker.wake()  # no wait for the next poll when the worker runs in-process
        kind = result.kind.value.replace("_", " ")
        body = ResendEmailResponse(
            success=True,
            message=f"The {kind} email for {result.team_id} has been queued.",
            team_id=result.team_id,
            email_notification="queued",
        )
        return Response(body, status_code=HTTP_202_ACCEPTED)
