"""`GET /metrics`: Prometheus text format. Not rate limited; kept out of the OpenAPI document.

Litestar's `PrometheusController` serves the same registry; this handler also refreshes the service
gauges (breakers, outbox backlog, database reachability) first, which that controller cannot.
Expose it to the monitoring network only (the reverse proxy should not forward it; see DEPLOYMENT.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text

from icct26.adapters.http.middleware.policy import UNMETERED, route_policy
from icct26.adapters.observability.metrics import CONTENT_TYPE, SERVICE_METRICS, render

OUTBOX_COUNTS = text("SELECT status, count(*) FROM email_outbox GROUP BY status")


async def _outbox_counts(database: Any) -> dict[str, int] | None:
    try:
        async with asyncio.timeout(1.0), database.engine.connect() as conn:
            rows = (await conn.execute(OUTBOX_COUNTS)).all()
    except Exception:  # a scrape must answer even while the database is down
        return None
    return {str(status): int(count) for status, count in rows}


@get("/metrics", include_in_schema=False, cache=False, opt=route_policy(rate_limit=UNMETERED))
async def prometheus_metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    services = request.app.state.get("services")
    if services is not None:
        counts = await _outbox_counts(services.database)
        SERVICE_METRICS.observed(services.breakers, counts is not None, counts or {})
    return Response(content=render(), media_type=CONTENT_TYPE)
