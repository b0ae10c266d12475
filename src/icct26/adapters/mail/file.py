"""Development delivery: each email becomes an `.eml` file under DATA_DIR/outbox/ (and a log line).

The file name comes from the Message-ID, so delivering the same outbox row again rewrites the same
file instead of adding a second one.
"""

from __future__ import annotations

import asyncio
import os
import re
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from loguru import logger

from icct26.domain.email import TransientDeliveryError


def file_name_for(message: EmailMessage) -> str:
    message_id = str(message.get("Message-ID", "")).strip("<> ")
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", message_id) or "message"
    return f"{stem}.eml"


class FileSender:
    """`MailSender` writing RFC 5322 files; opens in any mail client."""

    name = "file"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def send(self, message: EmailMessage) -> None:
        target = self.directory / file_name_for(message)
        data = message.as_bytes(policy=SMTP)

        def write() -> None:
            self.directory.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            os.replace(partial, target)  # never a half-written .eml

        try:
            await asyncio.to_thread(write)
        except OSError as exc:
            raise TransientDeliveryError(f"{type(exc).__name__}: cannot write {target.name}") from exc
        logger.info(
            "email written to {} (to {}, subject {!r})", target, message.get("To"), message.get("Subject")
        )
