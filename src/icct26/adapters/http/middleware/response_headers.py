"""Headers every response gets, added by one `before_send` hook of the app (so 404s, refusals and
answers rendered by the exception handlers get them too): the security headers, and whatever the
route's middleware asked for on this request (e.g. the rate-limit state).
"""

from __future__ import annotations

from collections.abc import Iterable

from litestar.types import Message, Scope

from icct26.adapters.http.middleware.asgi import RawHeaders, set_headers
from icct26.adapters.http.middleware.policy import CSP, route_opt

# An API answers JSON and files; nothing it serves needs scripts, styles, frames or forms. Routes
# that serve HTML or documents declare their own policy (`route_policy(csp=...)`).
STRICT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS: RawHeaders = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_EXTRA = "response_headers"


def add_response_headers(scope: Scope, headers: Iterable[tuple[bytes, bytes]]) -> None:
    """Ask for `headers` on this request's response, whoever renders it."""
    scope["state"].setdefault(_EXTRA, []).extend(headers)


async def before_send(message: Message, scope: Scope) -> None:
    if message["type"] != "http.response.start":
        return
    csp = route_opt(scope).get(CSP, STRICT_CSP)
    own: RawHeaders = list(SECURITY_HEADERS)
    if csp:
        own.append((b"content-security-policy", csp))
    # A handler that chose its own value (e.g. a stricter CSP) keeps it.
    set_headers(message, own, replace=False)
    # Litestar's CORS layer sets `Vary: Origin` over the `Vary: Accept-Encoding` of its gzip layer.
    headers = message.get("headers", [])
    if any(k.lower() == b"content-encoding" for k, _ in headers):
        vary = [v for k, v in headers if k.lower() == b"vary"]
        if not any(b"accept-encoding" in v.lower() for v in vary):
            set_headers(message, [(b"vary", b", ".join([*vary, b"Accept-Encoding"]))])
    extra = (scope.get("state") or {}).get(_EXTRA)
    if extra:
        set_headers(message, extra)
