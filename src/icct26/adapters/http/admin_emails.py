"""Admin: the email outbox (`GET /admin/emails`) and re-sending a team's email."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from icct26.adapters.db.outbox_repository import SqlEmailUnitOfWork
from icct26.adapters.http.auth import actor_of, principal_of, staff_guard
from icct26.adapters.http.idempotency import idempotency_key, json_answer, respond_idempotently
from icct26.adapters.http.problem_docs import REQUEST_ERRORS, problem_responses
from icct26.bootstrap import Container
from icct26.domain.errors import ErrorCode
from icct26.domain.idempotency import SavedResponse, body_fingerprint
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
        container: NamedDependency[Container],
        status: Annotated[str | None, QueryParameter(description="pending|sending|sent|failed")] = None,
        # Bounds are checked by the service (every field error at once); documented here.
        page: Annotated[int, QueryParameter(schema_extra={"minimum": 1, "maximum": MAX_PAGE})] = 1,
        page_size: Annotated[int, QueryParameter(schema_extra={"minimum": 1, "maximum": MAX_PAGE_SIZE})] = 50,
    ) -> OutboxEmailPage:
        async with SqlEmailUnitOfWork(container.database) as uow:
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
        self, request: Request[Any, Any, Any], container: NamedDependency[Container], team_id: str
    ) -> Response[bytes]:
        """With an `Idempotency-Key`, a retried request queues the email only once."""

        async def produce() -> SavedResponse:
            result = await resend_team_email(
                lambda: SqlEmailUnitOfWork(container.database), team_id, actor_of(request)
            )
            container.outbox_worker.wake()  # no wait for the next poll when the worker runs in-process
            kind = result.kind.value.replace("_", " ")
            body = ResendEmailResponse(
                success=True,
                message=f"The {kind} email for {result.team_id} has been queued.",
                team_id=result.team_id,
                email_notification="queued",
            )
            return json_answer(HTTP_202_ACCEPTED, body)

        return await respond_idempotently(
            request,
            container.registration.idempotency,
            key=idempotency_key(request),
            scope=f"POST {request.url.path} u{principal_of(request).user_id}",
            fingerprint=body_fingerprint(b""),
            produce=produce,
        )


def admin_emails_router() -> Router:
    """A fresh router per app: staff may read the outbox, admins may re-send."""
    return Router(path="/admin", route_handlers=[AdminEmailsController], guards=[staff_guard])
