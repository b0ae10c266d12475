"""Cacheable JSON: a strong ETag over the exact body bytes, 304 answers, and answers kept encoded.

The public schedule page re-fetches every 30 s; with `If-None-Match` an unchanged list costs no body.
An `AnswerCache` keeps such an answer encoded and pre-compressed, so a repeated read costs neither
the query, the encoding nor the compression: the public match list for a few seconds, the review
list for as long as the database says it is current (its key holds the list's version).
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
PUBLIC = f"public, max-age={MAX_AGE_SECONDS}"
JSON = "application/json"
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
    return cacheable_body(request, msgspec.json.encode(payload), JSON, max_age=max_age)


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
class CachedAnswer:
    """An encoded answer (JSON unless it says otherwise), its ETag and, when it is worth compressing,
    its gzip encoding."""

    body: bytes
    etag: str
    gzipped: bytes | None
    expires_at: float = 0.0
    generation: int = 0
    media_type: str = JSON

    @classmethod
    def of(
        cls,
        body: bytes,
        *,
        gzip_min_bytes: int,
        expires_at: float = 0.0,
        generation: int = 0,
        media_type: str = JSON,
    ) -> CachedAnswer:
        packed = gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= gzip_min_bytes else None
        return cls(body, strong_etag(body), packed, expires_at, generation, media_type)


def conditional_answer(
    entry: CachedAnswer,
    if_none_match: str | None,
    accept_encoding: str | None,
    *,
    cache_control: str = PUBLIC,
) -> tuple[int, RawHeaders, bytes]:
    """Status, headers and body for a GET of `entry`: a 304 when the client holds the current ETag,
    else the body, gzipped when the client accepts it and the body is large enough."""
    headers: RawHeaders = [
        (b"etag", entry.etag.encode()),
        (b"cache-control", cache_control.encode()),
    ]
    if entry.gzipped is not None:
        headers.append((b"vary", b"Accept-Encoding"))
    if _matches(if_none_match, entry.etag):
        return HTTP_304_NOT_MODIFIED, headers, b""
    body = entry.body
    if entry.gzipped is not None and accept_encoding and "gzip" in accept_encoding.lower():
        body = entry.gzipped
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-type", entry.media_type.encode()))
    return HTTP_200_OK, headers, body


def conditional_response(
    request: Request[Any, Any, Any], entry: CachedAnswer, *, cache_control: str = PUBLIC
) -> Response[bytes]:
    """`conditional_answer` as a Litestar response (the route sets `SKIP_COMPRESSION`)."""
    status, headers, body = conditional_answer(
        entry,
        request.headers.get("if-none-match"),
        request.headers.get("accept-encoding"),
        cache_control=cache_control,
    )
    # The content type as stored, as a header: for `text/` types, Litestar would append a second
    # `; charset=utf-8` to a media type that already names its charset.
    return Response(
        content=body,
        status_code=status,
        headers={name.decode(): value.decode() for name, value in headers},
        media_type=entry.media_type,
    )


def request_cache_key(scope: Scope) -> tuple[str, bytes]:
    """What a cached public read is stored under: its exact path and raw query string."""
    return scope["path"], scope.get("query_string", b"")


class AnswerCache:
    """Encoded answers of repeated reads, kept in this process for at most `ttl_seconds`.

    Every browser on the public schedule polls the same list (and calendar apps the same feed), and
    every organiser's dashboard reloads the same review list; serving them (and their 304s) from
    memory saves a query, the encoding (or rendering) and the compression per read. An entry is
    dropped as soon as `generation()` moves (the schedule bumps it when this process commits a
    change, so an organiser sees their own edit at once).
    Whatever else an answer depends on belongs in its key: the review list's key holds the list's
    version in the database, so no instance serves a list older than the last commit.

    Written here rather than using Litestar's response cache (`cache=` on a route), which cannot do
    two things these reads need: its key builder is synchronous and sees only the request, so it
    cannot key an answer by a version read from the database; and a miss is not loaded once, so every
    request that misses at the moment an entry expires runs the same query and encoding.
    """

    def __init__(
        self,
        ttl_seconds: float,
        generation: Callable[[], int] = lambda: 0,
        *,
        max_entries: int = 256,
        gzip_min_bytes: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self._generation = generation
        self._max_entries = max_entries
        self._gzip_min_bytes = gzip_min_bytes
        self._clock = clock
        self._entries: dict[Hashable, CachedAnswer] = {}
        self._loading: dict[Hashable, asyncio.Future[None]] = {}

    def get(self, key: Hashable) -> CachedAnswer | None:
        entry = self._entries.get(key)
        if entry is None or entry.generation != self._generation() or entry.expires_at <= self._clock():
            return None
        return entry

    def generation(self) -> int:
        """Read before loading what `put` will store, so a change committed meanwhile is not masked."""
        return self._generation()

    def clear(self) -> None:
        self._entries.clear()

    async def get_or_load(
        self, key: Hashable, load: Callable[[], Awaitable[bytes]], media_type: str = JSON
    ) -> CachedAnswer:
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
            return self.put(key, await load(), generation, media_type)
        finally:
            if self._loading.get(key) is done:
                del self._loading[key]
            done.set_result(None)

    def put(self, key: Hashable, body: bytes, generation: int, media_type: str = JSON) -> CachedAnswer:
        entry = CachedAnswer.of(
            body,
            gzip_min_bytes=self._gzip_min_bytes,
            expires_at=self._clock() + self.ttl,
            generation=generation,
            media_type=media_type,
        )
        if self.ttl > 0:
            if len(self._entries) >= self._max_entries:  # variations are few; never grow unbounded
                self._entries.clear()
            self._entries[key] = entry
        return entry
