"""The nginx configuration in docs/DEPLOYMENT.md is the one we test: `nginx -t` accepts it inside a
minimal configuration, and a real nginx running it in front of `icct26 serve` proxies requests and
drops a client that never finishes its request head."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.nginx import NGINX, deployment_snippet, documented_snippet, minimal_config, needs_nginx
from tests.support.raw_http import closed_by_peer, open_raw
from tests.support.server import ServerProcess, free_port, running_server


def test_the_snippet_closes_slow_clients_and_caps_each_ip() -> None:
    snippet = documented_snippet()
    for directive in (
        "client_header_timeout",
        "client_body_timeout",
        "limit_conn ",
        "limit_conn_zone",
        "proxy_request_buffering on",
        "client_max_body_size 175m",
        "X-Forwarded-For",
    ):
        assert directive in snippet, directive


@needs_nginx
def test_nginx_accepts_the_documented_snippet(tmp_path: Path) -> None:
    assert NGINX is not None
    conf = minimal_config(tmp_path, documented_snippet())
    result = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


@pytest.fixture
def app_server(database_url: str, tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(database_url, tmp_path / "app") as server:
        yield server


@needs_nginx
@pytest.mark.slow
@pytest.mark.asyncio
async def test_nginx_running_the_snippet_proxies_and_drops_a_stalled_request_head(
    app_server: ServerProcess, tmp_path: Path
) -> None:
    assert NGINX is not None
    port = free_port()
    snippet = deployment_snippet(port, [app_server.port]).replace(
        "client_header_timeout 10s;",
        "client_header_timeout 2s;",  # the drill stays short
    )
    (tmp_path / "nginx").mkdir()
    conf = minimal_config(tmp_path / "nginx", snippet)
    process = subprocess.Popen(
        [NGINX, "-c", str(conf), "-p", str(tmp_path / "nginx")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(100):
                try:
                    live = await client.get("/health/live")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            assert live.status_code == 200 and live.json() == {"status": "alive"}
            assert (await client.get("/metrics")).status_code == 404  # not exposed through the proxy

        reader, writer = await open_raw(port)
        try:
            writer.write(b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # and then nothing
            await writer.drain()
            assert await closed_by_peer(reader, timeout=8.0)
        finally:
            writer.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
