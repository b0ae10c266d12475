"""SIGTERM to `icct26 serve`: stop accepting, let the in-flight request finish, close down, exit 0."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from tests.support.raw_http import open_raw, read_response, request_head
from tests.support.server import ServerProcess, connection_refused

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]


async def in_flight(server: ServerProcess) -> int:
    """Requests the server is handling, not counting the scrape asking."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        text = (await client.get("/metrics")).text
    values = re.findall(r"^icct26_http_requests_in_progress\{.*\} (\S+)$", text, re.MULTILINE)
    assert values, text
    return int(sum(float(v) for v in values)) - 1


async def test_sigterm_lets_a_slow_upload_finish_refuses_new_connections_and_exits_0(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = ServerProcess(
        database_url, tmp_path_factory.mktemp("shutdown"), SHUTDOWN_GRACE_SECONDS="30", LOG_LEVEL="INFO"
    )
    await server.astart()
    try:
        pieces = [bytes([65 + i]) * 1000 for i in range(10)]
        reader, writer = await open_raw(server.port)
        writer.write(request_head("POST", "/_probe/upload", {"Content-Length": str(sum(map(len, pieces)))}))
        writer.write(pieces[0])
        await writer.drain()
        for _ in range(100):  # until the server is handling it
            if await in_flight(server) == 1:
                break
            await asyncio.sleep(0.05)
        assert await in_flight(server) == 1

        server.signal()  # SIGTERM
        for _ in range(100):
            if connection_refused(server.port):
                break
            await asyncio.sleep(0.05)
        assert connection_refused(server.port), "the server still accepts connections after SIGTERM"
        assert server.process is not None and server.process.poll() is None, "it must wait for the upload"

        for piece in pieces[1:]:  # the rest trickles in after the signal
            writer.write(piece)
            await writer.drain()
            await asyncio.sleep(0.05)
        resp = await read_response(reader)
        writer.close()
        assert resp.status == 200, resp.body
        assert resp.json() == {"bytes": 10_000}

        assert await asyncio.to_thread(server.wait, 30) == 0
        log = server.log()
        assert "Application shutdown complete" in log
        assert "Traceback" not in log
    finally:
        await server.astop()


async def test_sigterm_stops_the_in_process_outbox_worker_and_exits_0(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = ServerProcess(
        database_url, tmp_path_factory.mktemp("shutdown-idle"), OUTBOX_WORKER="inprocess", LOG_LEVEL="INFO"
    )
    await server.astart()
    try:
        server.signal()
        assert await asyncio.to_thread(server.wait, 30) == 0
        log = server.log()
        assert "Application shutdown complete" in log
        assert "Traceback" not in log and '"level":"ERROR"' not in log
    finally:
        await server.astop()
