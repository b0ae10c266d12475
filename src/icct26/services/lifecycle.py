"""The review loop: organisers ask for changes, captains answer through their personal link or
withdraw, and overdue requests expire. Every transition is audited and emailed; a team leaving the
active set lets the waiting list move up in the same transaction.

Replacement files are stored before the transaction (slow I/O holds no locks) and the files they
replace are deleted only after it commits; a failed transaction deletes the new files instead.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any, Protocol

from icct26.domain.admin.errors import team_not_found
from icct26.domain.admin.ports import AdminUnitOfWork
from icct26.domain.audit import SYSTEM_ACTOR, Actor, AuditEntry
from icct26.domain.email import EmailKind
from icct26.domain.errors import DomainError, ErrorCode, NotFound
from icct26.domain.ports import DocumentStore
from icct26.domain.registration import TeamStatus, check_upload, plan_transition
from icct26.domain.registration.form import form_error
from icct26.domain.registration.lifecycle import (
    RawReviewItem,
    ReviewItem,
    answer_items,
    parse_review_items,
    player_index,
    review_deadline,
)
from icct26.domain.registration.ports import (
    CaptainLinks,
    LifecycleTeam,
    PossibleDuplicate,
    StoredDocument,
    StoredUpload,
    TeamLifecycle,
)
from icct26.services.document_files import SpooledUpload, discard_documents, store_documents
from icct26.services.registration import utc_now
from icct26.services.waitlist import WaitingListPromoter, queue_position


class LifecycleUnitOfWork(AdminUnitOfWork, Protocol):
    @property
    def lifecycle(self) -> TeamLifecycle: ...

    async def __aenter__(self) -> LifecycleUnitOfWork: ...


UnitOfWorkFactory = Callable[[], LifecycleUnitOfWork]


@dataclass(frozen=True, slots=True)
class LifecyclePolicy:
    changes_deadline_days: int = 5
    max_file_bytes: int = 5 * 1024 * 1024
    timezone: tzinfo | None = None


@dataclass(frozen=True, slots=True)
class ChangeRequest:
    team_id: str
    status: TeamStatus
    deadline: datetime
    items: list[ReviewItem]


@dataclass(frozen=True)
class CaptainView:
    team: LifecycleTeam
    waitlist_position: int | None

    @property
    def open_items(self) -> list[ReviewItem]:
        """What the captain still has to send (nothing once the request is closed by a decision)."""
        if self.team.status != TeamStatus.CHANGES_REQUESTED:
            return []
        return [item for item in self.team.review_items if not item.answered]


@dataclass(frozen=True, slots=True)
class Amendment:
    status: TeamStatus
    items_remaining: int


@dataclass(frozen=True)
class ReviewExtras:
    """What the admin team view adds for the review loop."""

    items: list[ReviewItem]
    deadline: datetime | None
    documents: list[StoredDocument]
    possible_duplicates: list[PossibleDuplicate]


def link_not_found() -> NotFound:
    # One answer for a forged, expired, rotated or unknown link: nothing tells them apart.
    return NotFound(ErrorCode.NOT_FOUND, "This link is not valid. Ask the organisers for a new one.")


class TeamLifecycleService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        store: DocumentStore,
        links: CaptainLinks,
        promoter: WaitingListPromoter,
        policy: LifecyclePolicy,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._uow = uow
        self._store = store
        self._links = links
        self._promoter = promoter
        self._policy = policy
        self._clock = clock

    # --- organisers -----------------------------------------------------------------------------

    async def request_changes(
        self,
        team_id: str,
        actor: Actor,
        *,
        reason: str | None,
        items: Sequence[RawReviewItem],
        deadline: datetime | None,
    ) -> ChangeRequest:
        """pending -> changes_requested with the flagged documents and a deadline; emails the link."""
        team_id = team_id.strip().upper()
        async with self._uow() as uow:
            team = await uow.lifecycle.lock(team_id)
            if team is None:
                raise team_not_found(team_id)
            # Only a pending team can be sent back (the transition table): anything else is a 409.
            change = plan_transition(team.status, TeamStatus.CHANGES_REQUESTED, reason)
            assert change is not None
            parsed = parse_review_items(items, [p.player_id for p in team.players])
            now = self._clock()
            due = review_deadline(now, deadline, self._policy.changes_deadline_days)
            await uow.lifecycle.set_status(
                team.pk,
                TeamStatus.CHANGES_REQUESTED,
                reason=change.reason,
                at=now,
                by=actor.email,
                review_items=parsed,
                review_deadline=due,
            )
            self._audit(
                uow,
                actor,
                "team.changes_requested",
                team,
                TeamStatus.CHANGES_REQUESTED,
                change.reason,
                items=[_item_summary(item) for item in parsed],
                deadline=due.isoformat(),
            )
            await self._email(
                uow,
                EmailKind.CHANGES_REQUESTED,
                team,
                reason=change.reason,
                deadline=due.isoformat(),
                items=[self._item_context(team, item) for item in parsed],
            )
            await uow.commit()
        return ChangeRequest(team_id, TeamStatus.CHANGES_REQUESTED, due, parsed)

    async def rotate_captain_link(self, team_id: str, actor: Actor) -> str:
        """Invalidate every earlier captain link of the team and email the new one."""
        team_id = team_id.strip().upper()
        async with self._uow() as uow:
            team = await uow.lifecycle.lock(team_id)
            if team is None:
                raise team_not_found(team_id)
            version = await uow.lifecycle.bump_link_version(team.pk)
            uow.audit.record(
                AuditEntry(
                    actor,
                    "team.captain_link_rotated",
                    "team",
                    team.team_id,
                    before={"link_version": team.link_version},
                    after={"link_version": version},
                )
            )
            await self._email(uow, EmailKind.CAPTAIN_LINK, team, link_version=version)
            await uow.commit()
        return team_id

    async def review_extras(self, team_id: str) -> ReviewExtras:
        team_id = team_id.strip().upper()
        async with self._uow() as uow:
            review = await uow.lifecycle.review_of(team_id)
            if review is None:
                raise team_not_found(team_id)
            team_pk, items, deadline = review
            documents = await uow.lifecycle.documents(team_pk)
            duplicates = await uow.lifecycle.possible_duplicates(team_pk)
        return ReviewExtras(items, deadline, documents, duplicates)

    # --- captains ---------------------------------------------------------------------------------

    def check_link(self, token: str) -> None:
        """NOT_FOUND unless the token is signed by us and unexpired (the version is checked later)."""
        self._claims(token)

    def _claims(self, token: str) -> tuple[str, int]:
        claims = self._links.read(token)
        if claims is None:
            raise link_not_found()
        return claims

    @staticmethod
    def _check_version(team: LifecycleTeam | None, version: int) -> LifecycleTeam:
        if team is None or team.link_version != version:
            raise link_not_found()
        return team

    async def captain_view(self, token: str) -> CaptainView:
        team_id, version = self._claims(token)
        async with self._uow() as uow:
            team = self._check_version(await uow.lifecycle.find(team_id), version)
            position = None
            if team.status == TeamStatus.WAITLISTED:
                position = await queue_position(uow.waitlist, team.pk, self._promoter.policy)
        return CaptainView(team, position)

    def captain_link(self, team_id: str, version: int) -> str:
        return self._links.url(team_id, version)

    async def amend(self, token: str, files: Mapping[str, SpooledUpload], actor: Actor) -> Amendment:
        """Replace flagged documents; when every item is answered the team is pending again.

        Raises NOT_FOUND (bad link), INVALID_STATUS_TRANSITION (no open request), NOT_REQUESTED,
        VALIDATION_FAILED / INVALID_FILE_TYPE / FILE_TOO_LARGE (the registration's file checks)."""
        team_id, version = self._claims(token)
        uploads = {name: upload for name, upload in files.items() if not upload.info.is_absent}
        async with self._uow() as uow:  # a read first: refuse before storing anything
            team = self._check_version(await uow.lifecycle.find(team_id), version)
            self._check_amendable(team, list(uploads), self._clock())
        stored = await self._store_replacements(team, uploads)
        replaced: list[str] = []
        try:
            async with self._uow() as uow:
                team = self._check_version(await uow.lifecycle.lock(team_id), version)
                now = self._clock()
                items, answered = self._check_amendable(team, list(uploads), now)
                by_position = {p.position: p.pk for p in team.players}
                for upload in stored:
                    player_pk = by_position[upload.player_position] if upload.player_position else None
                    old = await uow.lifecycle.replace_document(team.pk, player_pk, upload, now)
                    if old is not None:
                        replaced.append(old)
                actor = Actor(None, f"captain:{team.team_id}", actor.ip, actor.request_id)
                uow.audit.record(
                    AuditEntry(
                        actor,
                        "team.amended",
                        "team",
                        team.team_id,
                        after={"replaced": [_item_summary(item) for item in answered]},
                    )
                )
                remaining = sum(1 for item in items if not item.answered)
                if remaining == 0:
                    await uow.lifecycle.set_status(
                        team.pk,
                        TeamStatus.PENDING,
                        reason=None,
                        at=now,
                        by=actor.email,
                        review_items=items,
                        review_deadline=None,
                    )
                    self._audit(uow, actor, "team.amended", team, TeamStatus.PENDING, None)
                    await self._email(uow, EmailKind.TEAM_AMENDED, team)
                else:
                    await uow.lifecycle.save_review_items(team.pk, items)
                await uow.commit()
        except BaseException:
            await asyncio.shield(discard_documents(self._store, [upload.storage_key for upload in stored]))
            raise
        await discard_documents(self._store, replaced)  # only now: the new files are committed
        status = TeamStatus.PENDING if remaining == 0 else TeamStatus.CHANGES_REQUESTED
        return Amendment(status, remaining)

    async def withdraw(self, token: str, reason: str | None, actor: Actor) -> TeamStatus:
        """The captain takes the team out (terminal); its slot goes to the waiting list."""
        team_id, version = self._claims(token)
        async with self._uow() as uow:
            await uow.waitlist.lock()
            team = self._check_version(await uow.lifecycle.lock(team_id), version)
            change = plan_transition(team.status, TeamStatus.WITHDRAWN, reason)
            if change is None:
                return TeamStatus.WITHDRAWN
            actor = Actor(None, f"captain:{team.team_id}", actor.ip, actor.request_id)
            await uow.lifecycle.set_status(
                team.pk, TeamStatus.WITHDRAWN, reason=change.reason, at=self._clock(), by=actor.email
            )
            self._audit(uow, actor, "team.withdrawn", team, TeamStatus.WITHDRAWN, change.reason)
            await self._email(uow, EmailKind.TEAM_WITHDRAWN, team, reason=change.reason)
            if change.frees_slot:
                await self._promoter.promote(uow, SYSTEM_ACTOR)
            await uow.commit()
        return TeamStatus.WITHDRAWN

    # --- the deadline job -------------------------------------------------------------------------

    async def sweep(self) -> None:
        """The periodic job: expire overdue change requests, then let the waiting list catch up with
        room that appeared without a team leaving (a church's limit raised, MAX_TEAMS_TOTAL raised)."""
        await self.expire_overdue()
        await self.promote_waiting()

    async def promote_waiting(self) -> int:
        """Promote every waiting team that fits now; returns how many."""
        async with self._uow() as uow:
            await uow.waitlist.lock()
            promoted = await self._promoter.promote(uow, SYSTEM_ACTOR)
            await uow.commit()
        return len(promoted)

    async def expire_overdue(self) -> int:
        """Reject changes_requested teams past their deadline; returns how many. Safe to run in several
        workers at once: each team row is taken by one of them (SKIP LOCKED)."""
        expired = 0
        while True:
            async with self._uow() as uow:
                await uow.waitlist.lock()
                team_ids = await uow.lifecycle.overdue(self._clock(), 1)
                if not team_ids:
                    return expired
                team = await uow.lifecycle.lock(team_ids[0])
                assert team is not None
                assert team.review_deadline is not None
                deadline = team.review_deadline.astimezone(self._policy.timezone)
                reason = f"No changes received by {deadline:%d %b %Y, %H:%M %Z}".strip()
                await uow.lifecycle.set_status(
                    team.pk,
                    TeamStatus.REJECTED,
                    reason=reason,
                    at=self._clock(),
                    by=SYSTEM_ACTOR.email,
                    review_items=team.review_items,
                    review_deadline=team.review_deadline,
                )
                self._audit(uow, SYSTEM_ACTOR, "team.expired", team, TeamStatus.REJECTED, reason)
                await self._email(uow, EmailKind.TEAM_REJECTED, team, reason=reason)
                await self._promoter.promote(uow, SYSTEM_ACTOR)
                await uow.commit()
                expired += 1

    # --- helpers ----------------------------------------------------------------------------------

    @staticmethod
    def _check_amendable(
        team: LifecycleTeam, fields: list[str], now: datetime
    ) -> tuple[list[ReviewItem], list[ReviewItem]]:
        if team.status != TeamStatus.CHANGES_REQUESTED:
            raise DomainError(
                ErrorCode.INVALID_STATUS_TRANSITION,
                f"No changes are requested for this team; it is {team.status.value}",
                extra={"current_status": team.status.value, "requested_status": "pending"},
            )
        if not fields:
            raise DomainError(ErrorCode.VALIDATION_FAILED, "Choose at least one file to upload")
        return answer_items(team.review_items, fields, now)

    async def _store_replacements(
        self, team: LifecycleTeam, uploads: Mapping[str, SpooledUpload]
    ) -> list[StoredUpload]:
        items = {item.form_field(): item for item in team.review_items}
        errors = []
        checked = []
        for name, upload in uploads.items():
            result = check_upload(upload.info, self._policy.max_file_bytes, "File")
            if isinstance(result, list):
                errors.extend(result)
            else:
                checked.append((items[name], upload, result))
        if errors:
            raise form_error(errors)
        batch = uuid.uuid4().hex
        stored = []
        for item, upload, file_type in checked:
            position = player_index(item.player_id) + 1 if item.player_id else None
            kind = item.document.kind
            label = f"{kind.value}-p{position:02d}" if position else kind.value
            stored.append(
                StoredUpload(
                    kind=kind,
                    player_position=position,
                    storage_key=f"teams/{batch}/{label}-{uuid.uuid4().hex}.{file_type.extension}",
                    content_type=file_type.content_type,
                    extension=file_type.extension,
                    size=upload.info.size,
                    sha256=upload.info.sha256,
                    original_name=upload.info.safe_filename,
                )
            )
        await store_documents(self._store, stored, [upload for _, upload, _ in checked])
        return stored

    @staticmethod
    def _audit(
        uow: AdminUnitOfWork,
        actor: Actor,
        action: str,
        team: LifecycleTeam,
        to: TeamStatus,
        reason: str | None,
        **after: Any,
    ) -> None:
        uow.audit.record(
            AuditEntry(
                actor=actor,
                action=action,
                target_type="team",
                target_id=team.team_id,
                before={"status": team.status.value, "status_reason": team.status_reason},
                after={"status": to.value, "status_reason": reason, **after},
                reason=reason,
            )
        )

    async def _email(
        self,
        uow: AdminUnitOfWork,
        kind: EmailKind,
        team: LifecycleTeam,
        *,
        link_version: int | None = None,
        **context: Any,
    ) -> None:
        await uow.outbox.enqueue(
            kind=kind,
            recipient=team.captain_email,
            team_pk=team.pk,
            context={
                "team_id": team.team_id,
                "team_name": team.name,
                "church_name": team.church_name,
                "captain_name": team.captain_name,
                "captain_link": self._links.url(team.team_id, link_version or team.link_version),
                **context,
            },
        )

    @staticmethod
    def _item_context(team: LifecycleTeam, item: ReviewItem) -> dict[str, Any]:
        player = next((p for p in team.players if p.player_id == item.player_id), None)
        return {**_item_summary(item), "player_name": player.name if player else None}


def _item_summary(item: ReviewItem) -> dict[str, Any]:
    return {"document": item.document.value, "player_id": item.player_id, "note": item.note}
