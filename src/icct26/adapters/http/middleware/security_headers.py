"""Security headers on every response, including errors produced before routing."""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from icct26.adapters.http.middleware.asgi import RawHeaders, set_headers

# An API answers JSON and files; nothing it serves needs scripts, styles, frames or forms.
STRICT_CSP = b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
BASE_HEADERS: RawHeaders = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# The interactive docs load the Swagger UI scripts and styles; stored documents open in the browser's
# own PDF or image viewer, which a `default-src 'none'` policy can break.
CSP_EXEMPT_PREFIXES = ("/docs", "/schema", "/documents")


def csp_applies(path: str) -> bool:
    return not any(path == p or path.startswith(p + "/") for p in CSP_EXEMPT_PREFIXES)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        headers = list(BASE_HEADERS)
        if csp_applies(scope.get("path", "")):
            headers.append((b"content-security-policy", STRICT_CSP))

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A route that chose its own value (e.g. a stricter CSP) keeps it.
                set_headers(message, headers, replace=False)
            await send(message)

        await self.app(scope, receive, wrapped)
