"""Outbox rows for the email tests, written the way the feature code writes them (`enqueue_email`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import OutboxEmailRecord
from icct26.adapters.db.outbox import enqueue_email


def received_context(n: int, *, player_name: str = "Ravi Kumar") -> dict[str, Any]:
    team_id = f"ICCT-{n:03d}"
    return {
        "team_id": team_id,
        "team_name": f"Team {n} Lions",
        "church_name": "CSI Immanuel Church",
        "captain_name": "Samuel Raj",
        "player_count": 2,
        "players": [
            {"player_id": f"{team_id}-P01", "name": player_name, "role": "Batsman"},
            {"player_id": f"{team_id}-P02", "name": "Arun Das", "role": None},
        ],
        "submitted_at": "2026-01-10T04:00:00+00:00",
    }


async def enqueue(
    database: Database,
    n: int,
    *,
    kind: str = "registration_received",
    recipient: str | None = None,
    context: dict[str, Any] | None = None,
    team_pk: int | None = None,
) -> int:
    """One committed outbox row for team number `n`; returns its id."""
    async with database.sessionmaker() as session, session.begin():
        return await enqueue_email(
            session,
            kind=kind,
            recipient=recipient or f"captain{n}@example.org",
            team_pk=team_pk,
            context=context or received_context(n),
        )


async def outbox_rows(database: Database) -> list[OutboxEmailRecord]:
    async with database.sessionmaker() as session:
        return list((await session.scalars(select(OutboxEmailRecord).order_by(OutboxEmailRecord.id))).all())
