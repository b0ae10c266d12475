"""Live schedule across real `icct26 serve` processes on one database: a change posted on instance A
reaches a stream on instance B, a reconnecting browser resumes on either instance with
`Last-Event-ID`, a client holds a bounded number of streams, and SIGTERM ends open streams at once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from icct26.adapters.db.engine import Database
from icct26.bootstrap import Container
from tests.support.schedule_factories import bearer, fixture_body, insert_team, problem
from tests.support.server import ServerProcess
from tests.support.sse import open_events

pytestmark = [pytest.mark.asyncio, pytest.mark.slow, pytest.mark.usefixtures("staff_accounts")]

MATCHES = "/api/schedule/matches"
# Generous: the bench measures the real figure (milliseconds); this only catches "not live at all".
DELIVERY_SECONDS = 1.0


async def seed(database: Database) -> None:
    await insert_team(database, "Zion Warriors")
    await insert_team(database, "Bethel Strikers", church="CSI Bethel Church")


async def put(
    client: httpx.AsyncClient, path: str, admin: dict[str, str], body: Any = None
) -> dict[str, Any]:
    resp = await client.put(path, json=body, headers=admin)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data


async def test_a_score_posted_on_one_instance_reaches_the_other_and_a_browser_resumes_anywhere(
    container: Container, database_url: str, tmp_path: Path
) -> None:
    await seed(container.database)
    admin = bearer(container, "admin")
    settings = {"SSE_HEARTBEAT_SECONDS": "1"}
    one = await ServerProcess(database_url, tmp_path / "a", **settings).astart()
    two = await ServerProcess(database_url, tmp_path / "b", **settings).astart()
    try:
        async with (
            httpx.AsyncClient(base_url=one.url, timeout=30) as a,
            httpx.AsyncClient(base_url=two.url, timeout=30) as b,
        ):
            created = await a.post(
                MATCHES, json=fixture_body("Zion Warriors", "Bethel Strikers"), headers=admin
            )
            assert created.status_code == 201, created.text
            match_id = created.json()["data"]["id"]
            path = f"{MATCHES}/{match_id}"
            await put(a, f"{path}/start", admin, {"toss_winner": "Zion Warriors", "toss_choice": "bat"})

            async with open_events(b) as events:
                # The start may still be on its way to B; then a quiet second brings a heartbeat.
                quiet = await events.next_message(timeout=5)
                if quiet.data is not None:
                    assert quiet.json()["status"] == "live"
                    quiet = await events.next_message(timeout=5)
                assert quiet.comments == ["heartbeat"] and quiet.data is None
                score = {"batting_team": "Zion Warriors", "runs": 142, "wickets": 6}
                posted = await put(a, f"{path}/first-innings-score", admin, score)
                answered = time.monotonic()
                event = await events.next_event(timeout=10)
                delay = time.monotonic() - answered
                assert delay < DELIVERY_SECONDS, f"the event reached instance B {delay:.2f}s after the answer"
                assert event.event == "match" and event.id is not None and event.id.isdigit()
                assert event.json() == posted  # the match exactly as the API shows it
                listed = (await b.get(MATCHES)).json()["data"]
                assert listed == [posted]  # and instance B's list is not stale either
                seen = event.id

            # The browser is away while two more changes are made (on A) ...
            await put(
                a,
                f"{path}/second-innings-score",
                admin,
                {"batting_team": "Bethel Strikers", "runs": 143, "wickets": 3},
            )
            finish = {"winner": "Bethel Strikers", "margin": 7, "margin_type": "wickets"}
            finished = await put(a, f"{path}/finish", admin, finish)
            # ... and reconnects to A (behind a proxy it may land anywhere) with its last event id.
            async with open_events(a, headers={"Last-Event-ID": seen}) as resumed:
                missed = [await resumed.next_event(timeout=5), await resumed.next_event(timeout=5)]
                assert [int(m.id or 0) for m in missed] == [int(seen) + 1, int(seen) + 2]
                assert missed[0].json()["team2_first_innings_runs"] == 143
                assert missed[1].json() == finished
                another = await b.post(
                    MATCHES, json=fixture_body("Bethel Strikers", "Zion Warriors", 2), headers=admin
                )
                live = await resumed.next_event(timeout=5)
                assert int(live.id or 0) == int(seen) + 3 and live.json() == another.json()["data"]
    finally:
        await one.astop()
        await two.astop()
    assert "Traceback" not in one.log() + two.log()


async def test_a_client_holds_at_most_sse_max_per_ip_streams(database_url: str, tmp_path: Path) -> None:
    server = await ServerProcess(database_url, tmp_path / "s", SSE_MAX_PER_IP="2").astart()
    try:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            open_events(client),
            open_events(client) as second,
        ):
            refused = await client.get("/api/schedule/events")
            body = problem(refused, 429, "RATE_LIMIT_EXCEEDED")
            assert "2" in body["detail"] and int(refused.headers["retry-after"]) >= 1
            await second.response.aclose()
            for _ in range(50):  # the server notices the closed stream
                async with client.stream("GET", "/api/schedule/events") as again:
                    if again.status_code == 200:
                        break
                await asyncio.sleep(0.1)
            assert again.status_code == 200
    finally:
        await server.astop()


async def test_sigterm_ends_open_streams_and_the_server_exits_promptly(
    database_url: str, tmp_path: Path
) -> None:
    # With 20 s of grace for in-flight requests, a server that waited for its streams would take 20 s.
    server = await ServerProcess(
        database_url, tmp_path / "t", SHUTDOWN_GRACE_SECONDS="20", LOG_LEVEL="INFO"
    ).astart()
    try:
        async with (
            httpx.AsyncClient(base_url=server.url, timeout=30) as client,
            open_events(client) as first,
            open_events(client) as second,
        ):
            started = time.monotonic()
            server.signal()
            assert await first.rest(timeout=10) == [] and await second.rest(timeout=10) == []
            code = await asyncio.to_thread(server.wait, 15)
            elapsed = time.monotonic() - started
        assert code == 0
        assert elapsed < 8, f"the server took {elapsed:.1f}s to stop with open streams"
        log = server.log()
        assert "Application shutdown complete" in log
        assert "Traceback" not in log and "timeout graceful shutdown exceeded" not in log
    finally:
        await server.astop()
