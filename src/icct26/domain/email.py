"""Transactional email: what is owed to whom, and the ports that deliver it.

An email is a row in the outbox, written in the transaction of the change that causes it; a worker
claims due rows, composes the message, hands it to a `MailSender` and records the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum
from typing import Any, Protocol, Self

from icct26.domain.audit import AuditLog


class EmailKind(StrEnum):
    REGISTRATION_RECEIVED = "registration_received"
    TEAM_CONFIRMED = "team_confirmed"
    TEAM_REJECTED = "team_rejected"
    CHANGES_REQUESTED = "changes_requested"
    TEAM_AMENDED = "team_amended"
    TEAM_WITHDRAWN = "team_withdrawn"
    TEAM_PROMOTED = "team_promoted"
    CAPTAIN_LINK = "captain_link"


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class OutboxEmail:
    """A claimed outbox row. `attempts` counts this attempt; `lease` is the claim's token."""

    id: int
    kind: str
    recipient: str
    context: Mapping[str, Any]
    attempts: int
    created_at: datetime
    lease: datetime


def message_id_for(email_id: int, created_at: datetime, domain: str) -> str:
    """The Message-ID of an outbox row: the same on every attempt, so a crash-retry is detectable."""
    return f"<icct26.outbox.{email_id}.{int(created_at.timestamp())}@{domain}>"


# --- delivery outcomes -----------------------------------------------------------------------------


class DeliveryError(Exception):
    """Sending failed; `str(error)` is a short, log-safe reason stored as `last_error`."""


class TransientDeliveryError(DeliveryError):
    """Worth retrying later (server down, timeout, 4xx)."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (recipient refused, template cannot render)."""


class SenderUnavailable(DeliveryError):
    """The sender refused without trying (circuit open); retry at `retry_at`, not an attempt."""

    def __init__(self, reason: str, retry_at: datetime) -> None:
        super().__init__(reason)
        self.retry_at = retry_at


# --- ports -----------------------------------------------------------------------------------------


class MailSender(Protocol):
    """Delivers one composed message (SMTP, or `.eml` files for development)."""

    name: str

    async def send(self, message: EmailMessage) -> None:
        """Deliver `message` or raise a `DeliveryError` subclass."""
        ...


class EmailComposer(Protocol):
    """Turns an outbox row into a message (subject, HTML and plain text, stable Message-ID)."""

    def compose(self, email: OutboxEmail) -> EmailMessage:
        """Raise `PermanentDeliveryError` when the row cannot be rendered."""
        ...


class OutboxStore(Protocol):
    """The outbox table. Each method is its own short transaction; outcomes are guarded by the lease,
    so a worker never overwrites a row another worker has since claimed."""

    async def claim_due(self, limit: int, lease: timedelta) -> list[OutboxEmail]:
        """Mark up to `limit` due rows `sending` (attempts + 1) and return them; skips rows other
        workers hold. Rows left in `sending` past their lease (a crashed worker) are due again."""
        ...

    async def mark_sent(self, email: OutboxEmail, message_id: str) -> None: ...

    async def reschedule(self, email: OutboxEmail, delay: timedelta, error: str) -> None:
        """Back to `pending` after `delay`; the attempt counts."""
        ...

    async def defer(self, emails: Sequence[OutboxEmail], delay: timedelta, error: str | None) -> None:
        """Back to `pending` after `delay` without counting the attempt (nothing was tried)."""
        ...

    async def mark_failed(self, email: OutboxEmail, error: str) -> None: ...


# --- team emails -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterEntry:
    player_id: str
    name: str
    role: str | None


@dataclass(frozen=True, slots=True)
class TeamEmailSnapshot:
    """What the team emails show, read from the current state of a team."""

    team_pk: int
    team_id: str
    team_name: str
    church_name: str
    captain_name: str
    captain_email: str
    status: str  # pending | confirmed | rejected
    status_reason: str | None
    submitted_at: datetime
    players: Sequence[RosterEntry] = field(default_factory=tuple)


def _roster(snapshot: TeamEmailSnapshot) -> list[dict[str, Any]]:
    return [{"player_id": p.player_id, "name": p.name, "role": p.role} for p in snapshot.players]


def email_for_team(snapshot: TeamEmailSnapshot) -> tuple[EmailKind, dict[str, Any]]:
    """The email matching a team's current status, with the context keys the templates use."""
    base = {
        "team_id": snapshot.team_id,
        "team_name": snapshot.team_name,
        "church_name": snapshot.church_name,
        "captain_name": snapshot.captain_name,
    }
    if snapshot.status == "confirmed":
        return EmailKind.TEAM_CONFIRMED, {**base, "players": _roster(snapshot)}
    if snapshot.status == "rejected":
        return EmailKind.TEAM_REJECTED, {**base, "reason": snapshot.status_reason}
    if snapshot.status == "withdrawn":
        return EmailKind.TEAM_WITHDRAWN, {**base, "reason": snapshot.status_reason}
    return EmailKind.REGISTRATION_RECEIVED, {
        **base,
        "waitlisted": snapshot.status == "waitlisted",
        "player_count": len(snapshot.players),
        "players": _roster(snapshot),
        "submitted_at": snapshot.submitted_at.isoformat(),
    }


@dataclass(frozen=True, slots=True)
class OutboxEmailView:
    """One outbox row as organisers see it."""

    id: int
    kind: str
    recipient: str
    team_id: str | None
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


class TeamEmailReader(Protocol):
    async def snapshot(self, team_id: str) -> TeamEmailSnapshot | None:
        """The team with this team ID, or None."""
        ...


class OutboxWriter(Protocol):
    """The one way to owe an email: written in the caller's transaction, committed (or rolled back)
    with the change that causes it, delivered later by the outbox worker."""

    async def enqueue(
        self, kind: EmailKind, recipient: str, team_pk: int | None, context: dict[str, Any]
    ) -> None:
        """Add an email to the outbox in the current transaction."""
        ...


class EmailUnitOfWork(Protocol):
    """One transaction over teams, the outbox and the audit log (re-sending a team's email)."""

    @property
    def teams(self) -> TeamEmailReader: ...

    @property
    def outbox(self) -> OutboxWriter: ...

    @property
    def audit(self) -> AuditLog: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...


class OutboxReader(Protocol):
    async def page(
        self, status: EmailStatus | None, offset: int, limit: int
    ) -> tuple[list[OutboxEmailView], int]:
        """Newest first; returns (rows, total matching)."""
        ...
