"""The explicit list of route handlers, one entry per controller."""

from __future__ import annotations

from typing import Any

from icct26.adapters.http.admin import AuthController, admin_router
from icct26.adapters.http.captain import captain_router
from icct26.adapters.http.documents import get_document
from icct26.adapters.http.fixtures import FixturesController
from icct26.adapters.http.gallery import gallery_router
from icct26.adapters.http.health import HealthController
from icct26.adapters.http.portal import portal_router
from icct26.adapters.http.public_teams import get_team
from icct26.adapters.http.registration import registration_router
from icct26.adapters.http.schedule import ScheduleController
from icct26.adapters.http.schedule_feed import ScheduleFeedController
from icct26.config import Settings


def route_handlers(settings: Settings) -> list[Any]:
    return [
        HealthController,
        ScheduleController,
        FixturesController,
        ScheduleFeedController,
        gallery_router(settings),
        AuthController,
        admin_router(),
        registration_router(settings),
        captain_router(settings),
        portal_router(settings),
        get_team,
        get_document,
    ]
