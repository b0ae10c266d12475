"""The schedule: standings points, the overs quota, the live feed (SSE) and the calendar feed."""

from __future__ import annotations

from typing import Annotated

import msgspec

from icct26.config.group import Group, Positive, PositiveFloat


class ScheduleSettings(Group, frozen=True):
    points_win: int = 2
    points_tie: int = 1
    points_no_result: int = 1
    # A match's quota unless it sets its own (net run rate).
    overs_per_innings: Annotated[int, msgspec.Meta(ge=1, le=50)] = 20
    sse_max_per_ip: Positive = 20
    sse_heartbeat_seconds: PositiveFloat = 15.0
    sse_replay_events: Positive = 100
    calendar_event_minutes: Positive = 180
