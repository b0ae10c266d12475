"""Outermost ASGI layer: request id, per-request log context and the access log line.

It wraps the whole Litestar app, so it also sees requests that never reach a route (404, 405).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from loguru import logger

from icct26.adapters.observability.context import actor_var, request_id_var

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
REQUEST_ID_HEADER = b"x-request-id"


def incoming_request_id(scope: Scope) -> str:
    """Accept a well-formed `X-Request-ID`; anything else is replaced by a fresh one."""
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            candidate = value.decode("latin-1")
            if _VALID_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def client_ip(scope: Scope) -> str | None:
    state = scope.get("state") or {}
    if ip := state.get("client_ip"):
        return str(ip)
    client = scope.get("client")
    return client[0] if client else None


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 2)
            path = scope.get("path", "")
            if not path.startswith("/health"):
                logger.bind(
                    method=scope.get("method"),
                    path=path,
                    status=status,
                    duration_ms=duration_ms,
                    client_ip=client_ip(scope),
                    actor=state.get("actor"),
                ).info("{} {} {}", scope.get("method"), path, status)
            request_id_var.reset(token)
            actor_var.reset(actor_token)
