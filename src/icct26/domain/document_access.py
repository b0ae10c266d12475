"""Who looked at which document: every view through a signed link is recorded (SPEC §6.7).

ID documents are sensitive personal data; organisers must be able to answer "who opened this
player's Aadhaar card, and when".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class DocumentView:
    """One document served: the stored object, the staff account the link was minted for, and the
    request that fetched it."""

    storage_key: str
    at: datetime
    viewer_id: int | None
    ip: str | None
    request_id: str | None


@dataclass(frozen=True, slots=True)
class DocumentAccessEntry:
    """A recorded view as organisers read it. Team, player and document kind are resolved when the
    view is written, so the record outlives the document (purges keep it)."""

    id: int
    at: datetime
    actor_id: int | None
    actor_email: str | None
    team_id: str | None
    player_id: str | None
    document: str | None  # pastor_letter | payment_receipt | group_photo | aadhar | subscription
    ip: str | None
    request_id: str | None


class DocumentAccessLog(Protocol):
    async def append(self, views: Sequence[DocumentView]) -> None:
        """Record `views` in one transaction, with the team, player, document kind and staff email
        as they are now (so the record outlives a purge or a deleted account)."""
        ...

    async def page(
        self, team_id: str | None, page: int, page_size: int
    ) -> tuple[list[DocumentAccessEntry], int]:
        """Newest first, optionally of one team; and how many there are in total."""
        ...
