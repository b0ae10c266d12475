"""Per-client request quotas with the IETF `RateLimit-Policy` / `RateLimit` headers.

One policy applies to each request: `registration` (POST /api/register/team, per client IP), `captain`
(a captain's upload or withdrawal through their link: the registration limit, per client IP), `admin`
(a valid bearer token, per user), else `default` (per client IP). Login attempts have their own, finer
limit per IP and email inside the login use case, under separate keys, so nothing is counted twice.
Health probes, metrics scrapes and CORS preflights are never counted (preflights are answered by the
CORS layer before they get here).

The counts live in the container's `RateLimiter` (memory for one instance, Redis for several).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Litestar
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from icct26.adapters.http.middleware.asgi import header, send_problem, set_headers
from icct26.adapters.http.middleware.route_rules import is_captain_write, is_registration, is_unmetered
from icct26.config import Settings
from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.ratelimit import RateLimiter

WINDOW_SECONDS = 60
KEY_PREFIX = "rl"


@dataclass(frozen=True, slots=True)
class Quota:
    policy: str
    limit: int
    key: str


def policy_header(quota: Quota) -> bytes:
    return f'"{quota.policy}";q={quota.limit};w={WINDOW_SECONDS}'.encode()


def state_header(quota: Quota, remaining: int, reset_after: int) -> bytes:
    return f'"{quota.policy}";r={remaining};t={reset_after}'.encode()


def has_body(scope: HTTPScope) -> bool:
    if header(scope, b"transfer-encoding") is not None:
        return True
    length = header(scope, b"content-length")
    return length is not None and length.strip() not in ("", "0")


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, litestar: Litestar) -> None:
        self.app = app
        self.enabled = settings.rate_limit_enabled
        self.default_limit = settings.rate_limit_default_per_minute
        self.registration_limit = settings.rate_limit_registration_per_minute
        self.admin_limit = settings.rate_limit_admin_per_minute
        # The container (and with it the limiter and token service) exists once the lifespan has run.
        self.litestar = litestar

    def _container(self) -> Any:
        return getattr(self.litestar.state, "container", None)

    def quota_for(self, scope: HTTPScope, container: Any) -> Quota:
        state = scope.get("state") or {}
        ip = state.get("client_ip") or (scope.get("client") or ("unknown",))[0]
        if is_registration(scope["method"], scope["path"]):
            return Quota("registration", self.registration_limit, f"{KEY_PREFIX}:registration:ip:{ip}")
        if is_captain_write(scope["method"], scope["path"]):
            return Quota("captain", self.registration_limit, f"{KEY_PREFIX}:captain:ip:{ip}")
        user = self._user_of(scope, container)
        if user is not None:
            return Quota("admin", self.admin_limit, f"{KEY_PREFIX}:admin:user:{user}")
        return Quota("default", self.default_limit, f"{KEY_PREFIX}:default:ip:{ip}")

    @staticmethod
    def _user_of(scope: Scope, container: Any) -> int | None:
        authorization = header(scope, b"authorization") or ""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            user_id: int = container.tokens.verify(token.strip()).user_id
        except DomainError:
            return None  # an invalid token is just another anonymous client
        return user_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != ScopeType.HTTP
            or scope["method"] == "OPTIONS"
            or is_unmetered(scope["path"])
        ):
            await self.app(scope, receive, send)
            return
        container = self._container()
        limiter: RateLimiter | None = getattr(container, "rate_limiter", None)
        if limiter is None:
            await self.app(scope, receive, send)
            return
        quota = self.quota_for(scope, container)
        decision = await limiter.hit(quota.key, quota.limit, WINDOW_SECONDS)
        headers = [
            (b"ratelimit-policy", policy_header(quota)),
            (b"ratelimit", state_header(quota, decision.remaining, decision.reset_after)),
        ]
        if not decision.allowed:
            await send_problem(
                scope,
                send,
                ErrorCode.RATE_LIMIT_EXCEEDED,
                f"Too many requests; at most {quota.limit} per minute. "
                f"Try again in {decision.reset_after} seconds.",
                headers=[*headers, (b"retry-after", str(decision.reset_after).encode())],
                # Do not make the server swallow a refused upload (up to 170 MiB) to keep the connection.
                close=has_body(scope),
            )
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                set_headers(message, headers)
            await send(message)

        await self.app(scope, receive, with_headers)
