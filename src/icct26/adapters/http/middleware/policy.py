"""What a route declares about itself. The shell's middleware reads these from the matched handler's
`opt` (set on the handler, its controller or its router), never from the request path.

    @post("/register/team", opt=route_policy(rate_limit=REGISTRATION, timeout=110, idempotent=True),
          request_max_body_size=...)

Body limits are Litestar's own `request_max_body_size` (app default, per route where it differs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litestar import Request, Response
from litestar.types import Scope

RATE_LIMIT = "rate_limit"
TIMEOUT = "timeout_seconds"
IDEMPOTENT = "idempotent"
CSP = "content_security_policy"

# Rate-limit policies (SPEC §4.4). `default` counts per client IP, or per user with a valid token.
DEFAULT = "default"
REGISTRATION = "registration"  # per client IP, its own quota
LOGIN = "login"  # counted by the login use case per IP and email, not by the middleware
UNMETERED = "unmetered"  # probes and scrapes: never counted, never refused


@dataclass(frozen=True, slots=True)
class Idempotent:
    """A write honouring `Idempotency-Key`. `replay_result` renders an answer that the route's use
    case recorded itself, in the transaction of its change (see `IdempotentAnswers`), from the bytes
    it recorded; routes without it have their answer stored by the middleware."""

    replay_result: Callable[[Request[Any, Any, Any], bytes], Response[Any]] | None = None


def route_policy(
    *,
    rate_limit: str | None = None,
    timeout: float | None = None,
    idempotent: bool | Idempotent = False,
    csp: bytes | None = None,
) -> dict[str, Any]:
    """The `opt` entries of a route's policy; anything not given keeps the app's default."""
    opt: dict[str, Any] = {}
    if rate_limit is not None:
        opt[RATE_LIMIT] = rate_limit
    if timeout is not None:
        opt[TIMEOUT] = timeout
    if idempotent:
        opt[IDEMPOTENT] = idempotent if isinstance(idempotent, Idempotent) else Idempotent()
    if csp is not None:
        opt[CSP] = csp
    return opt


def route_opt(scope: Scope) -> dict[str, Any]:
    """The matched handler's options; empty before routing (404, 405, preflight)."""
    handler = scope.get("route_handler")
    return handler.opt if handler is not None else {}
