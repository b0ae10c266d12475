"""Email: which backend sends, the sender address, and the SMTP server with its breaker."""

from __future__ import annotations

from typing import Literal

import msgspec

from icct26.config.group import ConfigError, Group, Positive, prefixed


class SmtpSettings(Group, frozen=True, rename=prefixed("SMTP_")):
    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    security: Literal["starttls", "tls", "none"] = "starttls"
    timeout_seconds: float = 10.0
    breaker_fail_max: Positive = 5
    breaker_reset_seconds: float = 60.0


class MailSettings(Group, frozen=True):
    backend: Literal["auto", "smtp", "file"] = msgspec.field(default="auto", name="EMAIL_BACKEND")
    from_address: str = msgspec.field(default="ICCT26 <no-reply@icct26.local>", name="MAIL_FROM")
    smtp: SmtpSettings = msgspec.field(default_factory=SmtpSettings)

    @property
    def effective_backend(self) -> Literal["smtp", "file"]:
        if self.backend == "auto":
            return "smtp" if self.smtp.host else "file"
        return self.backend

    def check(self) -> None:
        if self.backend == "smtp" and not self.smtp.host:
            raise ConfigError("SMTP_HOST: required when EMAIL_BACKEND=smtp")
