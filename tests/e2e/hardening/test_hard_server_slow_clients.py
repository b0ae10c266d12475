"""Slow and greedy clients against a real `icct26 serve`: idle keep-alive connections are closed, the
connections one process holds are capped (the rest get 503 at once instead of queueing), and an
oversized header block is refused. Read timeouts and per-IP caps are the reverse proxy's job
(docs/DEPLOYMENT.md, checked by test_hard_deploy_nginx.py)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import pytest

from tests.support.raw_http import closed_by_peer, open_raw, read_response, request_head
from tests.support.server import ServerProcess, running_server

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

CAP = 4


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(
        database_url,
        tmp_path_factory.mktemp("slow-clients"),
        KEEPALIVE_TIMEOUT_SECONDS="1",
        MAX_CONCURRENT_CONNECTIONS=str(CAP),
        MAX_HEADER_BYTES="8192",
        HTTP_PARSER="h11",
    ) as process:
        yield process


@contextlib.asynccontextmanager
async def half_sent_requests(port: int, count: int) -> AsyncIterator[None]:
    """`count` connections that sent half a request head and then went quiet (slowloris)."""
    writers = []
    try:
        for _ in range(count):
            _, writer = await open_raw(port)
            writer.write(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            await writer.drain()
            writers.append(writer)
        await asyncio.sleep(0.3)  # the server has accepted them all
        yield
    finally:
        for writer in writers:
            writer.close()


async def test_idle_keep_alive_connections_are_closed(server: ServerProcess) -> None:
    reader, writer = await open_raw(server.port)
    try:
        writer.write(request_head("GET", "/health/live", {}))
        await writer.drain()
        assert (await read_response(reader)).status == 200
        # The connection stays open for keep-alive, and is closed once idle for KEEPALIVE_TIMEOUT_SECONDS.
        assert await closed_by_peer(reader, timeout=3.0)  # uvicorn's own default would be 5 s
    finally:
        writer.close()


async def test_connections_beyond_the_cap_are_refused_at_once(server: ServerProcess) -> None:
    async with half_sent_requests(server.port, CAP):
        reader, writer = await open_raw(server.port)
        try:
            writer.write(request_head("GET", "/health/live", {}))
            await writer.drain()
            refused = await read_response(reader, timeout=5.0)
            assert refused.status == 503
        finally:
            writer.close()
    await asyncio.sleep(0.3)  # the quiet connections are gone: room again
    reader, writer = await open_raw(server.port)
    try:
        writer.write(request_head("GET", "/health/live", {}))
        await writer.drain()
        assert (await read_response(reader)).status == 200
    finally:
        writer.close()


async def test_an_oversized_header_block_is_refused(server: ServerProcess) -> None:
    reader, writer = await open_raw(server.port)
    try:
        # A header that never ends (slowloris growing its header): refused once past the limit,
        # without waiting for the end of the head.
        writer.write(
            b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 12_000
        )  # < uvicorn's 16 KiB
        await writer.drain()
        refused = await read_response(reader, timeout=5.0)
        assert refused.status == 400 and refused.headers["connection"] == "close"
    finally:
        writer.close()
    reader, writer = await open_raw(server.port)
    try:
        writer.write(request_head("GET", "/health/live", {"X-Padding": "a" * 4_000}))  # within the limit
        await writer.drain()
        assert (await read_response(reader)).status == 200
    finally:
        writer.close()
