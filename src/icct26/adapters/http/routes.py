"""The explicit list of route handlers, one entry per controller."""

from __future__ import annotations

from typing import Any

from icct26.adapters.http.health import HealthController
from icct26.config import Settings


def route_handlers(settings: Settings) -> list[Any]:
    return [
        HealthController,
    ]
