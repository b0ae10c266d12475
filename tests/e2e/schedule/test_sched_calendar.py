"""The calendar feed, read back with `icalendar` as a calendar app would: one VEVENT per timed match
that is not abandoned, stable UIDs, SEQUENCE raised by changes, times in +05:30, ETag/304, per team.
Also: both feeds are documented in OpenAPI with their media types."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio
from icalendar import Calendar

from icct26.bootstrap import Container
from tests.support.schedule_factories import bearer, fixture_body, insert_team, problem
from tests.support.sql_statements import counted_statements

pytestmark = [pytest.mark.asyncio, pytest.mark.usefixtures("staff_accounts")]

MATCHES = "/api/schedule/matches"
CALENDAR = "/api/schedule/calendar.ics"
IST = timedelta(hours=5, minutes=30)


@pytest_asyncio.fixture
async def admin(container: Container) -> dict[str, str]:
    await insert_team(container.database, "Zion Warriors")
    await insert_team(container.database, "Bethel Strikers", church="CSI Bethel Church")
    await insert_team(container.database, "Grace Eleven", church="CSI Grace Church")
    return bearer(container, "admin")


async def create(client: httpx.AsyncClient, admin: dict[str, str], *teams: str, **body: Any) -> int:
    resp = await client.post(MATCHES, json=fixture_body(*teams, **body), headers=admin)
    assert resp.status_code == 201, resp.text
    match_id: int = resp.json()["data"]["id"]
    return match_id


def events_of(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


async def test_one_event_per_timed_match_in_the_tournament_zone_with_stable_uids_and_sequences(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    first = await create(
        client, admin, "Zion Warriors", "Bethel Strikers", 1, scheduled_start_time="2026-01-24T09:30"
    )
    second = await create(
        client, admin, "ICCT-003", "ICCT-001", 2, scheduled_start_time="2026-01-24T05:00:00Z"
    )
    await create(client, admin, "Grace Eleven", "Bethel Strikers", 3)  # no start time: not in the calendar
    called_off = await create(
        client, admin, "Bethel Strikers", "Grace Eleven", 4, scheduled_start_time="2026-01-25T09:30"
    )
    assert (await client.put(f"{MATCHES}/{called_off}/abandon", headers=admin)).status_code == 200

    resp = await client.get(CALENDAR)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/calendar")
    events = events_of(resp.content)
    assert set(events) == {f"match-{first}@icct26", f"match-{second}@icct26"}
    one, two = events[f"match-{first}@icct26"], events[f"match-{second}@icct26"]
    assert str(one["summary"]) == "Zion Warriors vs Bethel Strikers"
    assert str(two["summary"]) == "Grace Eleven vs Zion Warriors"
    for event in (one, two):
        start: datetime = event.decoded("dtstart")
        assert start.utcoffset() == IST
        assert event.decoded("dtend") - start == timedelta(minutes=180)
        assert event.decoded("sequence") == 0
    assert one.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 1, 24, 9, 30)
    assert two.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 1, 24, 10, 30)  # 05:00Z
    assert "Round 1, match 1" in str(one["description"])
    assert b"BEGIN:VTIMEZONE" in resp.content and b"TZID:Asia/Kolkata" in resp.content

    moved = fixture_body("Zion Warriors", "Bethel Strikers", 1, scheduled_start_time="2026-01-24T14:00")
    assert (await client.put(f"{MATCHES}/{first}", json=moved, headers=admin)).status_code == 200
    assert (
        await client.put(
            f"{MATCHES}/{first}/start",
            json={"toss_winner": "Zion Warriors", "toss_choice": "bat"},
            headers=admin,
        )
    ).status_code == 200
    again = events_of((await client.get(CALENDAR)).content)
    assert set(again) == set(events)  # same UIDs
    changed = again[f"match-{first}@icct26"]
    assert changed.decoded("sequence") == 2
    assert changed.decoded("dtstart").replace(tzinfo=None) == datetime(2026, 1, 24, 14, 0)
    assert "Status: live" in str(changed["description"])
    assert again[f"match-{second}@icct26"].decoded("sequence") == 0


async def test_etag_answers_304_until_a_match_changes(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    match_id = await create(
        client, admin, "Zion Warriors", "Bethel Strikers", 1, scheduled_start_time="2026-01-24T09:30"
    )
    first = await client.get(CALENDAR)
    etag = first.headers["etag"]
    assert etag.startswith('"') and "max-age" in first.headers["cache-control"]
    assert (await client.get(CALENDAR)).content == first.content  # nothing in it depends on the clock
    unchanged = await client.get(CALENDAR, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag

    body = fixture_body("Zion Warriors", "Bethel Strikers", 1, round="Final")
    assert (await client.put(f"{MATCHES}/{match_id}", json=body, headers=admin)).status_code == 200
    changed = await client.get(CALENDAR, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_a_team_calendar_has_only_that_teams_matches(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await create(
        client, admin, "Zion Warriors", "Bethel Strikers", 1, scheduled_start_time="2026-01-24T09:30"
    )
    theirs = await create(
        client, admin, "Grace Eleven", "Zion Warriors", 2, scheduled_start_time="2026-01-24T13:30"
    )
    resp = await client.get(CALENDAR, params={"team": "icct-003"})
    assert resp.status_code == 200
    assert set(events_of(resp.content)) == {f"match-{theirs}@icct26"}
    assert "ICCT-003" in str(Calendar.from_ical(resp.content)["x-wr-calname"])
    assert len(events_of((await client.get(CALENDAR, params={"team": "ICCT-001"})).content)) == 2
    problem(await client.get(CALENDAR, params={"team": "ICCT-999"}), 404, "TEAM_NOT_FOUND")


async def test_openapi_documents_the_event_stream_and_the_calendar(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    events = schema["paths"]["/api/schedule/events"]["get"]
    assert "text/event-stream" in events["responses"]["200"]["content"]
    assert any(p["name"] == "Last-Event-ID" and p["in"] == "header" for p in events["parameters"])
    assert "429" in events["responses"]
    calendar = schema["paths"]["/api/schedule/calendar.ics"]["get"]
    assert "text/calendar" in calendar["responses"]["200"]["content"]
    assert any(p["name"] == "team" for p in calendar["parameters"])


async def test_a_knockout_place_waiting_for_a_winner_shows_as_in_the_match_list(
    client: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    plan = {
        "format": "knockout",
        "teams": ["ICCT-001", "ICCT-002", "ICCT-003"],
        "starts_at": "2026-02-07T09:30",
    }
    resp = await client.post("/api/schedule/generate", json=plan, headers=admin)
    assert resp.status_code == 201, resp.text
    first, final = resp.json()["data"]["matches"]

    resp = await client.get(CALENDAR, params={"team": "ICCT-001"})  # the team with the bye
    assert resp.status_code == 200, resp.text
    (event,) = events_of(resp.content).values()
    assert str(event["uid"]) == f"match-{final['id']}@icct26"
    assert str(event["summary"]) == f"Zion Warriors vs Winner of Match {first['match_number']}"
    resp = await client.get(CALENDAR, params={"team": "ICCT-003"})
    assert [str(e["uid"]) for e in events_of(resp.content).values()] == [f"match-{first['id']}@icct26"]


async def test_a_repeated_poll_is_answered_without_the_database_until_the_schedule_changes(
    client: httpx.AsyncClient, admin: dict[str, str], container: Container
) -> None:
    match_id = await create(
        client, admin, "Zion Warriors", "Bethel Strikers", 1, scheduled_start_time="2026-01-24T09:30"
    )
    first = await client.get(CALENDAR, headers={"Accept-Encoding": "gzip"})
    assert first.headers["content-type"] == "text/calendar; charset=utf-8"
    assert first.headers["content-disposition"] == 'inline; filename="schedule.ics"'
    with counted_statements(container) as statements:
        again = await client.get(CALENDAR, headers={"Accept-Encoding": "gzip"})
    assert statements == []  # kept: no query and no rendering
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]

    body = fixture_body("Zion Warriors", "Bethel Strikers", 1, scheduled_start_time="2026-01-24T11:00")
    assert (await client.put(f"{MATCHES}/{match_id}", json=body, headers=admin)).status_code == 200
    moved = events_of((await client.get(CALENDAR)).content)
    (event,) = moved.values()
    assert event["dtstart"].dt.hour == 11  # this process's change drops the kept feed at once
