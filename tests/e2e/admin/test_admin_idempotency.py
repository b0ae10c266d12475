"""Every admin write honours `Idempotency-Key` through the one idempotency layer (SPEC §4.3, §6.1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container
from tests.support.factories import bearer_for, create_staff, create_team
from tests.support.gallery_images import webp_image
from tests.support.schedule_factories import fixture_body

pytestmark = pytest.mark.asyncio
Send = Callable[[httpx.AsyncClient, dict[str, str], int], Awaitable[httpx.Response]]


async def _church(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    return await c.post("/admin/churches", json={"name": f"CSI Church {n}"}, headers=h)


async def _user(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    body = {"email": f"staff{n}@example.org", "password": "a long enough password", "role": "viewer"}
    return await c.post("/admin/users", json=body, headers=h)


async def _confirm(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    return await c.put(f"/admin/teams/ICCT-00{n}/confirm", headers=h)


async def _reject(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    return await c.put("/admin/teams/ICCT-002/reject", json={"reason": f"Blurry scan {n}"}, headers=h)


async def _resend(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    return await c.post(f"/admin/teams/ICCT-00{n}/resend-email", headers=h)


async def _schedule(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    return await c.post("/api/schedule/matches", json=fixture_body("Team A", "Team B", n), headers=h)


async def _gallery(c: httpx.AsyncClient, h: dict[str, str], n: int) -> httpx.Response:
    files = {"file": ("photo.webp", webp_image(20 + n, 10), "image/webp")}
    return await c.post("/api/gallery", files=files, data={"caption": f"Day {n}"}, headers=h)


WRITES: dict[str, Send] = {
    "churches": _church,
    "users": _user,
    "confirm": _confirm,
    "reject": _reject,
    "resend": _resend,
    "schedule": _schedule,
    "gallery": _gallery,
}


@pytest.mark.parametrize("write", list(WRITES))
async def test_the_same_key_replays_and_another_body_is_refused(
    client: httpx.AsyncClient, container: Container, write: str
) -> None:
    await create_team(container, name="Team A", status="confirmed")  # ICCT-001
    await create_team(container, name="Team B", status="confirmed", church="CSI Other Church")  # ICCT-002
    admin = await create_staff(container.database)
    headers = {**bearer_for(container, admin, "admin@example.org", "admin"), "Idempotency-Key": f"k-{write}"}
    send = WRITES[write]

    first = await send(client, headers, 1)
    assert first.status_code < 300, first.text
    again = await send(client, headers, 1)
    assert again.status_code == first.status_code
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert "idempotent-replayed" not in first.headers

    other = await send(client, headers, 2)
    assert other.status_code == 422, other.text
    assert other.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_a_refusal_is_kept_for_the_key_too(client: httpx.AsyncClient, container: Container) -> None:
    admin = await create_staff(container.database)
    headers = {**bearer_for(container, admin, "admin@example.org", "admin"), "Idempotency-Key": "dup"}
    missing: Any = await client.put("/admin/teams/ICCT-404/confirm", headers=headers)
    assert missing.status_code == 404
    await create_team(container)  # the team now exists, but the key's answer stands
    replay = await client.put("/admin/teams/ICCT-404/confirm", headers=headers)
    assert replay.status_code == 404 and replay.headers["idempotent-replayed"] == "true"


async def test_every_write_documents_the_header(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    writes = {
        (method, path)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("post", "put", "delete") and operation["operationId"] != "login"
    }
    undocumented = {
        (method, path)
        for method, path in writes
        if not any(
            p["name"] == "Idempotency-Key" and p["in"] == "header"
            for p in schema["paths"][path][method].get("parameters", [])
        )
    }
    assert writes and undocumented == set()
