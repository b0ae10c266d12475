"""The one layer outside Litestar: what belongs to the connection rather than to any route.

- a request id (`X-Request-ID` accepted when well-formed, else generated), the log context and one
  access log line per request — before routing, so 404s and refusals carry the id too;
- refusals readable by a client that is still sending: before a refusal (401, 403, 413, 415, 429, 503)
  goes out while the request body is unread, the body is drained up to the matched route's limit
  (Litestar's `request_max_body_size`), so the server does not reset a connection the client is still
  writing to; past the limit the answer says `Connection: close`;
- a last resort for an exception that escapes Litestar itself: problem+json with the request id and
  the CORS headers, never a bare text/plain 500.

It decides nothing by path: route policy lives in the handlers' `opt` (see `policy.py`).
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import Any

from litestar.config.cors import CORSConfig
from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from loguru import logger

from icct26.adapters.http.middleware.asgi import RawHeaders, header, set_headers
from icct26.adapters.http.problems import PROBLEM_MEDIA_TYPE, build_problem
from icct26.adapters.observability.context import actor_var, request_id_var
from icct26.domain.errors import ErrorCode

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
REQUEST_ID_HEADER = b"x-request-id"
REFUSALS = frozenset({401, 403, 413, 415, 429, 503})
# A refused upload is read and discarded for at most this long before the answer goes out anyway.
DRAIN_SECONDS = 30.0


def incoming_request_id(scope: Scope) -> str:
    """Accept a well-formed `X-Request-ID`; anything else is replaced by a fresh one."""
    candidate = header(scope, REQUEST_ID_HEADER)
    if candidate is not None and _VALID_REQUEST_ID.match(candidate):
        return candidate
    return uuid.uuid4().hex


def has_body(scope: Scope) -> bool:
    if header(scope, b"transfer-encoding") is not None:
        return True
    length = header(scope, b"content-length")
    return length is not None and length.strip() not in ("", "0")


def drain_limit(scope: Scope, default: int) -> int:
    """The matched route's body limit (Litestar's `request_max_body_size`), else the app's."""
    handler = scope.get("route_handler")
    limit = handler.resolve_request_max_body_size() if isinstance(handler, HTTPRouteHandler) else None
    return limit if isinstance(limit, int) else default


class ConnectionLayer:
    def __init__(self, app: ASGIApp, *, cors: CORSConfig, default_body_limit: int) -> None:
        self.app = app
        self.cors = cors
        self.default_body_limit = default_body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope)
        # A private copy: lifespan state may be shared between requests by the server.
        state: dict[str, Any] = dict(scope.get("state") or {})
        scope["state"] = state
        state["request_id"] = request_id
        token = request_id_var.set(request_id)
        actor_token = actor_var.set(None)
        started_at = time.perf_counter()
        status = 0
        body_pending = has_body(scope)
        received = 0

        async def tracking_receive() -> ReceiveMessage:
            nonlocal body_pending, received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                body_pending = bool(message.get("more_body", False))
            elif message["type"] == "http.disconnect":
                body_pending = False
            return message

        async def answering_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra: RawHeaders = [(REQUEST_ID_HEADER, request_id.encode("latin-1"))]
                if (
                    body_pending
                    and status in REFUSALS
                    and not await self._drain(scope, tracking_receive, received)
                ):
                    extra.append((b"connection", b"close"))
                set_headers(message, extra)
            await send(message)

        try:
            await self.app(scope, tracking_receive, answering_send)
        except Exception as exc:  # escaped Litestar's own exception handling
            logger.opt(exception=exc).error("unhandled error outside the routes")
            if status == 0:
                await self._last_resort(scope, answering_send, request_id)
        finally:
            self._access_log(scope, status or 500, started_at, state)
            request_id_var.reset(token)
            actor_var.reset(actor_token)

    async def _drain(self, scope: Scope, receive: Receive, received: int) -> bool:
        """Read and drop the rest of the body, up to the route's limit; True when all of it was read."""
        budget = drain_limit(scope, self.default_body_limit)
        declared = header(scope, b"content-length")
        if received > budget or (declared is not None and declared.isdigit() and int(declared) > budget):
            return False  # more than the route takes: not worth reading, close after the answer
        read = received
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        return False
                    read += len(message.get("body", b""))
                    if not message.get("more_body", False):
                        return True
                    if read > budget:
                        return False
        except TimeoutError:
            return False

    async def _last_resort(self, scope: Scope, send: Send, request_id: str) -> None:
        status, body = build_problem(
            ErrorCode.INTERNAL_ERROR, None, instance=scope.get("path", ""), request_id=request_id
        )
        headers: RawHeaders = [
            (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        origin = header(scope, b"origin")
        if origin is not None and self.cors.is_origin_allowed(origin):
            allow = b"*" if self.cors.is_allow_all_origins else origin.encode("latin-1")
            headers += [(b"access-control-allow-origin", allow), (b"vary", b"Origin")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    @staticmethod
    def _access_log(scope: Scope, status: int, started_at: float, state: dict[str, Any]) -> None:
        path = scope.get("path", "")
        if path.startswith("/health"):
            return
        client = scope.get("client")
        logger.bind(
            method=scope.get("method"),
            path=path,
            status=status,
            duration_ms=round((time.perf_counter() - started_at) * 1000, 2),
            client_ip=client[0] if client else None,
            actor=state.get("actor"),
        ).info("{} {} {}", scope.get("method"), path, status)
