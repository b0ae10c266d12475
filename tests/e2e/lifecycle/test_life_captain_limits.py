"""The captain's writes take the registration's limits: its per-IP quota (one count shared with the
registration form) and its body size."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from icct26.domain.registration.lifecycle import RawReviewItem
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_REGISTRATION_PER_MINUTE": 3}


async def test_uploads_over_the_default_body_limit_pass_and_writes_are_rate_limited(
    client: httpx.AsyncClient, container: Container
) -> None:
    team = await create_team(container, players=11)
    await container.lifecycle.request_changes(
        team.team_id,
        Actor(1, "admin@example.org"),
        reason=None,
        items=[RawReviewItem("group_photo", None, "Too dark")],
        deadline=None,
    )
    token = container.lifecycle.captain_link(team.team_id, 1).rsplit("/", 1)[1]
    # 3 MiB: beyond MAX_BODY_BYTES (1 MiB), within MAX_FILE_BYTES like a registration's photo.
    photo = b"\xff\xd8\xff\xe0" + os.urandom(3 * 1024 * 1024)
    resp = await client.post(
        f"/api/captain/{token}/documents", files={"group_photo": ("team.jpg", photo, "image/jpeg")}
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["ratelimit-policy"].startswith('"registration";q=3')
    for _ in range(2):
        assert (await client.post(f"/api/captain/{token}/withdraw", json={})).status_code == 200
    refused = await client.post(f"/api/captain/{token}/withdraw", json={})
    assert_problem(refused, 429, "RATE_LIMIT_EXCEEDED")
    assert (await client.get(f"/api/captain/{token}")).status_code == 200  # reads use the default quota
