"""Cacheable JSON for polled public reads: a strong ETag over the exact body bytes, and 304 answers.

The public schedule page re-fetches every 30 s; with `If-None-Match` an unchanged list costs no body.
The list itself is kept, encoded and pre-compressed, in a `PublicReadCache` for a few seconds, and
`middleware/public_cache.py` answers polls from it before the request reaches Litestar. Both the
handler (on a miss) and the middleware (on a hit) build the answer with `conditional_answer`, so the
two paths send the same bytes and headers.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED
from litestar.types import Scope

# The app's compression level (app.py), nginx's default. Measured on the 300-team admin list (344 KB
# of JSON, the largest answer; best of 40): level 1 1.8 ms -> 83 KB, levels 2 and 3 about as fast
# for 77 / 73 KB (unmeasured elsewhere, so not switched), level 6 3.6 ms -> 69 KB. zlib has no
# cheaper level; brotli quality 1 takes 0.6 ms for 72 KB, but it is a further dependency and browsers
# ask for `br` only over HTTPS. A cached body is compressed once, not per poll.
GZIP_LEVEL = 1
MAX_AGE_SECONDS = 10
# Route option that keeps Litestar's gzip layer off a handler that negotiates its own encoding.
SKIP_COMPRESSION = "skip_compression"

RawHeaders = list[tuple[bytes, bytes]]


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


def cacheable_json(
    request: Request[Any, Any, Any], payload: Any, *, max_age: int = MAX_AGE_SECONDS
) -> Response[bytes]:
    """`payload` as JSON with a strong ETag and public caching, or an empty 304 when it is unchanged.

    The body is compressed by the app's gzip layer like any other answer.
    """
    return cacheable_body(request, msgspec.json.encode(payload), "application/json", max_age=max_age)


def cacheable_body(
    request: Request[Any, Any, Any], body: bytes, media_type: str, *, max_age: int = MAX_AGE_SECONDS
) -> Response[bytes]:
    """`cacheable_json` for a body that is already encoded (e.g. a calendar)."""
    etag = strong_etag(body)
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={max_age}"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(content=b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=body, status_code=HTTP_200_OK, media_type=media_type, headers=headers)


@dataclass(frozen=True, slots=True)
class CachedJson:
    """An encoded JSON answer, its ETag and, when it is worth compressing, its gzip encoding."""

    body: bytes
    etag: str
    gzipped: bytes | None
    expires_at: float = 0.0
    generation: int = 0

    @classmethod
    def of(
        cls, body: bytes, *, gzip_min_bytes: int, expires_at: float = 0.0, generation: int = 0
    ) -> CachedJson:
        packed = gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= gzip_min_bytes else None
        return cls(body, strong_etag(body), packed, expires_at, generation)


def conditional_answer(
    entry: CachedJson,
    if_none_match: str | None,
    accept_encoding: str | None,
    *,
    max_age: int = MAX_AGE_SECONDS,
) -> tuple[int, RawHeaders, bytes]:
    """Status, headers and body for a GET of `entry`: a 304 when the client holds the current ETag,
    else the body, gzipped when the client accepts it and the body is large enough."""
    headers: RawHeaders = [
        (b"etag", entry.etag.encode()),
        (b"cache-control", f"public, max-age={max_age}".encode()),
    ]
    if entry.gzipped is not None:
        headers.append((b"vary", b"Accept-Encoding"))
    if _matches(if_none_match, entry.etag):
        return HTTP_304_NOT_MODIFIED, headers, b""
    body = entry.body
    if entry.gzipped is not None and accept_encoding and "gzip" in accept_encoding.lower():
        body = entry.gzipped
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-type", b"application/json"))
    return HTTP_200_OK, headers, body


def conditional_response(request: Request[Any, Any, Any], entry: CachedJson) -> Response[bytes]:
    """`conditional_answer` as a Litestar response (for the handler that fills the cache)."""
    status, headers, body = conditional_answer(
        entry, request.headers.get("if-none-match"), request.headers.get("accept-encoding")
    )
    return Response(
        content=body,
        status_code=status,
        headers={name.decode(): value.decode() for name, value in headers if name != b"content-type"},
        media_type="application/json",
    )


def request_cache_key(scope: Scope) -> tuple[str, bytes]:
    """What a cached public read is stored under: its exact path and raw query string."""
    return scope["path"], scope.get("query_string", b"")


class PublicReadCache:
    """Encoded answers of polled public reads, kept for a few seconds in this process.

    Every browser on the public schedule polls the same list; serving it (and its 304s) from memory
    saves a query, the encoding and the compression per poll. An entry is dropped as soon as this
    process commits a change (`generation()` moved), so an organiser sees their own edit at once;
    other instances pick it up within `ttl_seconds`, well inside the `max-age=10` clients already
    accept. Only public, unauthenticated reads may be stored: the middleware answers any GET of a
    stored path and query string without asking the handler.
    """

    def __init__(
        self,
        ttl_seconds: float,
        generation: Callable[[], int] = lambda: 0,
        *,
        gzip_min_bytes: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self._generation = generation
        self._gzip_min_bytes = gzip_min_bytes
        self._clock = clock
        self._entries: dict[Hashable, CachedJson] = {}
        self._loading: dict[Hashable, asyncio.Future[None]] = {}

    def get(self, key: Hashable) -> CachedJson | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != self._generation() or entry.expires_at <= self._clock():
            return None
        return entry

    def generation(self) -> int:
        """Read before loading what `put` will store, so a change committed meanwhile is not masked."""
        return self._generation()

    def clear(self) -> None:
        self._entries.clear()

    async def get_or_load(self, key: Hashable, load: Callable[[], Awaitable[bytes]]) -> CachedJson:
        """The fresh entry of `key`, else `load()` it, once: polls that miss while it loads wait for
        that load instead of each querying and encoding the same list (every entry expires under
        load at once, and a stampede of identical queries stalled all of them)."""
        while True:
            entry = self.get(key)
            if entry is not None:
                return entry
            pending = self._loading.get(key)
            if pending is None or self.ttl <= 0:
                break
            await asyncio.wait([pending])  # then look again: stored, or failed and ours to load
        generation = self.generation()
        done = asyncio.get_running_loop().create_future()
        self._loading[key] = done
        try:
            return self.put(key, await load(), generation)
        finally:
            if self._loading.get(key) is done:
                del self._loading[key]
            done.set_result(None)

    def put(self, key: Hashable, body: bytes, generation: int) -> CachedJson:
        entry = CachedJson.of(
            body,
            gzip_min_bytes=self._gzip_min_bytes,
            expires_at=self._clock() + self.ttl,
            generation=generation,
        )
        if self.ttl > 0:
            if len(self._entries) > 256:  # query variations are few; never grow without bound
                self._entries.clear()
            self._entries[key] = entry
        return entry
