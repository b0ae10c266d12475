"""The body limit layer at the ASGI level: what the app may read, what the client receives."""

from __future__ import annotations

import json
from typing import Any

import pytest

from icct26.adapters.http.middleware.body_limit import BodyLimitMiddleware, BodyTooLarge
from icct26.adapters.http.middleware.route_rules import RouteLimits

pytestmark = pytest.mark.asyncio

LIMITS = RouteLimits(
    default_body_bytes=100,
    registration_body_bytes=1_000,
    gallery_body_bytes=500,
    default_timeout_seconds=60,
    registration_timeout_seconds=110,
)


def scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "headers": headers or [], "state": {}}


class Client:
    """Feeds body chunks to the app and records what it sends back."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.handed_out = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        body = self.chunks.pop(0)
        self.handed_out += len(body)
        return {"type": "http.request", "body": body, "more_body": bool(self.chunks)}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def body(self) -> dict[str, Any]:
        return dict(json.loads(self.sent[1]["body"]))


async def reading_app(scope: Any, receive: Any, send: Any) -> None:
    """Reads the whole body, then answers 200 (or, when interrupted, tries to answer 500)."""
    try:
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
    except BodyTooLarge:
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"should never be seen"})
        raise
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


async def test_streamed_body_over_the_limit_is_cut_off_at_the_chunk_that_crosses_it() -> None:
    client = Client([b"x" * 40] * 10)  # 400 bytes announced by nobody (chunked)
    await BodyLimitMiddleware(reading_app, LIMITS)(
        scope("POST", "/admin/churches"), client.receive, client.send
    )
    assert client.status == 413
    assert client.body["error_code"] == "BODY_TOO_LARGE"
    assert (b"connection", b"close") in client.sent[0]["headers"]
    assert len(client.sent) == 2  # the app's own error answer was dropped
    assert client.handed_out == 120  # never read beyond the chunk that crossed 100 bytes
    assert len(client.chunks) == 7


async def test_declared_length_over_the_limit_never_reaches_the_app() -> None:
    called = False

    async def app(scope: Any, receive: Any, send: Any) -> None:
        nonlocal called
        called = True

    client = Client([])
    headers = [(b"content-length", b"2000")]
    await BodyLimitMiddleware(app, LIMITS)(
        scope("POST", "/api/register/team", headers), client.receive, client.send
    )
    assert not called
    assert client.status == 413 and client.handed_out == 0


@pytest.mark.parametrize(
    ("method", "path", "size", "status"),
    [
        ("POST", "/api/register/team", 900, 200),
        ("POST", "/api/register/team", 1100, 413),
        ("POST", "/api/gallery", 450, 200),
        ("POST", "/api/gallery", 550, 413),
        ("PUT", "/admin/teams/ICCT-001/reject", 90, 200),
        ("PUT", "/admin/teams/ICCT-001/reject", 110, 413),
    ],
)
async def test_each_route_gets_its_own_limit(method: str, path: str, size: int, status: int) -> None:
    client = Client([b"x" * (size // 2), b"x" * (size - size // 2)])
    await BodyLimitMiddleware(reading_app, LIMITS)(scope(method, path), client.receive, client.send)
    assert client.status == status
