"""The outbox writers (registration, review and re-send each declare one): emails owed, written in the
transaction of the change that causes them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from icct26.domain.email import EmailKind


@dataclass(frozen=True, slots=True)
class QueuedEmail:
    kind: str  # registration_received | team_confirmed | team_rejected
    recipient: str
    team_pk: int | None
    context: dict[str, Any]


class FakeOutbox:
    """Satisfies all three outbox ports: `kind` as text or `EmailKind`, arguments by position or name."""

    def __init__(self, rows: list[QueuedEmail]) -> None:
        self._rows = rows

    async def enqueue(
        self, kind: EmailKind, recipient: str, team_pk: int | None, context: dict[str, Any]
    ) -> None:
        self._rows.append(QueuedEmail(str(kind), recipient, team_pk, context))
