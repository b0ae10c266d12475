"""WAITLIST_ENABLED=false: a full church answers the plain 409, whatever the form asks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.lifecycle.test_life_waitlist import form
from tests.e2e.test_foundation import assert_problem
from tests.support.registration_forms import post_form

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"WAITLIST_ENABLED": "false"}


async def test_no_waiting_list_when_disabled(client: httpx.AsyncClient) -> None:
    for n in (1, 2):
        assert (await post_form(client, form(n))).status_code == 201
    body = assert_problem(await post_form(client, form(3, waitlist=True)), 409, "CHURCH_LIMIT_REACHED")
    assert "Maximum 2 teams" in body["message"] and "waitlist_available" not in body
