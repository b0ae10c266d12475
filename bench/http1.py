"""A minimal HTTP/1.1 keep-alive client on asyncio protocols, for the load generator's requests.

Why not aiohttp or httpx for the load itself: on this 2-core machine the aiohttp client used a whole
core at ~4,000 requests per second, so the "ceiling" scenario measured the client rather than the
server. This client does only what the bench sends and receives (requests encoded once into bytes;
answers with Content-Length, chunked or no body; keep-alive, one request per connection at a time)
and costs a fraction per request. Seeding, checks and the streamed uploads still use aiohttp.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import Self, cast
from urllib.parse import urlsplit

HEAD_END = b"\r\n\r\n"
NO_BODY_STATUSES = frozenset({204, 304})
DEFAULT_HEADERS = {"Accept-Encoding": "gzip", "User-Agent": "icct26-bench"}  # as browsers: gzip on


EncodedRequest = tuple[bytes, bytes | None]  # head, body


class ResponseError(Exception):
    """The server's answer could not be read as HTTP/1.1."""


class _Connection(asyncio.Protocol):
    """One TCP connection; `send()` writes a request and resolves with the answer's status."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.keep_alive = True
        self.buffer = bytearray()
        self.waiter: asyncio.Future[int] | None = None
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.head_done = False
        self.remaining: int | None = None  # body bytes still to come (Content-Length)
        self.chunked = False
        self.until_close = False

    # --- asyncio.Protocol ------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have the same methods.
        self.transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if self.head_done and self.until_close:
                waiter.set_result(self.status)
            else:
                waiter.set_exception(ConnectionResetError("the server closed the connection"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        try:
            if self._parse():
                waiter.set_result(self.status)
        except (ValueError, IndexError) as exc:
            waiter.set_exception(ResponseError(str(exc)))
            self.close()

    # --- requests --------------------------------------------------------------------------------

    def send(self, payload: EncodedRequest) -> asyncio.Future[int]:
        assert self.transport is not None
        self._reset()
        self.buffer.clear()
        self.waiter = self.loop.create_future()
        self.transport.writelines([part for part in payload if part])
        return self.waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _parse(self) -> bool:
        """Consume what has arrived; True when the whole answer is in."""
        buffer = self.buffer
        if not self.head_done:
            end = buffer.find(HEAD_END)
            if end < 0:
                return False
            lines = bytes(buffer[:end]).decode("latin-1").split("\r\n")
            del buffer[: end + len(HEAD_END)]
            self.status = int(lines[0].split(" ", 2)[1])
            headers: dict[str, str] = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            self.keep_alive = headers.get("connection", "").lower() != "close"
            self.head_done = True
            if self.status in NO_BODY_STATUSES or self.status < 200:
                self.remaining = 0
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                self.chunked = True
            elif "content-length" in headers:
                self.remaining = int(headers["content-length"])
            else:
                self.until_close = True
                self.keep_alive = False
        if self.remaining is not None:
            taken = min(self.remaining, len(buffer))
            del buffer[:taken]
            self.remaining -= taken
            return self.remaining == 0
        if self.chunked:
            return self._parse_chunks()
        buffer.clear()  # read until the server closes
        return False

    def _parse_chunks(self) -> bool:
        buffer = self.buffer
        while True:
            line_end = buffer.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(bytes(buffer[:line_end]).split(b";")[0], 16)
            if size == 0:
                trailer_end = buffer.find(HEAD_END, line_end)
                if trailer_end < 0:
                    return False
                del buffer[: trailer_end + len(HEAD_END)]
                return True
            if len(buffer) < line_end + 2 + size + 2:
                return False
            del buffer[: line_end + 2 + size + 2]


class Http1Client:
    """Keep-alive connections to one `http://host:port`, at most `max_connections` at a time."""

    def __init__(self, base_url: str, max_connections: int = 64) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only http://host:port URLs, got {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.host_header = parts.netloc
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []
        self._all: set[_Connection] = set()

    def encode(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes | None
    ) -> EncodedRequest:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host_header}"]
        given = {name.lower() for name in headers}
        lines += [f"{name}: {value}" for name, value in DEFAULT_HEADERS.items() if name.lower() not in given]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None or method in {"POST", "PUT", "PATCH"}:
            lines.append(f"Content-Length: {len(body or b'')}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"), body

    async def _connection(self) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed:
                return connection
            self._all.discard(connection)
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_connection(lambda: _Connection(loop), self.host, self.port)
        self._all.add(protocol)
        return protocol

    async def request(self, payload: EncodedRequest, timeout: float) -> int:
        """Send an encoded request; the answer's status once its body has been read."""
        async with self._slots:
            connection = await self._connection()
            reusable = False
            try:
                async with asyncio.timeout(timeout):
                    status = await connection.send(payload)
                reusable = connection.keep_alive and not connection.closed
                return status
            finally:
                if reusable:
                    self._idle.append(connection)
                else:
                    connection.close()
                    self._all.discard(connection)

    async def aclose(self) -> None:
        for connection in self._all:
            connection.close()
        self._all.clear()
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports close

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
