"""The absolute base URL clients reach the API at (for links placed in responses)."""

from __future__ import annotations

from typing import Any

from litestar import Request

from icct26.config import Settings


def request_base_url(request: Request[Any, Any, Any], settings: Settings) -> str:
    """PUBLIC_BASE_URL when configured (behind proxies), else the URL this request came in on."""
    if settings.http.public_base_url:
        return settings.http.public_base_url.rstrip("/")
    return str(request.base_url).rstrip("/")
