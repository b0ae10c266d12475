"""Cacheable JSON for polled public reads: a strong ETag over the exact body bytes, and 304 answers.

The public schedule page re-fetches every 30 s; with `If-None-Match` an unchanged list costs no body.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
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
    return cacheable_body(request, body, strong_etag(body), max_age=max_age)


def cacheable_body(
    request: Request[Any, Any, Any], body: bytes, etag: str, *, max_age: int = 10
) -> Response[bytes]:
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body, status_code=HTTP_200_OK, media_type="application/json", headers=headers)


@dataclass(frozen=True, slots=True)
class _Entry:
    body: bytes
    etag: str
    generation: int
    expires_at: float


class PublicReadCache:
    """Encoded answers of polled public reads, kept for a few seconds in this process.

    Every browser on the public schedule polls the same list; serving it (and its 304s) from memory
    saves a query and the encoding per poll. An entry is dropped as soon as this process commits a
    change (the `generation` moved), so an organiser sees their own edit at once; other instances
    pick it up within `ttl_seconds`, well inside the `max-age=10` clients already accept.
    """

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl_seconds
        self._clock = clock
        self._entries: dict[Hashable, _Entry] = {}

    def get(self, key: Hashable, generation: int) -> tuple[bytes, str] | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != generation or entry.expires_at <= self._clock():
            return None
        return entry.body, entry.etag

    def put(self, key: Hashable, generation: int, body: bytes) -> str:
        etag = strong_etag(body)
        if self.ttl > 0:
            if len(self._entries) > 256:  # query variations are few; never grow without bound
                self._entries.clear()
            self._entries[key] = _Entry(body, etag, generation, self._clock() + self.ttl)
        return etag
