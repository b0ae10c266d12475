"""Read models of the review workflow: what organisers see about teams, players and documents.

Repositories build these from the database in a bounded number of queries; use cases add the
signed document links; the HTTP adapter maps them to the wire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, NamedTuple, TypeVar

from icct26.domain.registration import TeamStatus

T = TypeVar("T")

MAX_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A stored document: where it is and what it is (never its bytes)."""

    kind: str  # pastor_letter | payment_receipt | group_photo | aadhar | subscription
    storage_key: str
    extension: str  # "pdf", "png", "jpg"


@dataclass(frozen=True, slots=True)
class ContactView:
    name: str
    phone: str
    email: str
    whatsapp: str | None


@dataclass(frozen=True, slots=True)
class TeamView:
    pk: int
    team_id: str
    name: str
    church_name: str
    captain: ContactView
    vice_captain: ContactView
    player_count: int
    status: TeamStatus
    status_reason: str | None
    status_changed_at: datetime | None
    status_changed_by: str | None
    submitted_at: datetime
    documents: Mapping[str, DocumentRef] = field(default_factory=dict)  # team documents by kind
    # When every document of the team was deleted (rejected long ago, or kept no longer after the
    # tournament); None while they are kept.
    documents_purged_at: datetime | None = None
    review_notes: str = ""  # the change request's items, one "document (player): note" per line
    review_deadline: datetime | None = None


class TeamSummary(NamedTuple):
    """A team as the review list shows it: what the dashboard's card reads (FRONTEND_CONTRACT §2.3),
    and its three team documents (key and extension; None when absent).

    A flat tuple rather than a `TeamView`: a list page holds up to 1,000 teams, and a tuple whose
    fields follow the query's columns is built from a row in one step (`TeamSummary._make`), where
    a view with nested contacts and documents cost more than the rest of the request.
    """

    team_id: str
    name: str
    church_name: str
    captain_name: str
    captain_phone: str
    captain_email: str
    captain_whatsapp: str | None
    vice_name: str
    vice_phone: str
    vice_email: str
    vice_whatsapp: str | None
    player_count: int
    status: str  # a TeamStatus value
    submitted_at: datetime
    payment_receipt_key: str | None
    payment_receipt_extension: str | None
    pastor_letter_key: str | None
    pastor_letter_extension: str | None
    group_photo_key: str | None
    group_photo_extension: str | None

    @classmethod
    def of(cls, team: TeamView) -> TeamSummary:
        """The summary of a full view."""
        cap, vice = team.captain, team.vice_captain
        documents = (_key_and_extension(team.documents.get(kind)) for kind in TEAM_DOCUMENT_KINDS)
        return cls(
            team.team_id,
            team.name,
            team.church_name,
            cap.name,
            cap.phone,
            cap.email,
            cap.whatsapp,
            vice.name,
            vice.phone,
            vice.email,
            vice.whatsapp,
            team.player_count,
            team.status.value,
            team.submitted_at,
            *(part for document in documents for part in document),
        )


TEAM_DOCUMENT_KINDS = ("payment_receipt", "pastor_letter", "group_photo")  # TeamSummary's order


def _key_and_extension(ref: DocumentRef | None) -> tuple[str | None, str | None]:
    return (None, None) if ref is None else (ref.storage_key, ref.extension)


@dataclass(frozen=True, slots=True)
class PlayerView:
    pk: int
    player_id: str
    position: int
    name: str
    role: str | None
    documents: Mapping[str, DocumentRef] = field(default_factory=dict)  # aadhar, subscription


@dataclass(frozen=True, slots=True)
class TeamDetail:
    team: TeamView
    players: list[PlayerView]


@dataclass(frozen=True, slots=True)
class TeamQuery:
    """Filters of the review list; `church` matches by church key, `search` is a substring."""

    status: TeamStatus | None = None
    search: str | None = None
    church: str | None = None
    page: int = 1
    page_size: int = 500

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


@dataclass(frozen=True, slots=True)
class AuditView:
    id: int
    at: datetime
    actor_id: int | None
    actor_email: str
    action: str
    target_type: str
    target_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None
    ip: str | None
    request_id: str | None


@dataclass(frozen=True, slots=True)
class ChurchView:
    id: int
    name: str
    key: str
    max_teams: int | None
    active_teams: int
    total_teams: int
    created_at: datetime | None = None

    def summary(self) -> dict[str, object]:
        return {"name": self.name, "key": self.key, "max_teams": self.max_teams}


@dataclass(frozen=True, slots=True)
class ExportRecord:
    """One team with one of its players (or None for a team without players), for exports."""

    team: TeamView
    player: PlayerView | None
