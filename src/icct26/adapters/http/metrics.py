"""`GET /metrics`: Prometheus text format. Not rate limited; kept out of the OpenAPI document.

Expose it to the monitoring network only (the reverse proxy should not forward it; see DEPLOYMENT.md).
"""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get
from sqlalchemy import text

from icct26.adapters.observability.metrics import CONTENT_TYPE, HttpMetrics

OUTBOX_COUNTS = text("SELECT status, count(*) FROM email_outbox GROUP BY status")


async def _refresh_from_database(metrics: HttpMetrics, container: Any) -> None:
    try:
        async with asyncio.timeout(1.0), container.database.engine.connect() as conn:
            rows = (await conn.execute(OUTBOX_COUNTS)).all()
    except Exception:  # a scrape must answer even while the database is down
        metrics.database_up.set(0)
        return
    metrics.database_up.set(1)
    metrics.set_outbox({str(status): int(count) for status, count in rows})


@get("/metrics", include_in_schema=False, cache=False)
async def prometheus_metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    metrics: HttpMetrics = request.app.state.metrics
    container = getattr(request.app.state, "container", None)
    if container is not None:
        if (breakers := getattr(container, "breakers", None)) is not None:
            metrics.watch_breakers(breakers)
        await _refresh_from_database(metrics, container)
    return Response(content=metrics.render(), media_type=CONTENT_TYPE)
