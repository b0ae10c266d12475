"""Cacheable JSON for polled public reads: a strong ETag over the exact body bytes, and 304 answers.

The public schedule page re-fetches every 30 s; with `If-None-Match` an unchanged list costs no body.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or any listed tag, compared weakly (a `W/` prefix is ignored)."""
    if not header:
        return False
    for candidate in header.split(","):
        tag = candidate.strip()
        if tag == "*":
            return True
        if tag.removeprefix("W/") == etag:
            return True
    return False


def cacheable_json(request: Request[Any, Any, Any], payload: Any, *, max_age: int = 10) -> Response[bytes]:
    """`payload` as JSON with a strong ETag and public caching, or an empty 304 when it is unchanged."""
    body = msgspec.json.encode(payload)
    etag = strong_etag(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body, status_code=HTTP_200_OK, media_type="application/json", headers=headers)
