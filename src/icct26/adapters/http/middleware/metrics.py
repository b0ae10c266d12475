"""Counts every response (including the 413/429/503 answered by the layers inside it) by route template."""

from __future__ import annotations

import time
from typing import Any, cast

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send
from litestar.utils import normalize_path

from icct26.adapters.observability.metrics import UNMATCHED_ROUTE, HttpMetrics


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: HttpMetrics, litestar: Litestar) -> None:
        self.app = app
        self.metrics = metrics
        self.litestar = litestar

    def route_of(self, scope: HTTPScope) -> str:
        """The template Litestar matched, or looked up for requests refused before routing."""
        template = cast(dict[str, Any], scope).get("path_template")
        if isinstance(template, str):
            return template
        try:
            route = self.litestar.asgi_router.handle_routing(
                path=normalize_path(scope["path"]), method=scope["method"]
            )
        except HTTPException:
            return UNMATCHED_ROUTE
        return str(route[4])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        status = 500  # what the server answers when the app fails before responding
        started = time.perf_counter()

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, recording_send)
        finally:
            self.metrics.in_flight.dec()
            self.metrics.observe(scope["method"], self.route_of(scope), status, time.perf_counter() - started)
