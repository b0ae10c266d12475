"""Live schedule (Server-Sent Events) and the calendar feed: public reads beside the match list.

- `GET /api/schedule/events`: `event: match` with the match JSON of the schedule list on every change
  (`event: match_deleted` with `{"id"}` when one is removed), `id:` the journal id, shared by every
  instance; a `: heartbeat` comment after each quiet period; `Last-Event-ID` resumes.
- `GET /api/schedule/calendar.ics[?team=ICCT-003]`: iCalendar with one VEVENT per timed match.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import tzinfo
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter, Parameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from icct26.adapters.http.calendar_ics import ICS_MEDIA_TYPE, render_calendar
from icct26.adapters.http.conditional import (
    SKIP_COMPRESSION,
    AnswerCache,
    conditional_response,
    request_cache_key,
)
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses
from icct26.adapters.http.schedule_wire import match_out
from icct26.domain.errors import ErrorCode
from icct26.domain.schedule.ports import StoredMatch
from icct26.services.live_schedule import LiveSchedule, LiveStream, Resync, ScheduleEvent
from icct26.services.schedule_calendar import ScheduleCalendar

C = ErrorCode
EVENT_STREAM = "text/event-stream"
# Browsers reconnect after this many milliseconds when a stream ends (e.g. an instance restarts).
RECONNECT_MS = 2000


def match_event_json(stored: StoredMatch, tz: tzinfo) -> str:
    """The data of an `event: match`: the match exactly as `GET /api/schedule/matches` lists it."""
    return msgspec.json.encode(match_out(stored, tz)).decode()


async def _messages(stream: LiveStream) -> AsyncIterator[ServerSentEventMessage]:
    try:
        yield ServerSentEventMessage(comment="connected", retry=RECONNECT_MS, data=None)
        async for item in stream.events():
            if isinstance(item, ScheduleEvent):
                yield ServerSentEventMessage(data=item.data, event=item.kind, id=item.id)
            elif isinstance(item, Resync):
                yield ServerSentEventMessage(data='{"reload":true}', event="resync")
            else:
                yield ServerSentEventMessage(comment="heartbeat", data=None)
    finally:
        stream.close()


_EVENTS_DESCRIPTION = f"""Server-Sent Events (`{EVENT_STREAM}`), one per match change made on any instance:

```
id: 42
event: match
data: {{"id": 7, "round": "Round 1", ..., "status": "live", ...}}
```

`data` is the match exactly as `GET /api/schedule/matches` lists it. A deleted match sends
`event: match_deleted` with `data: {{"id": 7}}`. Quiet streams get a `: heartbeat` comment every
`SSE_HEARTBEAT_SECONDS` (15 s). On reconnect, browsers send `Last-Event-ID`; the events after it are
sent first (the last `SSE_REPLAY_EVENTS`, 100, are kept); when older ones are needed the stream starts
with `event: resync` (reload the match list). At most `SSE_MAX_PER_IP` (20) open streams per client
address, else 429. When the instance stops, its streams end and browsers reconnect."""

_EVENT_STREAM_RESPONSE = ResponseSpec(
    data_container=str,
    media_type=EVENT_STREAM,
    description="An endless stream of `match` / `match_deleted` events and heartbeat comments",
    generate_examples=False,
)


class ScheduleFeedController(Controller):
    path = "/api/schedule"
    tags = ["schedule"]
    dependencies = provide("live_schedule", "schedule_calendar", "public_cache")

    @get(
        "/events",
        operation_id="streamScheduleEvents",
        summary="Live match changes (Server-Sent Events)",
        description=_EVENTS_DESCRIPTION,
        media_type=EVENT_STREAM,
        opt={SKIP_COMPRESSION: True},  # gzip would hold events back until a buffer fills
        responses={200: _EVENT_STREAM_RESPONSE, **problem_responses(*REQUEST_ERRORS, C.SERVICE_UNAVAILABLE)},
    )
    async def events(
        self,
        request: Request[Any, Any, Any],
        live_schedule: NamedDependency[LiveSchedule],
        last_event_id: Annotated[
            str | None,
            HeaderParameter(
                name="Last-Event-ID",
                required=False,
                max_length=30,
                description="The `id` of the last event received; the events after it are sent first",
            ),
        ] = None,
    ) -> ServerSentEvent:
        client = request.client.host if request.client else "unknown"
        stream = live_schedule.open(client, last_event_id)
        return ServerSentEvent(_messages(stream), headers={"Cache-Control": "no-store"})

    @get(
        "/calendar.ics",
        operation_id="getScheduleCalendar",
        summary="The schedule as an iCalendar feed (subscribe in a calendar app)",
        description="One VEVENT per match that has a start time and is not abandoned: stable UID, "
        "SUMMARY `Team A vs Team B`, times in the tournament's time zone, SEQUENCE raised on every "
        "change. `team` limits it to one team's matches. Strong `ETag`; `If-None-Match` gives 304.",
        media_type=ICS_MEDIA_TYPE,
        opt={SKIP_COMPRESSION: True},  # compressed once per kept feed
        responses={
            200: ResponseSpec(
                data_container=str,
                media_type="text/calendar",
                description="An iCalendar (RFC 5545) document",
                generate_examples=False,
            ),
            **problem_responses(*REQUEST_ERRORS, C.TEAM_NOT_FOUND),
        },
    )
    async def calendar(
        self,
        request: Request[Any, Any, Any],
        schedule_calendar: NamedDependency[ScheduleCalendar],
        public_cache: NamedDependency[AnswerCache],
        team: Annotated[
            str | None,
            Parameter(description="A team ID such as ICCT-003: only that team's matches", max_length=40),
        ] = None,
    ) -> Response[bytes]:
        async def load() -> bytes:
            matches = await schedule_calendar.matches(team)
            options = schedule_calendar.options
            title = f"{options.name} ({team.strip().upper()})" if team and team.strip() else None
            return render_calendar(matches, options, title)

        # Rendering 40 events costs ~40 ms (the icalendar package); a feed is kept like the match
        # list, dropped by any schedule change, so subscribed calendars polling it cost a lookup.
        entry = await public_cache.get_or_load(request_cache_key(request.scope), load, ICS_MEDIA_TYPE)
        response = conditional_response(request, entry)
        response.headers["Content-Disposition"] = 'inline; filename="schedule.ics"'
        return response
