"""The app factory: the one place that wires routes, error handlers, middleware and OpenAPI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request, get
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.response import Redirect
from litestar.types import ASGIApp

from icct26 import __version__
from icct26.adapters.http.conditional import GZIP_LEVEL, SKIP_COMPRESSION
from icct26.adapters.http.errors import EXCEPTION_HANDLERS
from icct26.adapters.http.metrics import prometheus_metrics
from icct26.adapters.http.middleware.stack import wrap_app
from icct26.adapters.http.routes import route_handlers
from icct26.adapters.observability.logging import configure_logging
from icct26.adapters.observability.metrics import HttpMetrics
from icct26.bootstrap import Container, build_container
from icct26.config import Settings, load_settings


def provide_container(state: State) -> Container:
    container: Container = state.container
    return container


@get("/docs", include_in_schema=False)
async def docs_redirect() -> Redirect:
    return Redirect(path="/schema/swagger")


def _openapi(settings: Settings) -> OpenAPIConfig:
    return OpenAPIConfig(
        title="ICCT26 API",
        version=__version__,
        description="Team registration, review, schedule and results for the ICCT26 tournament.",
        path="/schema",
        render_plugins=[SwaggerRenderPlugin()] if settings.docs_enabled else [],
        enabled_endpoints={"openapi.json", "openapi.yaml", "swagger"}
        if settings.docs_enabled
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


def build_litestar(
    container: Container | None, settings: Settings, metrics: HttpMetrics | None = None
) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owned = container is None
        active = container or await build_container(settings)
        app.state.container = active
        app.state.services = active  # read by adapters/http/dependencies.py
        await active.start()  # background work, e.g. the in-process outbox worker
        try:
            yield
        finally:
            if owned:
                await active.close()
            else:
                await active.stop_background()

    handlers: list[Any] = [*route_handlers(settings), prometheus_metrics]
    if settings.docs_enabled:
        handlers.append(docs_redirect)
    return Litestar(
        route_handlers=handlers,
        dependencies={"container": Provide(provide_container, sync_to_thread=False)},
        exception_handlers=EXCEPTION_HANDLERS,
        # CORS is not configured here: it wraps the whole stack (middleware/stack.py), so that
        # responses refused before routing carry it too.
        compression_config=CompressionConfig(
            backend="gzip",
            minimum_size=settings.gzip_min_bytes,
            gzip_compress_level=GZIP_LEVEL,
            exclude=["^/documents/"],  # stored PDFs and photos are compressed already
            exclude_opt_key=SKIP_COMPRESSION,  # handlers that send pre-compressed cached bodies
        ),
        state=State({"metrics": metrics or HttpMetrics()}),
        openapi_config=_openapi(settings),
        lifespan=[lifespan],
        request_max_body_size=settings.max_body_bytes,
        debug=False,
        logging_config=None,
    )


def create_app(settings: Settings | None = None, container: Container | None = None) -> ASGIApp:
    """Build the ASGI app. With a container, the caller owns its lifecycle (tests, benchmarks)."""
    settings = settings or (container.settings if container else load_settings())
    metrics = HttpMetrics()
    return wrap_app(build_litestar(container, settings, metrics), settings, metrics)


def create_app_from_env() -> ASGIApp:
    """Factory for the server (`uvicorn --factory icct26.adapters.http.app:create_app_from_env`)."""
    settings = load_settings()
    configure_logging(settings.log_level, json=settings.log_json, log_file=settings.log_file)
    return create_app(settings)


def request_container(request: Request[Any, Any, Any]) -> Container:
    return provide_container(request.app.state)
