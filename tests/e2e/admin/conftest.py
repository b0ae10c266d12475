"""Staff accounts and bearer headers for the admin end-to-end tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest_asyncio

from icct26.bootstrap import Container
from tests.support.factories import bearer_for, create_staff

ADMIN_EMAIL = "admin@example.org"
VIEWER_EMAIL = "viewer@example.org"
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Staff:
    admin_id: int
    viewer_id: int
    admin: dict[str, str]  # Authorization headers
    viewer: dict[str, str]


@pytest_asyncio.fixture
async def staff(container: Container) -> Staff:
    admin_id = await create_staff(container.database, ADMIN_EMAIL, "admin", PASSWORD)
    viewer_id = await create_staff(container.database, VIEWER_EMAIL, "viewer", PASSWORD)
    return Staff(
        admin_id,
        viewer_id,
        bearer_for(container, admin_id, ADMIN_EMAIL, "admin"),
        bearer_for(container, viewer_id, VIEWER_EMAIL, "viewer"),
    )
