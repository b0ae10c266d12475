"""Drill: two `icct26 serve` instances and two `icct26 worker`s behind nginx (the configuration in
docs/DEPLOYMENT.md), sharing one PostgreSQL database, Redis and S3 (a moto server), all on loopback.

What several instances must not change: the registration limit is one limit (the 11th registration
from one client IP is refused whichever instance answers); an Idempotency-Key sent to both instances
makes one team and a replay; every outbox email is sent once; a schedule change on one instance is
seen on the other; a document link one instance hands out is served by the other; and a rolling
restart (SIGTERM A, start A, SIGTERM B, start B) under a stream of registrations loses none and doubles
none. Every wait is bounded; the whole module takes about two minutes.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from tests.support.drills import (
    Outcome,
    bulky_form,
    drill_key,
    summary,
    team_rows,
)
from tests.support.factories import create_staff
from tests.support.nginx import needs_nginx
from tests.support.outbox_rows import outbox_rows
from tests.support.registration_forms import RegistrationForm, post_form
from tests.support.several_instances import (
    InstanceCluster,
    environment_redis_url,
    redis_unavailable,
    wait_ready,
)
from tests.support.sse import open_events

REDIS_URL = environment_redis_url()
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.slow,
    needs_nginx,
    pytest.mark.skipif(redis_unavailable(REDIS_URL) is not None, reason=str(redis_unavailable(REDIS_URL))),
]

FILE_BYTES = 2 * 1024  # 25 files a team: enough to make every registration write to S3
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def cluster(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InstanceCluster]:
    assert REDIS_URL is not None
    instances = InstanceCluster(database_url, tmp_path_factory.mktemp("several-instances"), REDIS_URL)
    instances.start()
    try:
        yield instances
    finally:
        codes = instances.stop()
        assert set(codes.values()) == {0}, codes  # every app and worker stopped cleanly on SIGTERM


def form_for(n: int, church_names: list[str]) -> RegistrationForm:
    return bulky_form(n, FILE_BYTES, church_names[(n // 2) % len(church_names)])  # two teams a church


async def register_through_proxy(cluster: InstanceCluster, form: RegistrationForm, key: str) -> list[Outcome]:
    """One browser (its own client IP) registering through nginx as the frontend does
    (FRONTEND_CONTRACT): the same Idempotency-Key, up to 3 retries after 1, 2 and 4 s on a network
    error or an answer that is not the API's (a proxy's 5xx page), 408 or 429."""
    outcomes: list[Outcome] = []
    async with cluster.client() as client:
        for backoff in (1, 2, 4, None):
            try:
                outcome = Outcome(await post_form(client, form, key=key))
            except httpx.TransportError as exc:
                outcome = Outcome(None, type(exc).__name__)
            outcomes.append(outcome)
            resp = outcome.response
            if (resp is not None and not frontend_retries(resp)) or backoff is None:
                return outcomes
            await asyncio.sleep(backoff)
    return outcomes


def frontend_retries(resp: httpx.Response) -> bool:
    enveloped = resp.headers.get("content-type", "").startswith(
        ("application/json", "application/problem+json")
    )
    return resp.status_code in (408, 429) or (resp.status_code >= 500 and not enveloped)


async def wait_until_every_email_is_sent(database: Database, polls: int = 300) -> list[Any]:
    rows = await outbox_rows(database)
    for _ in range(polls):
        if rows and all(r.status == "sent" for r in rows):
            break
        await asyncio.sleep(0.1)
        rows = await outbox_rows(database)
    return rows


def assert_each_email_sent_once(cluster: InstanceCluster, rows: list[Any]) -> None:
    assert rows and [r.status for r in rows] == ["sent"] * len(rows), [(r.id, r.status) for r in rows]
    wanted = {r.message_id for r in rows}
    # The sink serves the whole module: count only this test's messages, by their Message-ID.
    received = [m["Message-ID"] for m in cluster.sink.wait_for(0) if m["Message-ID"] in wanted]
    assert sorted(received) == sorted(wanted), "an email was lost or sent twice"
    assert all(r.attempts == 1 for r in rows)


async def test_the_registration_limit_is_one_limit_whichever_instance_answers(
    cluster: InstanceCluster, database: Database
) -> None:
    address = cluster.next_address()
    async with cluster.client(address=address) as client:
        # Empty bodies: refused as malformed, but counted like any registration attempt.
        statuses = [(await client.post("/api/register/team", content=b"")).status_code for _ in range(11)]
    assert 429 not in statuses[:10], statuses
    assert statuses[10] == 429, statuses
    assert cluster.nginx is not None
    answered_by = {line.split()[2] for line in cluster.nginx.access_lines() if line.startswith(address + " ")}
    assert answered_by == {f"127.0.0.1:{app.port}" for app in cluster.apps}, answered_by  # both counted


async def test_one_idempotency_key_sent_to_both_instances_makes_one_team_and_a_replay(
    cluster: InstanceCluster, database: Database, church_names: list[str]
) -> None:
    form, key = form_for(1, church_names), drill_key(1)
    address = cluster.next_address()
    a, b = cluster.apps
    async with cluster.client(a.url, address) as to_a, cluster.client(b.url, address) as to_b:
        first, second = await asyncio.gather(post_form(to_a, form, key=key), post_form(to_b, form, key=key))
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    assert first.json()["team_id"] == second.json()["team_id"] == "ICCT-001"
    replayed = sorted(r.headers.get("idempotent-replayed", "") for r in (first, second))
    assert replayed == ["", "true"], replayed
    assert [t.team_id for t in await team_rows(database)] == ["ICCT-001"]


async def test_every_email_is_sent_once_by_the_two_workers(
    cluster: InstanceCluster, database: Database, church_names: list[str]
) -> None:
    outcomes = await asyncio.gather(
        *(register_through_proxy(cluster, form_for(n, church_names), drill_key(n)) for n in range(1, 9))
    )
    assert all(o[-1].response is not None and o[-1].response.status_code == 201 for o in outcomes), [
        summary(o) for o in outcomes
    ]
    rows = await wait_until_every_email_is_sent(database)
    assert len(rows) >= 8  # at least the registration receipt of each team
    assert_each_email_sent_once(cluster, rows)


async def admin_on(cluster: InstanceCluster, database: Database, base_url: str) -> dict[str, str]:
    """Log in on one instance; the token works on every instance (same SECRET_KEY)."""
    await create_staff(database, "organiser@example.org", "admin", PASSWORD)
    async with cluster.client(base_url) as client:
        resp = await client.post(
            "/api/auth/login", json={"email": "organiser@example.org", "password": PASSWORD}
        )
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


async def two_confirmed_teams(
    cluster: InstanceCluster,
    database: Database,
    church_names: list[str],
    admin: dict[str, str],
    base_url: str,
) -> list[str]:
    outcomes = await asyncio.gather(
        *(register_through_proxy(cluster, form_for(n, church_names), drill_key(n)) for n in (1, 2))
    )
    team_ids = sorted(o[-1].response.json()["team_id"] for o in outcomes if o[-1].response is not None)
    async with cluster.client(base_url, headers=admin) as client:
        for team_id in team_ids:
            resp = await client.put(f"/admin/teams/{team_id}/confirm")
            assert resp.status_code == 200, resp.text
    return team_ids


def match_body(team_ids: list[str], number: int) -> dict[str, Any]:
    return {
        "round": "Group A",
        "round_number": 1,
        "match_number": number,
        "team1": team_ids[0],
        "team2": team_ids[1],
    }


async def test_a_schedule_change_on_one_instance_is_listed_by_the_other(
    cluster: InstanceCluster, database: Database, church_names: list[str]
) -> None:
    a, b = cluster.apps
    admin = await admin_on(cluster, database, a.url)
    team_ids = await two_confirmed_teams(cluster, database, church_names, admin, a.url)
    async with cluster.client(b.url) as on_b:
        assert (await on_b.get("/api/schedule/matches")).json()["data"] == []  # B has the empty list cached
        async with cluster.client(a.url, headers=admin) as on_a:
            created = await on_a.post("/api/schedule/matches", json=match_body(team_ids, 1))
        assert created.status_code == 201, created.text
        # B's public cache lives PUBLIC_CACHE_SECONDS (2 s): the change shows within that, not at once.
        listed: list[Any] = []
        for _ in range(50):
            listed = (await on_b.get("/api/schedule/matches")).json()["data"]
            if listed:
                break
            await asyncio.sleep(0.1)
    assert [m["id"] for m in listed] == [created.json()["data"]["id"]], listed


async def test_a_schedule_change_on_one_instance_reaches_a_live_subscriber_on_the_other(
    cluster: InstanceCluster, database: Database, church_names: list[str]
) -> None:
    a, b = cluster.apps
    # The instances outlive the tables each test empties (RESTART IDENTITY): continue the event journal
    # past the ids their listeners have already delivered, as a database that is never emptied would.
    async with database.engine.begin() as conn:
        await conn.execute(text("SELECT setval(pg_get_serial_sequence('schedule_events', 'id'), 1000000)"))
    admin = await admin_on(cluster, database, a.url)
    team_ids = await two_confirmed_teams(cluster, database, church_names, admin, a.url)
    # One subscriber on B's process itself (the change is made on A), one through nginx (which must
    # pass the stream through unbuffered, whichever instance it picked).
    async with (
        cluster.client(b.url, timeout=30) as on_b,
        open_events(on_b) as on_b_events,
        cluster.client(timeout=30) as proxied,
        open_events(proxied) as proxied_events,
    ):
        async with cluster.client(a.url, headers=admin) as on_a:
            created = await on_a.post("/api/schedule/matches", json=match_body(team_ids, 1))
        assert created.status_code == 201, created.text
        events = [await on_b_events.next_event(timeout=10), await proxied_events.next_event(timeout=10)]
    for event in events:
        assert event.event == "match"
        assert event.json()["id"] == created.json()["data"]["id"]


def document_links(value: Any) -> set[str]:
    """Every URL in an admin team view: its signed document links."""
    if isinstance(value, dict):
        return {link for v in value.values() for link in document_links(v)}
    if isinstance(value, list):
        return {link for v in value for link in document_links(v)}
    return {value} if isinstance(value, str) and value.startswith(("http://", "https://")) else set()


async def test_a_document_link_from_one_instance_is_served_by_the_other(
    cluster: InstanceCluster, database: Database, church_names: list[str]
) -> None:
    a, b = cluster.apps
    admin = await admin_on(cluster, database, a.url)
    form = form_for(1, church_names)
    (outcome,) = [(await register_through_proxy(cluster, form, drill_key(1)))[-1]]
    assert outcome.response is not None and outcome.response.status_code == 201
    uploaded = {hashlib.sha256(upload.content).hexdigest() for upload in form.files.values()}
    async with cluster.client(a.url, headers=admin) as on_a:
        view = await on_a.get("/admin/teams/ICCT-001")
    assert view.status_code == 200, view.text
    # The view may list a document in more than one place, each link signed on its own.
    links = sorted(document_links(view.json()))
    assert len(links) >= len(form.files), links
    # Links point at the app (documents are encrypted in the bucket; only an instance can read them).
    assert all(urlsplit(url).path.startswith("/documents/") for url in links), links
    stored = await asyncio.to_thread(cluster.moto.objects, cluster.bucket)
    assert len(stored) >= len(form.files) and not {hashlib.sha256(b).hexdigest() for b in stored} & uploaded
    served = set()
    async with cluster.client(b.url) as on_b:  # A minted them; B has never seen this team
        for url in links:
            parts = urlsplit(url)
            resp = await on_b.get(parts.path + (f"?{parts.query}" if parts.query else ""))
            assert resp.status_code == 200, (url, resp.status_code, resp.text[:300])
            served.add(hashlib.sha256(resp.content).hexdigest())
    assert served == uploaded  # every document, byte for byte


async def test_a_rolling_restart_under_a_stream_of_registrations_loses_none_and_doubles_none(
    cluster: InstanceCluster, database: Database, church_names: list[str]
) -> None:
    minimum, maximum, concurrency = 20, 140, 3
    numbers = iter(range(1, maximum + 1))
    restarted = asyncio.Event()
    results: dict[str, list[Outcome]] = {}

    async def browser() -> None:
        # Keep registering while the restart runs, and at least `minimum` in all.
        for n in numbers:
            if restarted.is_set() and n > minimum:
                return
            results[drill_key(n)] = await register_through_proxy(
                cluster, form_for(n, church_names), drill_key(n)
            )

    async def rolling_restart() -> list[int | None]:
        codes = []
        while len(await team_rows(database)) < 3:  # the stream is flowing
            await asyncio.sleep(0.1)
        for app in cluster.apps:
            codes.append(await app.astop())  # SIGTERM: in-flight registrations finish first
            await asyncio.to_thread(app.start)  # same port, same upstream line
            await asyncio.to_thread(wait_ready, app)
        restarted.set()
        return codes

    restart = asyncio.create_task(rolling_restart())
    await asyncio.wait_for(asyncio.gather(*(browser() for _ in range(concurrency))), timeout=240)
    exit_codes = await asyncio.wait_for(restart, timeout=60)
    assert exit_codes == [0, 0], [app.log()[-2000:] for app in cluster.apps]

    history = {key: summary(outcomes) for key, outcomes in results.items()}
    # None lost: every registration's first answer is its 201 (nginx moved the ones that met a stopping
    # instance to the other one); the browser never had to resend.
    first = {key: outcomes[0].response for key, outcomes in results.items()}
    assert all(r is not None and r.status_code == 201 for r in first.values()), history
    team_ids = [r.json()["team_id"] for r in first.values() if r is not None]
    teams = await team_rows(database)
    # None doubled: one team per key.
    assert len(teams) == len(set(team_ids)) == len(results) >= minimum, history
    assert sorted(t.team_id for t in teams) == sorted(team_ids)
    assert cluster.nginx is not None
    served_by = {
        line.split()[2].rstrip(",") for line in cluster.nginx.access_lines() if "register/team" in line
    }
    assert {f"127.0.0.1:{app.port}" for app in cluster.apps} <= served_by

    rows = await wait_until_every_email_is_sent(database)
    assert_each_email_sent_once(cluster, rows)
