"""HTTP: what uvicorn bounds against slow or greedy clients (the proxy does the rest), which hosts,
origins and proxies are trusted, and how answers are shaped."""

from __future__ import annotations

import ipaddress
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from icct26.config.group import ConfigError, Group, NonNegative, Positive, comma_list


class HttpSettings(Group, frozen=True):
    public_base_url: str = ""  # absolute URL clients use to reach the API (document links)
    docs_enabled: bool = True
    keepalive_timeout_seconds: Positive = 5  # an idle keep-alive connection is closed after this
    max_concurrent_connections: NonNegative = 1000  # per process; beyond it new requests get 503 (0 = no cap)
    max_header_bytes: Positive = 16 * 1024  # request line + headers (enforced by the h11 parser)
    # auto: httptools when installed
    parser: Literal["auto", "h11", "httptools"] = msgspec.field(default="auto", name="HTTP_PARSER")
    listen_backlog: Positive = 2048
    cors_origins: str = "*"
    allowed_hosts: str = ""  # Host names served; empty: loopback names plus PUBLIC_BASE_URL's host
    forwarded_allow_ips: str = ""
    gzip_min_bytes: int = 1024
    public_cache_seconds: float = 2.0

    @property
    def cors_origin_list(self) -> list[str]:
        return comma_list(self.cors_origins)

    @property
    def allowed_host_list(self) -> list[str]:
        if self.allowed_hosts.strip():
            return [host.lower() for host in comma_list(self.allowed_hosts)]
        hosts = ["127.0.0.1", "localhost", "[::1]"]
        if public := urlsplit(self.public_base_url).hostname:
            hosts.append(f"[{public}]" if ":" in public else public)
        return hosts

    @property
    def trusted_proxies(self) -> list[str]:
        return comma_list(self.forwarded_allow_ips)

    def check(self) -> None:
        for proxy in self.trusted_proxies:
            try:
                if proxy != "*":
                    ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ConfigError(
                    f"FORWARDED_ALLOW_IPS: {proxy!r} is not an IP address or CIDR block (e.g. 10.0.0.0/8)"
                ) from None

    def check_production(self) -> None:
        if "*" in self.allowed_host_list:
            raise ConfigError(
                "ALLOWED_HOSTS: list the host names this server answers for in production, not *"
            )
        if "*" in self.cors_origin_list:
            raise ConfigError("CORS_ORIGINS: list the frontend origins explicitly in production, not *")
