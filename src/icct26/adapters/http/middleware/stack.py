"""The order of the ASGI layers around the Litestar app, outermost first (see docs/ARCHITECTURE.md).

1. CORS             every response, even those refused by the layers below, is readable by the browser
2. request context  request id, log context, the access log line (sees every final status)
3. security headers nosniff, referrer policy, frame denial, CSP on every response
4. client IP        resolves the real client behind trusted proxies, for everything below
5. metrics          counts every response by route template, including refusals
6. body limit       413 before or while the body streams in
7. rate limit       429 before any work is done
8. timeout          cancels a handler that runs too long (its transaction rolls back)
9. public cache     answers polls of cached public reads (the schedule list) without routing
10. Litestar        routing, exception handlers, gzip, the routes
"""

from __future__ import annotations

from litestar import Litestar
from litestar.types import ASGIApp

from icct26.adapters.http.conditional import PublicReadCache
from icct26.adapters.http.middleware.body_limit import BodyLimitMiddleware
from icct26.adapters.http.middleware.client_ip import ClientIpMiddleware, TrustedProxies
from icct26.adapters.http.middleware.cors import CorsMiddleware, cors_config
from icct26.adapters.http.middleware.metrics import MetricsMiddleware
from icct26.adapters.http.middleware.public_cache import PublicReadCacheMiddleware
from icct26.adapters.http.middleware.rate_limit import RateLimitMiddleware
from icct26.adapters.http.middleware.request_context import RequestContextMiddleware
from icct26.adapters.http.middleware.route_rules import RouteLimits
from icct26.adapters.http.middleware.security_headers import SecurityHeadersMiddleware
from icct26.adapters.http.middleware.timeout import TimeoutMiddleware
from icct26.adapters.observability.metrics import HttpMetrics
from icct26.config import Settings


def wrap_app(app: Litestar, settings: Settings, metrics: HttpMetrics) -> ASGIApp:
    limits = RouteLimits.from_settings(settings)

    def public_cache() -> PublicReadCache | None:
        container = app.state.get("container")  # set by the app's lifespan
        return container.public_cache if container is not None else None

    stack: ASGIApp = PublicReadCacheMiddleware(app, public_cache)
    stack = TimeoutMiddleware(stack, limits)
    stack = RateLimitMiddleware(stack, settings, app)
    stack = BodyLimitMiddleware(stack, limits)
    stack = MetricsMiddleware(stack, metrics, app)
    stack = ClientIpMiddleware(stack, TrustedProxies(settings.trusted_proxies))
    stack = SecurityHeadersMiddleware(stack)
    stack = RequestContextMiddleware(stack)
    return CorsMiddleware(stack, cors_config(settings))
