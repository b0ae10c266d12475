"""The innermost ASGI layer: polls of cached public reads are answered before Litestar routes them.

The cache, its entries and the one function that turns an entry into an answer live in
`adapters/http/conditional.py`; the handler that fills the cache answers with that same function.
"""

from __future__ import annotations

from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.status_codes import HTTP_200_OK
from litestar.types import ASGIApp, Receive, Scope, Send

from icct26.adapters.http.conditional import PublicReadCache, conditional_answer, request_cache_key


class PublicReadCacheMiddleware:
    """Answers GETs whose path and query string are in the public read cache, before routing.

    The innermost layer: CORS, security headers, metrics, rate limiting and the access log still
    apply to every cached answer; only Litestar's routing, the handler and the compression are skipped.
    """

    def __init__(self, app: ASGIApp, cache: Callable[[], PublicReadCache | None]) -> None:
        self.app = app
        self.cache = cache

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and scope["method"] == "GET":
            cache = self.cache()
            entry = cache.get(request_cache_key(scope)) if cache is not None else None
            if entry is not None:
                if_none_match = accept_encoding = None
                for name, value in scope["headers"]:
                    if name == b"if-none-match":
                        if_none_match = value.decode("latin-1")
                    elif name == b"accept-encoding":
                        accept_encoding = value.decode("latin-1")
                status, headers, body = conditional_answer(entry, if_none_match, accept_encoding)
                if status == HTTP_200_OK:
                    headers.append((b"content-length", str(len(body)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
        await self.app(scope, receive, send)
