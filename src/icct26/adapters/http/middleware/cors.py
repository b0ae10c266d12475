"""CORS as the outermost layer, so every response carries it: 404/405, 413, 429, 500, 503, timeouts.

The policy (origin matching, preflight and simple headers) is Litestar's `CORSConfig`; this wrapper only
places it outside everything else. Preflights are answered here for every path, including paths that only
define GET, and never reach the rate limiter or the routes.
"""

from __future__ import annotations

from litestar.config.cors import CORSConfig
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from icct26.adapters.http.middleware.asgi import RawHeaders, add_vary, header, send_problem, set_headers
from icct26.config import Settings
from icct26.domain.errors import ErrorCode

ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ALLOW_HEADERS = ["content-type", "authorization", "idempotency-key", "x-request-id", "if-none-match"]
EXPOSE_HEADERS = [
    "x-request-id",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "idempotent-replayed",
    "location",
    "etag",
    "content-disposition",
]


def cors_config(settings: Settings) -> CORSConfig:
    return CORSConfig(
        allow_origins=settings.cors_origin_list or ["*"],
        allow_methods=list(ALLOW_METHODS),  # type: ignore[arg-type]
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
        max_age=600,
    )


def _encode(headers: dict[str, str]) -> RawHeaders:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]


class CorsMiddleware:
    def __init__(self, app: ASGIApp, config: CORSConfig) -> None:
        self.app = app
        self.config = config
        self._simple = _encode(config.simple_headers)
        self._preflight = _encode(config.preflight_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        origin = header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and header(scope, b"access-control-request-method") is not None:
            await self._preflight_response(scope, send, origin)
            return
        await self.app(scope, receive, self._with_cors_headers(send, origin))

    def _origin_headers(self, origin: str) -> RawHeaders:
        if self.config.is_allow_all_origins:
            return []  # `Access-Control-Allow-Origin: *` is among the simple headers
        if self.config.is_origin_allowed(origin):
            return [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
        return [(b"vary", b"Origin")]

    def _with_cors_headers(self, send: Send, origin: str) -> Send:
        extra = [h for h in self._simple + self._origin_headers(origin) if h[0] != b"vary"]
        vary = not self.config.is_allow_all_origins  # the answer depends on the Origin header

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_headers(message, extra)
                if vary:
                    add_vary(message, b"Origin")
            await send(message)

        return wrapped

    async def _preflight_response(self, scope: Scope, send: Send, origin: str) -> None:
        method = (header(scope, b"access-control-request-method") or "").upper()
        requested = [
            h.strip().lower() for h in (header(scope, b"access-control-request-headers") or "").split(",")
        ]
        allowed_headers = {h.lower() for h in self.config.allow_headers} | {
            "accept",
            "accept-language",
            "content-language",
            "content-type",
        }
        if not self.config.is_origin_allowed(origin):
            await send_problem(scope, send, ErrorCode.FORBIDDEN, f"Origin {origin} is not allowed.")
            return
        if method not in self.config.allow_methods or any(h and h not in allowed_headers for h in requested):
            headers = self._origin_headers(origin) + self._simple
            await send_problem(
                scope,
                send,
                ErrorCode.FORBIDDEN,
                "The requested method or headers are not allowed.",
                headers=headers,
            )
            return
        headers = [h for h in self._preflight if h[0] not in (b"access-control-allow-origin", b"vary")]
        if self.config.is_allow_all_origins:
            headers.append((b"access-control-allow-origin", b"*"))
        else:
            headers += self._origin_headers(origin)
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b"", "more_body": False})
