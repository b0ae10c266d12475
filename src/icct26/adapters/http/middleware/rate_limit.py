"""Per-client request quotas with the IETF `RateLimit-Policy` / `RateLimit` headers (SPEC §4.4).

The matched route names its policy in `opt` (`policy.RATE_LIMIT`): `registration` has its own quota
per client IP; `default` counts per user for a valid bearer token, else per client IP; `login` is
counted by the login use case (per IP and email), `unmetered` (probes, scrapes) never. Litestar's own
rate-limit middleware has one quota per app and the older header draft, hence this one.

The counts live in the `RateLimiter` port (memory for one instance, Redis shared by several); the
client IP is the one uvicorn's proxy-headers middleware resolved from trusted proxies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from icct26.adapters.http.errors import send_exception
from icct26.adapters.http.middleware.asgi import header
from icct26.adapters.http.middleware.policy import (
    DEFAULT,
    LOGIN,
    RATE_LIMIT,
    REGISTRATION,
    UNMETERED,
    route_opt,
)
from icct26.adapters.http.middleware.response_headers import add_response_headers
from icct26.domain.errors import DomainError, ErrorCode

WINDOW_SECONDS = 60
KEY_PREFIX = "rl"


@dataclass(frozen=True, slots=True)
class Quotas:
    """Requests per minute of each policy (RATE_LIMIT_* settings)."""

    enabled: bool
    default: int
    registration: int
    admin: int


@dataclass(frozen=True, slots=True)
class Quota:
    policy: str
    limit: int
    key: str


def policy_header(quota: Quota) -> bytes:
    return f'"{quota.policy}";q={quota.limit};w={WINDOW_SECONDS}'.encode()


def state_header(quota: Quota, remaining: int, reset_after: int) -> bytes:
    return f'"{quota.policy}";r={remaining};t={reset_after}'.encode()


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


def bearer_user(scope: Scope, tokens: Any) -> int | None:
    """The user of a valid bearer token; an invalid token is just another anonymous client."""
    scheme, _, token = (header(scope, b"authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    try:
        user_id: int = tokens.verify(token.strip()).user_id
    except DomainError:
        return None
    return user_id


class RateLimitMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, quotas: Quotas) -> None:
        self.quotas = quotas

    def quota_for(self, policy: str, scope: Scope, services: Any) -> Quota:
        ip = client_ip(scope)
        if policy == REGISTRATION:
            return Quota(REGISTRATION, self.quotas.registration, f"{KEY_PREFIX}:registration:ip:{ip}")
        user = bearer_user(scope, services.tokens)
        if user is not None:
            return Quota("admin", self.quotas.admin, f"{KEY_PREFIX}:admin:user:{user}")
        return Quota(DEFAULT, self.quotas.default, f"{KEY_PREFIX}:default:ip:{ip}")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        policy = route_opt(scope).get(RATE_LIMIT, DEFAULT)
        services = scope["app"].state.get("services")
        if not self.quotas.enabled or policy in (UNMETERED, LOGIN) or services is None:
            await next_app(scope, receive, send)
            return
        quota = self.quota_for(policy, scope, services)
        decision = await services.rate_limiter.hit(quota.key, quota.limit, WINDOW_SECONDS)
        add_response_headers(
            scope,
            [
                (b"ratelimit-policy", policy_header(quota)),
                (b"ratelimit", state_header(quota, decision.remaining, decision.reset_after)),
            ],
        )
        if not decision.allowed:
            refusal = DomainError(
                ErrorCode.RATE_LIMIT_EXCEEDED,
                f"Too many requests; at most {quota.limit} per minute. "
                f"Try again in {decision.reset_after} seconds.",
                retry_after=decision.reset_after,
            )
            await send_exception(scope, receive, send, refusal)
            return
        await next_app(scope, receive, send)
