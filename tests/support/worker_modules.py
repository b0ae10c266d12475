"""Run as `python -m tests.support.worker_modules`: build the app as a server worker does (settings from
the environment), start it, and print as JSON which of the packages it could load lazily are loaded:
right after startup, then after a request to each feature that needs one. Run in a fresh interpreter
(the test process has loaded them all).
"""

from __future__ import annotations

import asyncio
import json
import sys

import httpx
from asgi_lifespan import LifespanManager

# Packages a worker imports on first use only, or never (pydantic: see icct26.serving).
LAZY = (
    "pydantic",
    "jinja2",
    "icalendar",
    "jwt",
    "cryptography",
    "redis",
    "aiobreaker",
    "aiosmtplib",
    "PIL",
    "xlsxwriter",
    "alembic",
    "boto3",
    "botocore",
    "aioboto3",
    "openpyxl",
)
# Loaded by every worker: shows the reading itself works.
EAGER = ("litestar", "sqlalchemy", "asyncpg", "msgspec")


def loaded() -> list[str]:
    return [name for name in (*LAZY, *EAGER) if sys.modules.get(name) is not None]  # None: hidden


async def main() -> dict[str, object]:
    from icct26.serving import hide_unused_packages

    hide_unused_packages()  # as `icct26 serve` does before it starts workers
    from icct26.bootstrap import create_app_from_env

    async with LifespanManager(create_app_from_env()) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            idle = loaded()
            statuses = {
                "calendar": (await client.get("/api/schedule/calendar.ics")).status_code,
                "portal": (await client.get("/portal/not-a-token")).status_code,
                "admin": (
                    await client.get("/admin/teams", headers={"Authorization": "Bearer not-a-token"})
                ).status_code,
            }
            from icct26.adapters.resilience import BreakerRegistry

            BreakerRegistry().get("probe", fail_max=1, reset_seconds=1)
            return {"idle": idle, "statuses": statuses, "used": loaded()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
