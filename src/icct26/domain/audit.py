"""Audit entries: who changed what, from where, and why. Every admin mutation writes one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a change, with the request it came from."""

    user_id: int | None
    email: str
    ip: str | None = None
    request_id: str | None = None


SYSTEM_ACTOR = Actor(user_id=None, email="system")


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: Actor
    action: str  # e.g. "team.confirm", "match.finish", "church.update"
    target_type: str  # "team", "match", "church", "gallery_image", "admin_user", "email"
    target_id: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class AuditLog(Protocol):
    """Appends entries inside the caller's transaction, so a change and its audit row commit together."""

    def record(self, entry: AuditEntry) -> None: ...
