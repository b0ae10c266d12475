"""The waiting list moves up: after a team leaves the active set, the earliest waitlisted teams that
now fit become pending in the same transaction, audited and emailed.

Callers hold the active-set lock (`uow.waitlist.lock()`) from the start of their transaction, so two
leaves never promote into the same slot and positions are taken strictly in order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from icct26.domain.admin.ports import AdminUnitOfWork
from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.email import EmailKind
from icct26.domain.registration.lifecycle import teams_to_promote, waitlist_position
from icct26.domain.registration.ports import CaptainLinks, QueuedTeam, WaitingList


@dataclass(frozen=True, slots=True)
class WaitlistPolicy:
    """WAITLIST_ENABLED, the church default (MAX_TEAMS_PER_CHURCH) and MAX_TEAMS_TOTAL."""

    enabled: bool = True
    default_church_limit: int = 2
    max_total: int | None = None


async def queue_position(waitlist: WaitingList, team_pk: int, policy: WaitlistPolicy) -> int | None:
    """The team's live rank in its queue (None when it is not waiting)."""
    queue = await waitlist.queue()
    places = [entry.place for entry in queue]
    team = next((place for place in places if place.pk == team_pk), None)
    if team is None:
        return None
    capacity = await waitlist.capacity(
        {team.church_pk}, policy.default_church_limit, policy.max_total, lock=False
    )
    return waitlist_position(team, places, capacity)


class WaitingListPromoter:
    def __init__(self, policy: WaitlistPolicy, links: CaptainLinks, clock: Callable[[], datetime]) -> None:
        self.policy = policy
        self._links = links
        self._clock = clock

    async def promote(self, uow: AdminUnitOfWork, actor: Actor) -> list[QueuedTeam]:
        """Promote every waitlisted team that fits now, earliest first; returns them."""
        queue = await uow.waitlist.queue()
        if not queue:
            return []
        capacity = await uow.waitlist.capacity(
            {entry.place.church_pk for entry in queue},
            self.policy.default_church_limit,
            self.policy.max_total,
            lock=True,
        )
        chosen = {place.pk for place in teams_to_promote([entry.place for entry in queue], capacity)}
        promoted = [entry for entry in queue if entry.place.pk in chosen]
        at = self._clock()
        for entry in promoted:
            await uow.waitlist.promote(entry.place.pk, at)
            uow.audit.record(
                AuditEntry(
                    actor=actor,
                    action="team.promoted",
                    target_type="team",
                    target_id=entry.team_id,
                    before={"status": "waitlisted"},
                    after={"status": "pending"},
                    reason="A slot became free",
                )
            )
            await uow.outbox.enqueue(
                kind=EmailKind.TEAM_PROMOTED,
                recipient=entry.captain_email,
                team_pk=entry.place.pk,
                context={
                    "team_id": entry.team_id,
                    "team_name": entry.team_name,
                    "church_name": entry.church_name,
                    "captain_name": entry.captain_name,
                    "captain_link": self._links.url(entry.team_id, entry.link_version),
                },
            )
        return promoted
