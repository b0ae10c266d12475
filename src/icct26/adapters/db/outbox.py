"""Writing to the email outbox. Call inside the transaction of the change that owes the email."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.models import OutboxEmailRecord
from icct26.domain.email import EmailKind

EMAIL_KINDS = frozenset(kind.value for kind in EmailKind)


class SqlOutboxWriter:
    """`OutboxWriter` on a session: the row commits (or rolls back) with the session's other changes."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def enqueue(self, kind: EmailKind, recipient: str, team_pk: int | None, context: dict[str, Any]) -> None:
        enqueue_email(self._session, kind=kind.value, recipient=recipient, team_pk=team_pk, context=context)


def enqueue_email(
    session: AsyncSession, *, kind: str, recipient: str, team_pk: int | None, context: dict[str, Any]
) -> OutboxEmailRecord:
    """Add one outbox row to `session` (committed, or rolled back, with the caller's change)."""
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown email kind {kind!r}")
    record = OutboxEmailRecord(
        kind=kind,
        recipient=recipient,
        team_pk=team_pk,
        context=context,
        status="pending",
        attempts=0,
        next_attempt_at=datetime.now(UTC),
    )
    session.add(record)
    return record
