"""Email use cases: deliver what the outbox owes, list it for organisers, and re-send a team's email.

Delivery never loses an email: a row is only finished by `sent` (the server accepted it) or `failed`
(after OUTBOX_MAX_ATTEMPTS attempts, or a permanent refusal); every other outcome puts it back to
`pending` with a later `next_attempt_at`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from loguru import logger

from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.email import (
    EmailComposer,
    EmailKind,
    EmailStatus,
    EmailUnitOfWork,
    MailSender,
    OutboxEmail,
    OutboxEmailView,
    OutboxReader,
    OutboxStore,
    PermanentDeliveryError,
    SenderUnavailable,
    TransientDeliveryError,
    email_for_team,
)
from icct26.domain.errors import ErrorCode, FieldError, NotFound, ValidationFailed

if TYPE_CHECKING:
    from collections.abc import Sequence


@dataclass
class DeliveryReport:
    """What one round of delivery did."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0


class OutboxDelivery:
    """Claims due emails, composes and sends them, records each outcome.

    Safe to run in several processes at once: claiming commits before sending, and rows other
    workers hold are skipped.
    """

    def __init__(
        self,
        store: OutboxStore,
        composer: EmailComposer,
        sender: MailSender,
        *,
        max_attempts: int,
        backoff: Callable[[int], timedelta],
        lease: timedelta,
    ) -> None:
        self.store = store
        self.composer = composer
        self.sender = sender
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.lease = lease

    async def deliver_due(
        self, limit: int, should_stop: Callable[[], bool] = lambda: False
    ) -> DeliveryReport:
        """One round: claim up to `limit` due emails and deliver them one by one.

        When `should_stop()` turns true, the current send finishes and the rest of the claim is
        handed back at once (not left to wait for its lease).
        """
        report = DeliveryReport()
        claimed = await self.store.claim_due(limit, self.lease)
        report.claimed = len(claimed)
        for index, email in enumerate(claimed):
            if should_stop():
                await self.store.defer(claimed[index:], timedelta(0), None)
                report.deferred += len(claimed) - index
                break
            try:
                await self._deliver(email, report)
            except SenderUnavailable as exc:
                rest = claimed[index:]
                delay = max(exc.retry_at - datetime.now(UTC), timedelta(0))
                await self.store.defer(rest, delay, str(exc))
                report.deferred += len(rest)
                logger.warning("mail sender unavailable; {} email(s) wait {}", len(rest), delay)
                break
        return report

    async def _deliver(self, email: OutboxEmail, report: DeliveryReport) -> None:
        try:
            message = self.composer.compose(email)
            await self.sender.send(message)
        except SenderUnavailable:
            raise
        except PermanentDeliveryError as exc:
            await self._fail(email, str(exc), report)
        except TransientDeliveryError as exc:
            await self._retry_or_fail(email, str(exc), report)
        except Exception as exc:  # an unexpected sender bug must not lose the email either
            logger.opt(exception=exc).error("unexpected error delivering outbox email {}", email.id)
            await self._retry_or_fail(email, f"{type(exc).__name__}: unexpected error", report)
        else:
            message_id = str(message["Message-ID"])
            await self.store.mark_sent(email, message_id)
            report.sent += 1
            logger.info("outbox email sent", outbox_id=email.id, kind=email.kind, sender=self.sender.name)

    async def _retry_or_fail(self, email: OutboxEmail, error: str, report: DeliveryReport) -> None:
        if email.attempts >= self.max_attempts:
            await self._fail(email, f"{error} (gave up after {email.attempts} attempts)", report)
            return
        delay = self.backoff(email.attempts)
        await self.store.reschedule(email, delay, error)
        report.retried += 1
        logger.warning(
            "outbox email {} attempt {} failed, retrying in {}: {}", email.id, email.attempts, delay, error
        )

    async def _fail(self, email: OutboxEmail, error: str, report: DeliveryReport) -> None:
        await self.store.mark_failed(email, error)
        report.failed += 1
        logger.error("outbox email {} failed: {}", email.id, error)


# --- organisers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxPage:
    items: Sequence[OutboxEmailView]
    total: int
    page: int
    page_size: int


MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # keeps the row offset inside PostgreSQL's bigint


def parse_status(value: str | None) -> EmailStatus | None:
    if value is None or value.strip() == "":
        return None
    try:
        return EmailStatus(value.strip().lower())
    except ValueError:
        allowed = ", ".join(s.value for s in EmailStatus)
        raise ValidationFailed(
            [FieldError("status", "invalid_choice", f"status must be one of: {allowed}.")]
        ) from None


async def list_outbox(reader: OutboxReader, status: str | None, page: int, page_size: int) -> OutboxPage:
    """One page of the outbox, newest first, optionally filtered by status."""
    errors: list[FieldError] = []
    if not 1 <= page <= MAX_PAGE:
        errors.append(FieldError("page", "out_of_range", f"page must be 1 to {MAX_PAGE}."))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", "out_of_range", f"page_size must be 1 to {MAX_PAGE_SIZE}."))
    try:
        wanted = parse_status(status)
    except ValidationFailed as exc:
        errors.extend(exc.errors)
        wanted = None
    if errors:
        raise ValidationFailed(errors)
    items, total = await reader.page(wanted, (page - 1) * page_size, page_size)
    return OutboxPage(items, total, page, page_size)


@dataclass(frozen=True, slots=True)
class ResendResult:
    team_id: str
    kind: EmailKind


async def resend_team_email(
    uow_factory: Callable[[], EmailUnitOfWork], team_id: str, actor: Actor
) -> ResendResult:
    """Queue again the email matching the team's current status (received, confirmed, rejected)."""
    async with uow_factory() as uow:
        snapshot = await uow.teams.snapshot(team_id.strip())
        if snapshot is None:
            raise NotFound(ErrorCode.TEAM_NOT_FOUND, f"No team has the ID {team_id.strip()!r}.")
        kind, context = email_for_team(snapshot)
        await uow.outbox.enqueue(kind, snapshot.captain_email, snapshot.team_pk, context)
        uow.audit.record(
            AuditEntry(
                actor=actor,
                action="team.resend_email",
                target_type="team",
                target_id=snapshot.team_id,
                after={"email_kind": kind.value, "status": snapshot.status},
            )
        )
        await uow.commit()
    return ResendResult(snapshot.team_id, kind)
