"""Request body limits enforced while the body streams in, before any route buffers it.

A declared `Content-Length` over the route's limit is refused before a byte is read. A chunked (or
otherwise undeclared) body is counted as it arrives; the moment it passes the limit the client gets
413 BODY_TOO_LARGE with `Connection: close`, and the handler that was reading it is interrupted, so the
rest is never read and its transaction rolls back.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send

from icct26.adapters.http.middleware.asgi import header, send_problem
from icct26.adapters.http.middleware.route_rules import RouteLimits
from icct26.domain.errors import ErrorCode


class BodyTooLarge(RequestEntityTooLarge):
    """Raised from `receive` into the handler: Litestar's own 413, so no layer mistakes it for a bug."""


def _too_large(limit: int) -> str:
    return f"The request body exceeds the limit of {limit} bytes for this route."


def declared_length(scope: Scope) -> int | None:
    value = header(scope, b"content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: RouteLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        limit = self.limits.body_bytes(scope["method"], scope["path"])
        declared = declared_length(scope)
        if declared is not None and declared > limit:
            await send_problem(scope, send, ErrorCode.BODY_TOO_LARGE, _too_large(limit), close=True)
            return

        received = 0
        started = False
        answered = False  # our 413 went out; whatever the app sends afterwards is dropped

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if answered:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def counting_receive() -> ReceiveMessage:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not started and not answered:
                        answered = True
                        await send_problem(
                            scope, send, ErrorCode.BODY_TOO_LARGE, _too_large(limit), close=True
                        )
                    raise BodyTooLarge(detail=_too_large(limit))
            return message

        try:
            await self.app(scope, counting_receive, guarded_send)
        except BodyTooLarge:
            if not answered:
                raise
