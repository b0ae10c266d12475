"""SMTP delivery with aiosmtplib, behind the "smtp" circuit breaker.

SMTP_SECURITY: `starttls` (upgrade required), `tls` (implicit TLS, usually port 465) or `none`.
While the breaker is open a send fails fast with `SenderUnavailable` without touching the server,
so the outbox row is deferred rather than counted as a failed attempt.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from typing import Literal

import aiosmtplib
from aiosmtplib import SMTPException, SMTPRecipientsRefused

from icct26.adapters.resilience import Breaker, BreakerOpenError, RetryPolicy, smtp_connect_retry
from icct26.config import SmtpSettings
from icct26.domain.email import PermanentDeliveryError, SenderUnavailable, TransientDeliveryError

BREAKER_NAME = "smtp"
REASON_MAX_CHARS = 300


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    security: Literal["starttls", "tls", "none"]
    timeout_seconds: float
    username: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, settings: SmtpSettings) -> SmtpConfig:
        return cls(
            host=settings.host,
            port=settings.port,
            security=settings.security,
            timeout_seconds=settings.timeout_seconds,
            username=settings.username,
            password=settings.password,
        )


def describe(exc: BaseException | None) -> str:
    """A short reason for `last_error` and logs (the server's reply when it gave one)."""
    if exc is None:
        return "unknown error"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}"[:REASON_MAX_CHARS] if text else type(exc).__name__


def _all_permanent(exc: SMTPRecipientsRefused) -> bool:
    return bool(exc.recipients) and all(r.code >= 500 for r in exc.recipients)


def recipient_refusal(exc: BaseException) -> bool:
    """The server answered and refused the address: the server is healthy, the breaker ignores it."""
    return isinstance(exc, SMTPRecipientsRefused)


class SmtpSender:
    """`MailSender` over SMTP. One connection per message; connect failures retried once."""

    name = "smtp"

    def __init__(self, config: SmtpConfig, breaker: Breaker, retry: RetryPolicy | None = None) -> None:
        self.config = config
        self.breaker = breaker
        self.retry = retry or smtp_connect_retry()

    async def send(self, message: EmailMessage) -> None:
        try:
            await self.retry.call(lambda: self.breaker.call(self._send_once, message))
        except BreakerOpenError as exc:
            if exc.tripped:  # this attempt reached the server and its failure opened the breaker
                raise TransientDeliveryError(describe(exc.cause)) from exc
            raise SenderUnavailable("SMTP circuit breaker is open", exc.retry_at) from exc
        except SMTPRecipientsRefused as exc:
            if _all_permanent(exc):
                raise PermanentDeliveryError(describe(exc.recipients[0])) from exc
            raise TransientDeliveryError(describe(exc)) from exc
        except (SMTPException, OSError, TimeoutError) as exc:
            raise TransientDeliveryError(describe(exc)) from exc

    async def _send_once(self, message: EmailMessage) -> None:
        c = self.config
        await aiosmtplib.send(
            message,
            hostname=c.host,
            port=c.port,
            username=c.username or None,
            password=c.password or None,
            use_tls=c.security == "tls",
            start_tls=c.security == "starttls",
            timeout=c.timeout_seconds,
        )
