"""The email outbox in PostgreSQL: claiming due rows across workers, recording outcomes, listing.

Claims use `FOR UPDATE SKIP LOCKED` and commit the `sending` mark (with a lease) before anything is
sent, so several workers (processes) never pick the same row. Outcomes are written only while the
worker still holds the lease it claimed with (`locked_until` is the token).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from icct26.adapters.db.audit import SqlAuditLog
from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import ChurchRecord, OutboxEmailRecord, PlayerRecord, TeamRecord
from icct26.adapters.db.outbox import SqlOutboxWriter
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.adapters.resilience import RetryPolicy, outbox_bookkeeping_retry
from icct26.domain.email import (
    EmailStatus,
    OutboxEmail,
    OutboxEmailView,
    RosterEntry,
    TeamEmailSnapshot,
)

OUTBOX = cast(Table, OutboxEmailRecord.__table__)
ERROR_MAX_CHARS = 1000


class SqlOutboxStore:
    """`OutboxStore` for the worker; each call is one short transaction of its own."""

    def __init__(self, database: Database, retry: RetryPolicy | None = None) -> None:
        self._database = database
        self._retry = retry or outbox_bookkeeping_retry()

    async def claim_due(self, limit: int, lease: timedelta) -> list[OutboxEmail]:
        c = OUTBOX.c
        now = func.now()
        due = (
            select(c.id)
            .where(
                or_(
                    and_(c.status == EmailStatus.PENDING.value, c.next_attempt_at <= now),
                    and_(c.status == EmailStatus.SENDING.value, c.locked_until < now),
                )
            )
            .order_by(c.next_attempt_at, c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("due")
        )
        claim = (
            update(OUTBOX)
            .where(c.id == due.c.id)
            .values(
                status=EmailStatus.SENDING.value,
                attempts=c.attempts + 1,
                locked_until=now + lease,
                updated_at=now,
            )
            .returning(c.id, c.kind, c.recipient, c.context, c.attempts, c.created_at, c.locked_until)
        )
        async with self._database.sessionmaker() as session, session.begin():
            rows = (await session.execute(claim)).all()
        return sorted(
            (
                OutboxEmail(
                    id=row.id,
                    kind=row.kind,
                    recipient=row.recipient,
                    context=row.context or {},
                    attempts=row.attempts,
                    created_at=row.created_at,
                    lease=row.locked_until,
                )
                for row in rows
            ),
            key=lambda e: e.id,
        )

    async def mark_sent(self, email: OutboxEmail, message_id: str) -> None:
        c = OUTBOX.c
        # Not lease-guarded: the message did go out, so record it even if the lease was lost.
        stmt = (
            update(OUTBOX)
            .where(c.id == email.id, c.status != EmailStatus.SENT.value)
            .values(
                status=EmailStatus.SENT.value,
                sent_at=func.now(),
                message_id=message_id,
                locked_until=None,
                updated_at=func.now(),
            )
        )
        await self._retry.call(self._execute, [stmt])

    async def reschedule(self, email: OutboxEmail, delay: timedelta, error: str) -> None:
        stmt = self._held(email).values(
            status=EmailStatus.PENDING.value,
            next_attempt_at=func.now() + delay,
            last_error=error[:ERROR_MAX_CHARS],
            locked_until=None,
            updated_at=func.now(),
        )
        await self._retry.call(self._execute, [stmt])

    async def defer(self, emails: Sequence[OutboxEmail], delay: timedelta, error: str | None) -> None:
        values: dict[str, Any] = {
            "status": EmailStatus.PENDING.value,
            "attempts": OUTBOX.c.attempts - 1,  # the claim counted an attempt that was never made
            "next_attempt_at": func.now() + delay,
            "locked_until": None,
            "updated_at": func.now(),
        }
        if error is not None:
            values["last_error"] = error[:ERROR_MAX_CHARS]
        statements = [self._held(email).values(**values) for email in emails]
        if statements:
            await self._retry.call(self._execute, statements)

    async def mark_failed(self, email: OutboxEmail, error: str) -> None:
        stmt = self._held(email).values(
            status=EmailStatus.FAILED.value,
            last_error=error[:ERROR_MAX_CHARS],
            locked_until=None,
            updated_at=func.now(),
        )
        await self._retry.call(self._execute, [stmt])

    @staticmethod
    def _held(email: OutboxEmail) -> Update:
        c = OUTBOX.c
        return update(OUTBOX).where(
            c.id == email.id, c.status == EmailStatus.SENDING.value, c.locked_until == email.lease
        )

    async def _execute(self, statements: list[Update]) -> None:
        async with self._database.sessionmaker() as session, session.begin():
            for stmt in statements:
                await session.execute(stmt)


class SqlOutboxReader:
    """`OutboxReader`: the outbox as organisers see it (joined with the team's human ID)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def page(
        self, status: EmailStatus | None, offset: int, limit: int
    ) -> tuple[list[OutboxEmailView], int]:
        c = OUTBOX.c
        where = [c.status == status.value] if status is not None else []
        total = (
            await self._session.execute(select(func.count()).select_from(OUTBOX).where(*where))
        ).scalar_one()
        query = (
            select(
                c.id,
                c.kind,
                c.recipient,
                TeamRecord.team_id,
                c.status,
                c.attempts,
                c.last_error,
                c.created_at,
                c.sent_at,
                c.next_attempt_at,
            )
            .select_from(OUTBOX.outerjoin(TeamRecord, TeamRecord.id == c.team_pk))
            .where(*where)
            .order_by(c.created_at.desc(), c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        waiting = {EmailStatus.PENDING.value, EmailStatus.SENDING.value}
        views = [
            OutboxEmailView(
                id=row.id,
                kind=row.kind,
                recipient=row.recipient,
                team_id=row.team_id,
                status=row.status,
                attempts=row.attempts,
                last_error=row.last_error,
                created_at=row.created_at,
                sent_at=row.sent_at,
                next_attempt_at=row.next_attempt_at if row.status in waiting else None,
            )
            for row in rows
        ]
        return views, int(total)


class SqlTeamEmailReader:
    """`TeamEmailReader`: a team with its church and roster, for composing its email again."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def snapshot(self, team_id: str) -> TeamEmailSnapshot | None:
        row = (
            await self._session.execute(
                select(TeamRecord, ChurchRecord.name)
                .join(ChurchRecord, ChurchRecord.id == TeamRecord.church_id)
                .where(TeamRecord.team_id == team_id)
            )
        ).first()
        if row is None:
            return None
        team, church_name = row
        players = (
            await self._session.execute(
                select(PlayerRecord.player_id, PlayerRecord.name, PlayerRecord.role)
                .where(PlayerRecord.team_pk == team.id)
                .order_by(PlayerRecord.position)
            )
        ).all()
        return TeamEmailSnapshot(
            team_pk=team.id,
            team_id=team.team_id,
            team_name=team.name,
            church_name=church_name,
            captain_name=team.captain_name,
            captain_email=team.captain_email,
            status=team.status,
            status_reason=team.status_reason,
            submitted_at=team.submitted_at,
            players=tuple(RosterEntry(p.player_id, p.name, p.role) for p in players),
        )


class SqlEmailUnitOfWork(SqlUnitOfWork):
    """`EmailUnitOfWork`: teams, outbox and audit log in one transaction."""

    teams: SqlTeamEmailReader
    outbox: SqlOutboxWriter
    audit: SqlAuditLog
    emails: SqlOutboxReader

    def _bind(self, session: AsyncSession) -> None:
        self.teams = SqlTeamEmailReader(session)
        self.outbox = SqlOutboxWriter(session)
        self.audit = SqlAuditLog(session)
        self.emails = SqlOutboxReader(session)
