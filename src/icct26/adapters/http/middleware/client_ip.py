"""The client's address, trusting `X-Forwarded-For` only from configured proxies (FORWARDED_ALLOW_IPS).

Each proxy appends the address it received the request from, so the right-most entry that is not one of
our proxies is the real client; anything left of it may be forged by that client. When the direct peer
is not a trusted proxy, the header is ignored entirely.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from icct26.adapters.http.middleware.asgi import header_values

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_ip(value: str) -> IPAddress | None:
    """An address from a header entry; tolerates `[v6]`, `[v6]:port` and `v4:port` forms."""
    text = value.strip().strip('"')
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class TrustedProxies:
    """Parsed FORWARDED_ALLOW_IPS: addresses and CIDR blocks, or `*` for any peer."""

    def __init__(self, entries: Iterable[str]) -> None:
        self.trust_all = False
        self.networks: list[IPNetwork] = []
        for entry in entries:
            if entry == "*":
                self.trust_all = True
            else:
                self.networks.append(ipaddress.ip_network(entry, strict=False))

    def __bool__(self) -> bool:
        return self.trust_all or bool(self.networks)

    def trusts(self, address: IPAddress | None) -> bool:
        if address is None:
            return False
        if self.trust_all:
            return True
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)


def resolve_client_ip(peer: str | None, forwarded_for: list[str], proxies: TrustedProxies) -> str | None:
    """The right-most untrusted address of the chain `forwarded_for + [peer]`."""
    if peer is None or not proxies.trusts(parse_ip(peer)):
        return peer
    chain = [entry for value in forwarded_for for entry in value.split(",") if entry.strip()]
    nearest = peer
    for entry in reversed(chain):
        address = parse_ip(entry)
        if address is None:
            # Garbage in the chain: stop at the last hop we could vouch for.
            return nearest
        if not proxies.trusts(address):
            return str(address)
        nearest = str(address)
    return nearest


def resolve_scheme(scope: Scope) -> str | None:
    """`X-Forwarded-Proto` from a trusted proxy (the right-most value), normalised."""
    values = [
        v.strip().lower() for value in header_values(scope, b"x-forwarded-proto") for v in value.split(",")
    ]
    proto = values[-1] if values else None
    if proto not in {"http", "https"}:
        return None
    if scope["type"] == ScopeType.WEBSOCKET:
        return "wss" if proto == "https" else "ws"
    return proto


class ClientIpMiddleware:
    """Stores the resolved address in `scope["state"]["client_ip"]` and `scope["client"]`.

    Every later layer (rate limits, logs, audit) then sees the same client. Behind a trusted proxy the
    scheme is taken from `X-Forwarded-Proto` too, so absolute links use `https`.
    """

    def __init__(self, app: ASGIApp, proxies: TrustedProxies) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        peer = client[0] if client else None
        state = scope.setdefault("state", {})
        ip = peer
        if self.proxies and self.proxies.trusts(parse_ip(peer) if peer else None):
            ip = resolve_client_ip(peer, header_values(scope, b"x-forwarded-for"), self.proxies)
            if scheme := resolve_scheme(scope):
                scope["scheme"] = scheme
            if ip != peer and ip is not None:
                scope["client"] = (ip, 0)
        state["peer_ip"] = peer
        state["client_ip"] = ip
        await self.app(scope, receive, send)
