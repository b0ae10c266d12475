"""Request deadline: a handler still working after its route's `timeout_seconds` (else
REQUEST_TIMEOUT_SECONDS) is cancelled, which rolls back its open transaction, and the client gets 503
REQUEST_TIMEOUT.

The deadline covers the time to the first response byte; once a response has started (e.g. a streamed
export) it is left to finish, since its status can no longer change.
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from loguru import logger

from icct26.adapters.http.errors import send_exception
from icct26.adapters.http.middleware.policy import TIMEOUT, route_opt
from icct26.domain.errors import DomainError, ErrorCode

RETRY_AFTER_SECONDS = 5


class TimeoutMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, default_seconds: float) -> None:
        self.default_seconds = default_seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        seconds = float(route_opt(scope).get(TIMEOUT, self.default_seconds))
        started = False
        deadline = asyncio.timeout(seconds)

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start" and not started:
                started = True
                deadline.reschedule(None)
            await send(message)

        try:
            async with deadline:
                await next_app(scope, receive, tracking_send)
        except TimeoutError:
            if not deadline.expired():
                raise  # someone else's timeout, not our deadline
            logger.warning("request cancelled after {}s: {} {}", seconds, scope.get("method"), scope["path"])
            if started:
                return
            refusal = DomainError(
                ErrorCode.REQUEST_TIMEOUT,
                f"The request took longer than {seconds:g} seconds and was cancelled; please try again.",
                retry_after=RETRY_AFTER_SECONDS,
            )
            await send_exception(scope, receive, send, refusal)
