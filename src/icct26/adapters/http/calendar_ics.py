"""iCalendar (RFC 5545) rendering of the schedule, with the `icalendar` package.

Stable per match: the UID (`match-<id>@icct26`) and, for an unchanged match, every byte — DTSTAMP is
the match's last change, not the time of the request — so the feed's ETag only moves when a match
does, and calendar apps see a higher SEQUENCE exactly when something changed.

`icalendar` (~3 MiB) is imported by the first feed rendered, not by every worker at start.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from icct26.domain.schedule.ports import StoredMatch
from icct26.services.schedule_calendar import CalendarOptions

if TYPE_CHECKING:
    from icalendar import Event

PRODUCT_ID = "-//ICCT26//Tournament schedule//EN"
UID_DOMAIN = "icct26"
ICS_MEDIA_TYPE = "text/calendar; charset=utf-8"


def match_uid(match_id: int) -> str:
    return f"match-{match_id}@{UID_DOMAIN}"


def _event(stored: StoredMatch, options: CalendarOptions) -> Event:
    match = stored.match
    assert match.scheduled_start_time is not None  # the calendar service keeps only timed matches
    start = match.scheduled_start_time.astimezone(options.timezone)
    from icalendar import Event

    event = Event()
    event.add("uid", match_uid(stored.id))
    event.add("dtstamp", stored.updated_at.astimezone(UTC))
    event.add("created", stored.created_at.astimezone(UTC))
    event.add("last-modified", stored.updated_at.astimezone(UTC))
    event.add("sequence", stored.version)
    # A knockout place still waiting for a winner reads "Winner of Match N", as in the match list.
    event.add("summary", f"{match.place_name(1)} vs {match.place_name(2)}")
    event.add("dtstart", start)
    event.add("dtend", start + options.match_length)
    lines = [f"{match.round}, match {match.match_number}", f"Status: {match.status.value}"]
    result = match.result_view()
    if result is not None and result.get("winner"):
        lines.append(f"Winner: {result['winner']}")
    event.add("description", "\n".join(lines))
    event.add("status", "CONFIRMED")
    if options.venue:
        event.add("location", options.venue)
    if match.match_score_url:
        event.add("url", match.match_score_url)
    return event


def render_calendar(matches: list[StoredMatch], options: CalendarOptions, title: str | None = None) -> bytes:
    """One VEVENT per match, times in the tournament's zone (with its VTIMEZONE)."""
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", title or options.name)
    calendar.add("x-wr-timezone", str(options.timezone))
    for stored in matches:
        calendar.add_component(_event(stored, options))
    calendar.add_missing_timezones()
    body: bytes = calendar.to_ical()
    return body
