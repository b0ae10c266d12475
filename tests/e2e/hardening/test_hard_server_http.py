"""The HTTP edge of a real server: body limits while streaming, CORS preflights for every frontend
path, compression, security headers and the metrics endpoint."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from tests.support.addresses import FRONTEND_ORIGIN as ORIGIN
from tests.support.raw_http import chunk, closed_by_peer, open_raw, read_response, request_head
from tests.support.server import ServerProcess, running_server

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

LIMIT = 64 * 1024
REQUESTED_HEADERS = "content-type, authorization, idempotency-key, x-request-id"

# Every path the existing frontend calls (FRONTEND_CONTRACT §2), with concrete ids.
FRONTEND_PATHS = [
    "/api/register/team",
    "/api/churches/availability",
    "/api/registration/status",
    "/admin/teams",
    "/admin/teams/ICCT-001",
    "/admin/teams/ICCT-001/confirm",
    "/admin/teams/ICCT-001/reject",
    "/admin/players/ICCT-001-P01",
    "/api/teams",
    "/api/teams/ICCT-001",
    "/api/schedule/matches",
    "/api/schedule/matches/1",
    "/api/schedule/matches/1/start",
    "/api/schedule/matches/1/first-innings-score",
    "/api/schedule/matches/1/second-innings-score",
    "/api/schedule/matches/1/finish",
    "/api/schedule/matches/1/status",
    "/api/schedule/matches/1/toss",
    "/api/schedule/matches/1/timing",
    "/api/schedule/matches/1/scores",
    "/api/schedule/matches/1/score-url",
    "/api/schedule/matches/1/result",
    "/api/schedule/standings",
    "/api/gallery",
    "/health",
]


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(
        database_url,
        tmp_path_factory.mktemp("http-edge"),
        MAX_BODY_BYTES=str(LIMIT),
        CORS_ORIGINS=ORIGIN,
    ) as process:
        yield process


async def test_chunked_body_over_the_limit_gets_413_before_the_body_ends(server: ServerProcess) -> None:
    reader, writer = await open_raw(server.port)
    head = {"Transfer-Encoding": "chunked", "Content-Type": "application/octet-stream", "Origin": ORIGIN}
    writer.write(request_head("POST", "/_probe/upload", head))
    piece = b"x" * 8192
    for _ in range(LIMIT // len(piece) + 2):  # just over the limit; the terminating chunk never comes
        writer.write(chunk(piece))
    await writer.drain()

    resp = await read_response(reader)
    assert resp.status == 413
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.json()["error_code"] == "BODY_TOO_LARGE"
    assert resp.headers["access-control-allow-origin"] == ORIGIN
    assert resp.headers["connection"] == "close"
    assert await closed_by_peer(reader)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()


async def test_declared_length_over_the_limit_is_refused_before_any_body_is_sent(
    server: ServerProcess,
) -> None:
    reader, writer = await open_raw(server.port)
    writer.write(request_head("POST", "/_probe/upload", {"Content-Length": str(100 * 1024 * 1024)}))
    await writer.drain()
    resp = await read_response(reader)  # no body byte was sent, yet the answer comes
    assert resp.status == 413 and resp.json()["error_code"] == "BODY_TOO_LARGE"
    assert await closed_by_peer(reader)
    writer.close()


async def test_chunked_body_within_the_limit_is_read_whole(server: ServerProcess) -> None:
    reader, writer = await open_raw(server.port)
    writer.write(request_head("POST", "/_probe/upload", {"Transfer-Encoding": "chunked"}))
    for _ in range(7):
        writer.write(chunk(b"y" * 8192))
    writer.write(b"0\r\n\r\n")
    await writer.drain()
    resp = await read_response(reader)
    writer.close()
    assert resp.status == 200, resp.body
    assert resp.json() == {"bytes": 7 * 8192}


@pytest.mark.parametrize("path", FRONTEND_PATHS)
async def test_preflight_from_the_frontend_origin_succeeds_for_every_path(
    server: ServerProcess, path: str
) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        for method in ("GET", "POST", "PUT", "DELETE"):
            resp = await client.options(
                path,
                headers={
                    "Origin": ORIGIN,
                    "Access-Control-Request-Method": method,
                    "Access-Control-Request-Headers": REQUESTED_HEADERS,
                },
            )
            assert resp.status_code == 204, (method, resp.text)
            assert resp.headers["access-control-allow-origin"] == ORIGIN
            allowed_methods = {m.strip() for m in resp.headers["access-control-allow-methods"].split(",")}
            assert {"GET", "POST", "PUT", "DELETE"} <= allowed_methods
            allowed_headers = {h.strip() for h in resp.headers["access-control-allow-headers"].split(",")}
            assert {"content-type", "authorization", "idempotency-key", "x-request-id"} <= allowed_headers


async def test_preflight_from_an_unknown_origin_is_refused(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        resp = await client.options(
            "/api/teams", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        )
        simple = await client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert resp.status_code == 400  # Litestar's CORS answer to a preflight it refuses
    assert "access-control-allow-origin" not in resp.headers
    assert "access-control-allow-origin" not in simple.headers


async def test_errors_before_routing_carry_cors_and_security_headers(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url, headers={"Origin": ORIGIN}) as client:
        not_found = await client.get("/no/such/path")
        wrong_method = await client.delete("/health/live")
    for resp, status in ((not_found, 404), (wrong_method, 405)):
        assert resp.status_code == status
        assert resp.headers["access-control-allow-origin"] == ORIGIN
        assert "x-request-id" in resp.headers["access-control-expose-headers"]
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["x-frame-options"] == "DENY"
        assert resp.headers["referrer-policy"] == "no-referrer"
        assert "default-src 'none'" in resp.headers["content-security-policy"]


async def test_large_responses_are_gzipped_when_accepted(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        big = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "gzip"})
        plain = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "identity"})
        small = await client.get("/health/live", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert int(big.headers["content-length"]) < len(plain.content)
    assert big.json() == plain.json()  # httpx decoded it
    assert "content-encoding" not in plain.headers
    assert len(small.content) < 1024 and "content-encoding" not in small.headers
    # The docs keep a CSP that lets the Swagger UI load; the API itself has the strict one.
    assert "content-security-policy" not in big.headers


async def test_caches_learn_that_answers_vary_by_encoding_and_origin(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        resp = await client.get("/schema/openapi.json", headers={"Accept-Encoding": "gzip", "Origin": ORIGIN})
    assert resp.headers["content-encoding"] == "gzip"
    assert {v.strip().lower() for v in resp.headers["vary"].split(",")} == {"accept-encoding", "origin"}


async def test_metrics_expose_request_counts_by_route_template(server: ServerProcess) -> None:
    async with httpx.AsyncClient(base_url=server.url) as client:
        for _ in range(3):
            await client.get("/_probe/sleep", params={"seconds": 0})
        await client.get("/no/such/path")
        scrape = await client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    assert (
        'icct26_http_requests_total{app_name="icct26",method="GET",path="/_probe/sleep",status_code="200"} '
        "3.0" in text
    )
    assert 'status_code="404"' not in text  # unrouted paths are not counted: no template to label them
    assert "icct26_http_request_duration_seconds_bucket" in text
    assert "icct26_outbox_emails" in text and "icct26_database_up 1.0" in text
    assert scrape.headers.get("content-encoding") == "gzip"
