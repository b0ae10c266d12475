"""Review use cases: list and inspect registrations, confirm or reject them, read the audit log."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from icct26.domain.admin.errors import team_not_found
from icct26.domain.admin.ports import AdminUnitOfWork, AdminUnitOfWorkFactory
from icct26.domain.admin.views import (
    MAX_PAGE_SIZE,
    Page,
    PlayerView,
    TeamQuery,
    TeamSummary,
    TeamView,
)
from icct26.domain.audit import SYSTEM_ACTOR, Actor, AuditEntry
from icct26.domain.email import EmailKind
from icct26.domain.errors import ErrorCode, FieldError, NotFound, ValidationFailed
from icct26.domain.registration import StatusChange, TeamStatus, church_key, plan_transition
from icct26.services.document_links import DocumentLinks
from icct26.services.waitlist import WaitingListPromoter

UnitOfWorkFactory = AdminUnitOfWorkFactory

_EMAIL_KIND = {TeamStatus.CONFIRMED: EmailKind.TEAM_CONFIRMED, TeamStatus.REJECTED: EmailKind.TEAM_REJECTED}
_ACTION = {TeamStatus.CONFIRMED: "team.confirm", TeamStatus.REJECTED: "team.reject"}


@dataclass(frozen=True, slots=True)
class LinkedTeam:
    team: TeamView
    links: dict[str, str]  # document kind -> signed URL


class ListedTeam(NamedTuple):
    """A team of the review list with its document links (None when absent)."""

    team: TeamSummary
    payment_receipt: str | None
    pastor_letter: str | None
    group_photo: str | None


@dataclass(frozen=True, slots=True)
class LinkedPlayer:
    player: PlayerView
    links: dict[str, str]


@dataclass(frozen=True, slots=True)
class LinkedTeamDetail:
    team: LinkedTeam
    players: list[LinkedPlayer]


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    team_id: str
    status: TeamStatus
    changed: bool  # False: the team was already there (idempotent repeat, no email sent)
    message: str


def normalise_team_id(raw: str) -> str:
    return raw.strip().upper()


def check_page(page: int, page_size: int) -> None:
    errors = []
    if page < 1:
        errors.append(FieldError("page", "too_small", "page must be at least 1"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", "out_of_range", f"page_size must be 1..{MAX_PAGE_SIZE}"))
    if errors:
        raise ValidationFailed(errors)


class TeamReviewService:
    """What organisers do with registrations. Every status change is audited and emailed."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        links: DocumentLinks,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        promoter: WaitingListPromoter | None = None,
    ) -> None:
        self._uow = uow
        self._links = links
        self._clock = clock
        self._promoter = promoter

    async def _linked(self, team: TeamView, base_url: str, viewer: Actor | None) -> LinkedTeam:
        return LinkedTeam(team, await self._links.for_team(team, base_url, viewer))

    async def _linked_player(self, player: PlayerView, base_url: str, viewer: Actor | None) -> LinkedPlayer:
        return LinkedPlayer(player, await self._links.for_player(player, base_url, viewer))

    async def list_version(self) -> int:
        """Moves with every committed change the review list shows, on any instance (one lookup):
        a list built while this said N is current for as long as it still says N."""
        async with self._uow(read_only=True) as uow:
            return await uow.teams.list_version()

    async def list_teams(
        self,
        *,
        base_url: str,
        viewer: Actor | None = None,
        status: TeamStatus | None = None,
        search: str | None = None,
        church: str | None = None,
        page: int = 1,
        page_size: int = 500,
    ) -> Page[ListedTeam]:
        check_page(page, page_size)
        query = TeamQuery(
            status=status,
            search=(search or "").strip() or None,
            church=church_key(church) if church is not None and church.strip() else None,
            page=page,
            page_size=page_size,
        )
        async with self._uow(read_only=True) as uow:  # one statement (two for a page past the end)
            teams, total = await uow.teams.page(query)
        links = self._links.for_summary
        items = [ListedTeam(team, *await links(team, base_url, viewer)) for team in teams]
        return Page(items, total, page, page_size)

    async def team(self, team_id: str, *, base_url: str, viewer: Actor | None = None) -> LinkedTeamDetail:
        """The team with its roster; document links name `viewer` (the staff member asking)."""
        team_id = normalise_team_id(team_id)
        async with self._uow() as uow:
            detail = await uow.teams.detail(team_id)
        if detail is None:
            raise team_not_found(team_id)
        players = [await self._linked_player(p, base_url, viewer) for p in detail.players]
        return LinkedTeamDetail(await self._linked(detail.team, base_url, viewer), players)

    async def public_team(self, team_id: str) -> tuple[TeamView, list[PlayerView]]:
        """A confirmed team without links (the public view shows no documents).

        Pending and rejected registrations are "not found", as in the public list: their names,
        church and roster are the captain's business until the organisers confirm them.
        """
        team_id = normalise_team_id(team_id)
        async with self._uow() as uow:
            detail = await uow.teams.detail(team_id)
        if detail is None or detail.team.status is not TeamStatus.CONFIRMED:
            raise team_not_found(team_id)
        return detail.team, detail.players

    async def player(
        self, player_id: str, *, base_url: str, viewer: Actor | None = None
    ) -> tuple[LinkedPlayer, LinkedTeam]:
        player_id = player_id.strip().upper()
        async with self._uow() as uow:
            found = await uow.teams.player(player_id)
        if found is None:
            raise NotFound(ErrorCode.PLAYER_NOT_FOUND, f"No player has ID {player_id}")
        player, team = found
        return (
            await self._linked_player(player, base_url, viewer),
            await self._linked(team, base_url, viewer),
        )

    async def confirm(self, team_id: str, actor: Actor) -> ReviewOutcome:
        return await self._review(normalise_team_id(team_id), TeamStatus.CONFIRMED, actor, None)

    async def reject(self, team_id: str, actor: Actor, reason: str | None) -> ReviewOutcome:
        """Reject a pending team (reason optional) or a confirmed one (reason required)."""
        return await self._review(normalise_team_id(team_id), TeamStatus.REJECTED, actor, reason)

    async def _review(
        self, team_id: str, target: TeamStatus, actor: Actor, reason: str | None
    ) -> ReviewOutcome:
        async with self._uow() as uow:
            if target == TeamStatus.REJECTED:
                # A rejection may free a slot: the active-set lock comes first, as in every leave.
                await uow.waitlist.lock()
            # Row lock: two organisers clicking at once give one change, one email, one audit row.
            team = await uow.teams.lock_for_review(team_id)
            if team is None:
                raise team_not_found(team_id)
            change = plan_transition(team.status, target, reason)
            if change is None:
                message = f"Team {team_id} is already {team.status.value}; nothing changed"
                return ReviewOutcome(team_id, team.status, changed=False, message=message)
            await uow.teams.set_status(team.pk, change.to_status, change.reason, self._clock(), actor.email)
            await uow.outbox.enqueue(
                kind=_EMAIL_KIND[change.to_status],
                recipient=team.captain.email,
                team_pk=team.pk,
                context=await self._email_context(uow, team, change),
            )
            uow.audit.record(
                AuditEntry(
                    actor=actor,
                    action=_ACTION[change.to_status],
                    target_type="team",
                    target_id=team_id,
                    before={"status": team.status.value, "status_reason": team.status_reason},
                    after={"status": change.to_status.value, "status_reason": change.reason},
                    reason=change.reason,
                )
            )
            if change.frees_slot and self._promoter is not None:
                await self._promoter.promote(uow, SYSTEM_ACTOR)
            await uow.commit()
        verb = "confirmed" if change.to_status == TeamStatus.CONFIRMED else "rejected"
        message = f"Team {team_id} {verb}; the captain will be notified by email"
        return ReviewOutcome(team_id, change.to_status, changed=True, message=message)

    @staticmethod
    async def _email_context(uow: AdminUnitOfWork, team: TeamView, change: StatusChange) -> dict[str, Any]:
        context: dict[str, Any] = {
            "team_id": team.team_id,
            "team_name": team.name,
            "church_name": team.church_name,
            "captain_name": team.captain.name,
        }
        if change.to_status == TeamStatus.CONFIRMED:
            roster = await uow.teams.roster(team.pk)
            context["players"] = [{"player_id": p.player_id, "name": p.name, "role": p.role} for p in roster]
        else:
            context["reason"] = change.reason or ""
        return context
