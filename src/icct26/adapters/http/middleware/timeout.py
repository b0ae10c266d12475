"""Request deadline: a handler still working after REQUEST_TIMEOUT_SECONDS (registration: its own
limit) is cancelled, which rolls back its open transaction, and the client gets 503 REQUEST_TIMEOUT.

The deadline covers the time to the first response byte; once a response has started (e.g. a streamed
export) it is left to finish, since its status can no longer change.
"""

from __future__ import annotations

import asyncio

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from loguru import logger

from icct26.adapters.http.middleware.asgi import send_problem
from icct26.adapters.http.middleware.route_rules import RouteLimits
from icct26.domain.errors import ErrorCode

RETRY_AFTER_SECONDS = b"5"


class TimeoutMiddleware:
    def __init__(self, app: ASGIApp, limits: RouteLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        seconds = self.limits.timeout_seconds(scope["method"], scope["path"])
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
                await self.app(scope, receive, tracking_send)
        except TimeoutError:
            if not deadline.expired():
                raise  # someone else's timeout, not our deadline
            logger.warning("request cancelled after {}s: {} {}", seconds, scope["method"], scope["path"])
            if started:
                return
            await send_problem(
                scope,
                send,
                ErrorCode.REQUEST_TIMEOUT,
                f"The request took longer than {seconds:g} seconds and was cancelled; please try again.",
                headers=[(b"retry-after", RETRY_AFTER_SECONDS)],
                close=True,
            )
