"""Liveness, readiness and the compatibility health document."""

from __future__ import annotations

from typing import Literal

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from icct26 import __version__
from icct26.adapters.db.engine import Database
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.middleware.policy import UNMETERED, route_policy
from icct26.adapters.http.openapi_docs import UNMETERED_ERRORS, problem_responses
from icct26.adapters.resilience import BreakerRegistry
from icct26.domain.errors import DomainError, ErrorCode


class Health(msgspec.Struct):
    status: Literal["healthy", "degraded"]
    database: Literal["connected", "unavailable"]
    version: str
    details: dict[str, str] = msgspec.field(default_factory=dict)


class Live(msgspec.Struct):
    status: Literal["alive"]


class Ready(msgspec.Struct):
    status: Literal["ready"]
    database: Literal["ok"]
    schema: str


C = ErrorCode


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    dependencies = provide("database", "breakers", "schema_heads")
    opt = route_policy(rate_limit=UNMETERED)  # probes must never be refused or counted
    include_in_schema = True

    @get(
        "/",
        operation_id="health",
        summary="Overall health (compatibility shape)",
        responses={
            HTTP_503_SERVICE_UNAVAILABLE: ResponseSpec(
                generate_examples=False,
                data_container=Health,
                description="Degraded: the database is unreachable",
            ),
            # The 503 above is this route's own body, so only the other surrounding errors are listed.
            **problem_responses(surrounding=(C.BODY_TOO_LARGE, C.INTERNAL_ERROR)),
        },
    )
    async def health(
        self, database: NamedDependency[Database], breakers: NamedDependency[BreakerRegistry]
    ) -> Response[Health]:
        up = await database.ping(timeout=2.0)
        states = breakers.states()
        details: dict[str, str] = {f"breaker:{name}": state for name, state in sorted(states.items())}
        degraded = not up or any(state == "open" for state in states.values())
        body = Health(
            status="degraded" if degraded else "healthy",
            database="connected" if up else "unavailable",
            version=__version__,
            details=details,
        )
        return Response(body, status_code=HTTP_200_OK if up else HTTP_503_SERVICE_UNAVAILABLE)

    @get(
        "/live",
        operation_id="healthLive",
        summary="Process is alive (no dependencies)",
        responses=problem_responses(surrounding=(C.BODY_TOO_LARGE, C.REQUEST_TIMEOUT, C.INTERNAL_ERROR)),
    )
    async def live(self) -> Live:
        return Live(status="alive")

    @get(
        "/ready",
        operation_id="healthReady",
        summary="Database reachable and schema at the latest migration",
        responses=problem_responses(C.SERVICE_UNAVAILABLE, surrounding=UNMETERED_ERRORS),
    )
    async def ready(
        self, database: NamedDependency[Database], schema_heads: NamedDependency[set[str]]
    ) -> Ready:
        try:
            revisions = await database.schema_revisions(timeout=2.0)
        except Exception:
            raise DomainError(
                ErrorCode.DATABASE_UNAVAILABLE, "The database is not reachable.", retry_after=5
            ) from None
        if revisions != schema_heads:
            raise DomainError(
                ErrorCode.SERVICE_UNAVAILABLE,
                "The database schema is not at the latest migration; run `icct26 db upgrade`.",
                extra={"schema": sorted(revisions), "expected": sorted(schema_heads)},
                retry_after=30,
            )
        return Ready(status="ready", database="ok", schema=",".join(sorted(revisions)))
