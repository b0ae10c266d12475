"""The app factory: Litestar's own features configured in one place, plus the middleware it lacks.

A request's path through the shell (docs/ARCHITECTURE.md draws it):
uvicorn's proxy-headers middleware (client IP and scheme from trusted proxies) → `ConnectionLayer`
(request id, access log, readable refusals) → Litestar: CORS, allowed hosts, routing → the matched
route's middleware, which read its `opt` (Prometheus metrics → rate limit → timeout → idempotency) →
guards → handler. Exceptions anywhere inside Litestar become problem+json (`errors.py`); the
`before_send` hook puts the security headers on every answer.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from litestar import Litestar, Router, get
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.enums import ParamType
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
    SecurityScheme,
    Tag,
)
from litestar.plugins.prometheus import PrometheusConfig
from litestar.response import Redirect
from litestar.types import ASGIApp
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from icct26 import __version__
from icct26.adapters.http.conditional import GZIP_LEVEL, SKIP_COMPRESSION
from icct26.adapters.http.errors import EXCEPTION_HANDLERS
from icct26.adapters.http.json_depth import refuse_deep_json
from icct26.adapters.http.metrics import prometheus_metrics
from icct26.adapters.http.middleware.allowed_hosts import AllowedHostsMiddleware
from icct26.adapters.http.middleware.connection import ConnectionLayer
from icct26.adapters.http.middleware.idempotency import WRITE_METHODS, IdempotencyMiddleware
from icct26.adapters.http.middleware.policy import IDEMPOTENT, UNMETERED, Idempotent, route_policy
from icct26.adapters.http.middleware.rate_limit import Quotas, RateLimitMiddleware
from icct26.adapters.http.middleware.response_headers import before_send
from icct26.adapters.http.middleware.timeout import TimeoutMiddleware
from icct26.adapters.http.routes import route_handlers
from icct26.config import Settings

Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]

ALLOW_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ALLOW_HEADERS = ["content-type", "authorization", "idempotency-key", "x-request-id", "if-none-match"]
EXPOSE_HEADERS = [
    "x-request-id",
    "retry-after",
    "ratelimit",
    "ratelimit-policy",
    "idempotent-replayed",
    "location",
    "etag",
    "content-disposition",
]
# The interactive docs load the Swagger UI's scripts and styles, which the API's strict CSP forbids.
DOCS_POLICY = route_policy(csp=b"", rate_limit=UNMETERED)


def cors_config(settings: Settings) -> CORSConfig:
    return CORSConfig(
        allow_origins=settings.http.cors_origin_list or ["*"],
        allow_methods=list(ALLOW_METHODS),  # type: ignore[arg-type]
        allow_headers=list(ALLOW_HEADERS),
        expose_headers=list(EXPOSE_HEADERS),
        max_age=600,
    )


@get("/docs", include_in_schema=False, opt=DOCS_POLICY)
async def docs_redirect() -> Redirect:
    return Redirect(path="/schema/swagger")


def _openapi(settings: Settings) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ICCT26 API",
        version=__version__,
        description="Team registration, review, schedule and results for the ICCT26 tournament.",
        path="/schema",
        openapi_router=Router(path="/schema", route_handlers=[], opt=DOCS_POLICY, include_in_schema=False),
        render_plugins=[SwaggerRenderPlugin()] if settings.http.docs_enabled else [],
        enabled_endpoints={"openapi.json", "openapi.yaml", "swagger"}
        if settings.http.docs_enabled
        else {"openapi.json"},
        tags=[
            Tag(name="health", description="Liveness and readiness"),
            Tag(name="registration", description="Public team registration"),
            Tag(name="teams", description="Public team views"),
            Tag(name="captain", description="The captain's personal link: status, changes, withdrawal"),
            Tag(name="auth", description="Admin authentication"),
            Tag(name="admin", description="Review and administration (bearer token)"),
            Tag(name="schedule", description="Matches, results and standings"),
            Tag(name="gallery", description="Tournament photos"),
            Tag(name="documents", description="Signed links to stored documents"),
        ],
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
        use_handler_docstrings=True,
    )


def build_litestar(settings: Settings, lifespan: Lifespan | None = None) -> Litestar:
    """The Litestar app; `lifespan` (from the composition root) puts the services in `app.state`."""
    handlers: list[Any] = [*route_handlers(settings), prometheus_metrics]
    if settings.http.docs_enabled:
        handlers.append(docs_redirect)
    prometheus = PrometheusConfig(app_name="icct26", prefix="icct26_http", group_path=True)
    quotas = Quotas(
        enabled=settings.rate_limit.enabled,
        default=settings.rate_limit.default_per_minute,
        registration=settings.rate_limit.registration_per_minute,
        admin=settings.rate_limit.admin_per_minute,
    )
    app = Litestar(
        route_handlers=handlers,
        middleware=[
            AllowedHostsMiddleware(settings.http.allowed_host_list),
            prometheus.middleware,
            RateLimitMiddleware(quotas),
            TimeoutMiddleware(settings.limits.request_timeout_seconds),
            IdempotencyMiddleware(),
        ],
        before_send=[before_send],
        before_request=refuse_deep_json,
        cors_config=cors_config(settings),
        exception_handlers=EXCEPTION_HANDLERS,
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=settings.http.gzip_min_bytes,
            gzip_compress_level=GZIP_LEVEL,
            exclude=["^/documents/"],  # stored PDFs and photos are compressed already
            exclude_opt_key=SKIP_COMPRESSION,  # handlers that send pre-compressed cached bodies
        ),
        openapi_config=_openapi(settings),
        lifespan=[lifespan] if lifespan is not None else [],
        request_max_body_size=settings.limits.max_body_bytes,
        debug=False,
        logging_config=None,
    )
    document_idempotency(app)
    return app


IDEMPOTENCY_KEY_PARAMETER = Parameter(
    name="Idempotency-Key",
    param_in=ParamType.HEADER,
    required=False,
    schema=Schema(type=OpenAPIType.STRING, min_length=1, max_length=255),
    description="1-255 printable characters. A repeat with the same key and the same request replays "
    "the first answer with `Idempotent-Replayed: true`; the same key with another request answers "
    "422 IDEMPOTENCY_KEY_REUSED; while the first is still running, 409 IDEMPOTENCY_IN_PROGRESS.",
)


@cache
def with_idempotency_key(base: type[Operation]) -> type[Operation]:
    """`base` (a handler's operation class) with the `Idempotency-Key` header among its parameters."""

    @dataclass
    class IdempotentOperation(base):  # type: ignore[valid-type,misc]
        def __post_init__(self) -> None:
            if hasattr(base, "__post_init__"):
                base.__post_init__(self)
            operation = cast(Operation, self)
            operation.parameters = [*(operation.parameters or []), IDEMPOTENCY_KEY_PARAMETER]

    return IdempotentOperation


def document_idempotency(app: Litestar) -> None:
    """Add the `Idempotency-Key` header to the OpenAPI operation of every route that honours it.

    Through each handler's operation class, so that the document is still built on its first request
    (~2 MiB a worker that serves none) rather than here."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if isinstance(handler.opt.get(IDEMPOTENT), Idempotent) and handler.http_methods & WRITE_METHODS:
                handler.operation_class = with_idempotency_key(handler.operation_class)


def build_app(settings: Settings, lifespan: Lifespan | None = None) -> ASGIApp:
    """The ASGI app a server runs: Litestar inside the connection layer and the proxy-headers one."""
    litestar = build_litestar(settings, lifespan)
    app: ASGIApp = ConnectionLayer(
        litestar, cors=cors_config(settings), default_body_limit=settings.limits.max_body_bytes
    )
    # The client address from X-Forwarded-For/-Proto, only from FORWARDED_ALLOW_IPS (uvicorn's own
    # middleware; `icct26 serve` turns uvicorn's copy off so that in-process tests see the same).
    proxied: Any = ProxyHeadersMiddleware(app, trusted_hosts=list(settings.http.trusted_proxies))  # type: ignore[arg-type]
    return cast(ASGIApp, proxied)
