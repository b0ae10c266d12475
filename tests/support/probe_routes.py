"""Routes that exist only in test servers: they exercise the middleware without depending on features.

- `POST /_probe/upload` streams the body and answers how many bytes it read (slow uploads, limits).
- `GET /_probe/sleep?seconds=` waits (timeouts).
- `GET /_probe/db` runs a query through a session, like any read endpoint (database outages).
- `POST /_probe/write-then-sleep?seconds=` inserts a church in a transaction, then waits before
  committing (a timeout must roll it back).
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.adapters.http.dependencies import provide


@post("/_probe/upload", include_in_schema=False, status_code=200)
async def probe_upload(request: Request[Any, Any, Any]) -> dict[str, int]:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
    return {"bytes": received}


@get("/_probe/sleep", include_in_schema=False)
async def probe_sleep(seconds: float = 1.0) -> dict[str, float]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@get("/_probe/db", include_in_schema=False, dependencies=provide("database"))
async def probe_db(database: NamedDependency[Database]) -> dict[str, int]:
    async with database.session() as session:
        count = (await session.execute(text("SELECT count(*) FROM churches"))).scalar_one()
    return {"churches": int(count)}


@post("/_probe/write-then-sleep", include_in_schema=False, status_code=201, dependencies=provide("database"))
async def probe_write_then_sleep(
    database: NamedDependency[Database], name: str, seconds: float = 5.0
) -> dict[str, str]:
    async with database.session() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO churches (name, key, created_at, updated_at) VALUES (:name, :name, now(), now())"
            ),
            {"name": name},
        )
        await session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
    return {"saved": name}


PROBE_ROUTES: list[Any] = [probe_upload, probe_sleep, probe_db, probe_write_then_sleep]


def install_probe_routes() -> None:
    """Add the probes to the app factory's route list (call before the app is built)."""
    from icct26.adapters.http import app as app_module

    original = app_module.route_handlers
    if getattr(original, "_with_probes", False):
        return

    def with_probes(settings: Any) -> list[Any]:
        return [*original(settings), *PROBE_ROUTES]

    with_probes._with_probes = True  # type: ignore[attr-defined]
    app_module.route_handlers = with_probes  # type: ignore[assignment]
