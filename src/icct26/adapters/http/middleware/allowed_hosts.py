"""Answer only for the host names in ALLOWED_HOSTS (SPEC §6.1, §6.6), so that links built from the
request's Host (when PUBLIC_BASE_URL is unset) can never point at someone else's server.

Litestar's own allowed-hosts middleware compares the Host header with its port and answers a bare
JSON body; this one ignores the port and refuses with the catalogue's problem+json.
`X-Forwarded-Host` is never read.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from icct26.adapters.http.errors import send_exception
from icct26.adapters.http.middleware.asgi import header
from icct26.domain.errors import DomainError, ErrorCode


def host_name(host: str) -> str:
    """The Host header without its port: `api.example.org:8443` → `api.example.org`, `[::1]:80` → `[::1]`."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class AllowedHostsMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, hosts: list[str]) -> None:
        self.any_host = "*" in hosts
        self.hosts = frozenset(hosts)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        host = host_name(header(scope, b"host") or "")
        if self.any_host or host in self.hosts:
            await next_app(scope, receive, send)
            return
        refusal = DomainError(ErrorCode.MALFORMED_REQUEST, f"This server does not answer for host {host!r}.")
        await send_exception(scope, receive, send, refusal)
