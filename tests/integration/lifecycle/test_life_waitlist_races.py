"""Races on real PostgreSQL: teams leaving and new waitlist registrations at the same time never
exceed the church limit, and promotions take the queue strictly in order."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from icct26.bootstrap import Container
from icct26.domain.audit import Actor
from tests.support.factories import create_team
from tests.support.registration_forms import RegistrationForm, fetch, spool

pytestmark = pytest.mark.asyncio
CHURCH = "CSI Immanuel Church"
ADMIN = Actor(1, "admin@example.org")
CAPTAIN = Actor(None, "captain")


def token(container: Container, team_id: str) -> str:
    return container.lifecycle.captain_link(team_id, 1).rsplit("/", 1)[1]


async def active_count(container: Container) -> int:
    rows = await fetch(
        container.database,
        "SELECT count(*) AS n FROM teams WHERE status IN ('pending', 'confirmed', 'changes_requested')",
    )
    return int(rows[0].n)


async def test_leaves_and_new_waitlist_registrations_race(container: Container, tmp_path: Path) -> None:
    active = [await create_team(container, CHURCH, players=11) for _ in range(2)]  # ICCT-001, 002
    waiting = [await create_team(container, CHURCH, players=11, status="waitlisted") for _ in range(5)]
    assert [t.team_id for t in waiting] == [f"ICCT-00{i}" for i in range(3, 8)]
    forms = []
    for n in range(4):
        registration = RegistrationForm.valid(100 + n, church=CHURCH)
        registration.fields["waitlist"] = "true"
        forms.append(spool(registration, tmp_path / f"form{n}"))

    samples: list[int] = []
    running = True

    async def monitor() -> None:
        while running:
            samples.append(await active_count(container))
            await asyncio.sleep(0.005)

    lifecycle, review = container.lifecycle, container.review
    registration = container.registration
    events: list[Any] = [
        lifecycle.withdraw(token(container, active[0].team_id), "Cannot travel", CAPTAIN),
        review.reject(active[1].team_id, ADMIN, "Receipt is fake"),
        lifecycle.withdraw(token(container, waiting[4].team_id), None, CAPTAIN),
        *(registration.register(fields, files) for fields, files in forms),
    ]
    watcher = asyncio.create_task(monitor())
    results = await asyncio.gather(*events)
    running = False
    await watcher

    assert max(samples) <= 2 and await active_count(container) == 2
    receipts = results[3:]
    assert all(r.status.value == "waitlisted" for r in receipts)
    rows = await fetch(container.database, "SELECT team_id, status FROM teams ORDER BY seq")
    by_id = {row.team_id: row.status for row in rows}
    # The two earliest waiting teams moved up, nobody else; the withdrawn waiting team left the queue.
    assert [t for t, s in by_id.items() if s == "pending"] == ["ICCT-003", "ICCT-004"]
    assert by_id["ICCT-007"] == "withdrawn"
    queue = [t for t, s in by_id.items() if s == "waitlisted"]
    assert queue[:2] == ["ICCT-005", "ICCT-006"] and len(queue) == 6
    positions = [(await lifecycle.captain_view(token(container, t))).waitlist_position for t in queue]
    assert positions == [1, 2, 3, 4, 5, 6]  # no position skipped or duplicated
    promoted = await fetch(
        container.database, "SELECT target_id FROM audit_log WHERE action = 'team.promoted' ORDER BY id"
    )
    assert [row.target_id for row in promoted] == ["ICCT-003", "ICCT-004"]
    emails = await fetch(
        container.database, "SELECT recipient FROM email_outbox WHERE kind = 'team_promoted' ORDER BY id"
    )
    assert [row.recipient for row in emails] == ["captain3@example.org", "captain4@example.org"]
