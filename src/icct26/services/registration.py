"""The public registration use case: a spooled form in, a pending team with its documents out.

Order matters: the form is validated first (every field error at once), files are stored in the
document store outside any transaction (slow I/O must not hold locks), then one short transaction
locks the church, checks the limit and duplicates, takes the next team number and inserts
everything. If anything fails after the copies, the stored files are deleted again. Under an
Idempotency-Key, the answer to replay is recorded in that same transaction (`RegistrationReceipt.recorded`).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from loguru import logger

from icct26.domain.email import EmailKind
from icct26.domain.errors import DomainError
from icct26.domain.idempotency import IdempotencyClaim
from icct26.domain.ports import DocumentStore
from icct26.domain.registration import (
    ChurchLimitPolicy,
    DraftUpload,
    RegistrationDraft,
    RegistrationWindow,
    RosterRules,
    TeamStatus,
    parse_registration_form,
)
from icct26.domain.registration.conflicts import duplicate_captain_email, duplicate_team, unknown_church
from icct26.domain.registration.lifecycle import check_tournament_capacity
from icct26.domain.registration.ports import (
    CaptainLinks,
    ChurchSlot,
    NewTeam,
    PublicTeam,
    RegistrationUnitOfWork,
    StoredUpload,
    TeamToAdd,
)
from icct26.services.document_files import SpooledUpload, discard_documents, store_documents
from icct26.services.waitlist import WaitlistPolicy, queue_position

Clock = Callable[[], datetime]
_YES = frozenset({"true", "1", "yes", "on"})
UnitOfWorkFactory = Callable[[], RegistrationUnitOfWork]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RegistrationPolicy:
    """The tournament's registration settings, as the use case needs them."""

    window: RegistrationWindow
    roster: RosterRules
    church_limit: ChurchLimitPolicy
    closed_registry: bool
    team_id_prefix: str
    timezone: tzinfo
    waitlist: WaitlistPolicy = field(default_factory=WaitlistPolicy)


@dataclass(frozen=True, slots=True)
class RegistrationReceipt:
    team_id: str
    team_name: str
    church_name: str
    player_count: int
    submitted_at: datetime
    status: TeamStatus = TeamStatus.PENDING
    waitlist_position: int | None = None

    def recorded(self) -> bytes:
        """The receipt as the registration's idempotent answer (JSON), committed with the team."""
        return json.dumps(
            {
                "team_id": self.team_id,
                "team_name": self.team_name,
                "church_name": self.church_name,
                "player_count": self.player_count,
                "submitted_at": self.submitted_at.isoformat(),
                "status": self.status.value,
                "waitlist_position": self.waitlist_position,
            }
        ).encode()

    @classmethod
    def from_recorded(cls, answer: bytes) -> RegistrationReceipt:
        data = json.loads(answer)
        return cls(
            data["team_id"],
            data["team_name"],
            data["church_name"],
            int(data["player_count"]),
            datetime.fromisoformat(data["submitted_at"]),
            # Answers recorded before the waiting list existed were all pending registrations.
            TeamStatus(data.get("status", TeamStatus.PENDING.value)),
            data.get("waitlist_position"),
        )


@dataclass(frozen=True, slots=True)
class RegistrationState:
    open: bool
    opens_at: datetime | None
    closes_at: datetime | None
    min_players: int
    max_players: int
    max_teams_per_church: int
    max_teams_total: int | None = None


def storage_key(batch: str, upload: DraftUpload) -> str:
    """Server-generated: the client's file name never reaches a path (it is kept only as metadata)."""
    kind = upload.kind.value
    if upload.player_position is not None:
        kind = f"{kind}-p{upload.player_position:02d}"
    return f"teams/{batch}/{kind}-{uuid.uuid4().hex}.{upload.file_type.extension}"


class RegistrationService:
    """Registers teams from the public form and answers the public registration questions."""

    def __init__(
        self,
        *,
        unit_of_work: UnitOfWorkFactory,
        store: DocumentStore,
        policy: RegistrationPolicy,
        clock: Clock = utc_now,
        captain_links: CaptainLinks | None = None,
    ) -> None:
        self._uow = unit_of_work
        self._store = store
        self._policy = policy
        self._clock = clock
        self._links = captain_links

    @property
    def policy(self) -> RegistrationPolicy:
        return self._policy

    def state(self) -> RegistrationState:
        policy = self._policy
        return RegistrationState(
            open=policy.window.is_open(self._clock()),
            opens_at=policy.window.opens_at,
            closes_at=policy.window.closes_at,
            min_players=policy.roster.min_players,
            max_players=policy.roster.max_players,
            max_teams_per_church=policy.church_limit.default_max_teams,
            max_teams_total=policy.waitlist.max_total,
        )

    async def active_teams(self) -> int:
        async with self._uow() as uow:
            return await uow.waitlist.active_total()

    async def confirmed_teams(self) -> list[PublicTeam]:
        async with self._uow() as uow:
            return await uow.teams.confirmed()

    async def register(
        self,
        fields: Mapping[str, str],
        files: Mapping[str, SpooledUpload],
        claim: IdempotencyClaim | None = None,
    ) -> RegistrationReceipt:
        """Validate, store the documents, and insert a pending team in one short transaction.

        Raises REGISTRATION_CLOSED, VALIDATION_FAILED (all field errors), UNKNOWN_CHURCH,
        CHURCH_LIMIT_REACHED, DUPLICATE_TEAM, DUPLICATE_CAPTAIN_EMAIL or STORAGE_UNAVAILABLE
        (and IDEMPOTENCY_IN_PROGRESS when `claim` was taken over by a later attempt).

        Under an Idempotency-Key `claim`, the receipt is recorded as the request's answer in the
        team's own transaction: a retry after a crash between the commit and the reply is replayed
        instead of meeting its own team as a duplicate.
        """
        self._policy.window.check(self._clock())
        draft = parse_registration_form(
            fields, {name: upload.info for name, upload in files.items()}, self._policy.roster
        )
        # A full church or tournament puts the team on the waiting list when the captain asked for it.
        may_wait = self._policy.waitlist.enabled and fields.get("waitlist", "").strip().lower() in _YES
        # Unless storing is cheaper than asking (local links), a read-only look first, so that a
        # request bound to fail uploads no files. The locked transaction below checks again anyway.
        known: bool | None = None  # whether the church exists, when the pre-check looked
        if not self._store.cheap_writes:
            async with self._uow() as uow:
                church_seen = await uow.churches.find(draft.church_key)
                self._refuse_unless_waiting(await self._check_capacity(uow, draft, church_seen), may_wait)
            known = church_seen is not None
        stored = await self._store_documents(draft, files)
        committing = False
        try:
            async with self._uow() as uow:
                if self._policy.waitlist.max_total is not None:
                    # The tournament-wide count must not move until this commits (as every leave does).
                    await uow.waitlist.lock()
                church = await self._lock_church(uow, draft, known=known)
                full = await self._check_capacity(uow, draft, church)
                self._refuse_unless_waiting(full, may_wait)
                status = TeamStatus.WAITLISTED if full is not None else TeamStatus.PENDING
                submitted_at = self._clock()
                prefix = self._policy.team_id_prefix
                team_pk, team = await uow.teams.add(
                    TeamToAdd(prefix, church.pk, draft, stored, submitted_at, status)
                )
                team_id = team.team_id
                position = None
                if status == TeamStatus.WAITLISTED:
                    position = await queue_position(uow.waitlist, team_pk, self._policy.waitlist)
                receipt = RegistrationReceipt(
                    team_id, draft.team_name, church.name, draft.player_count, submitted_at, status, position
                )
                await uow.outbox.enqueue(
                    EmailKind.REGISTRATION_RECEIVED,
                    draft.captain.email,
                    team_pk,
                    self._email_context(team, receipt),
                )
                if claim is not None:
                    await uow.answers.record(claim, receipt.recorded())
                committing = True
                await uow.commit()
        except BaseException:
            if committing:
                # The commit may have landed even though we saw an error: keep the files. If the team
                # does not exist, the orphan sweep removes them after ORPHAN_GRACE_MINUTES.
                logger.warning("registration commit outcome unknown; stored documents left for the sweep")
            else:
                await asyncio.shield(discard_documents(self._store, [doc.storage_key for doc in stored]))
            raise
        return receipt

    async def _lock_church(
        self, uow: RegistrationUnitOfWork, draft: RegistrationDraft, *, known: bool | None
    ) -> ChurchSlot:
        if known is False and not self._policy.closed_registry:
            # A new church (as the pre-check saw it): created and locked in one statement.
            return await uow.churches.add_and_lock(draft.church_key, draft.church_name)
        church = await uow.churches.lock(draft.church_key)
        if church is None:
            if self._policy.closed_registry:
                raise unknown_church(draft.church_name)
            church = await uow.churches.add_and_lock(draft.church_key, draft.church_name)
        return church

    async def _check_capacity(
        self, uow: RegistrationUnitOfWork, draft: RegistrationDraft, church: ChurchSlot | None
    ) -> DomainError | None:
        """Raise for duplicates; return (not raise) the refusal of a full church or tournament, which
        a captain who asked for the waiting list turns into a waitlisted registration."""
        if church is None and self._policy.closed_registry:
            raise unknown_church(draft.church_name)
        standing = await uow.teams.standing(
            church.pk if church else None, draft.team_name_key, draft.captain.email
        )
        if church is not None and standing.name_taken:
            raise duplicate_team(draft.team_name, church.name)
        if standing.captain_email_taken:
            raise duplicate_captain_email()
        try:
            if church is not None:
                self._policy.church_limit.check(church.name, standing.active_teams, church.max_teams)
            if self._policy.waitlist.max_total is not None:
                check_tournament_capacity(await uow.waitlist.active_total(), self._policy.waitlist.max_total)
        except DomainError as full:
            return full
        return None

    def _refuse_unless_waiting(self, full: DomainError | None, may_wait: bool) -> None:
        if full is None or may_wait:
            return
        if self._policy.waitlist.enabled:
            full.extra["waitlist_available"] = True
        raise full

    async def _store_documents(
        self, draft: RegistrationDraft, files: Mapping[str, SpooledUpload]
    ) -> list[StoredUpload]:
        batch = uuid.uuid4().hex
        stored = [
            StoredUpload(
                kind=upload.kind,
                player_position=upload.player_position,
                storage_key=storage_key(batch, upload),
                content_type=upload.file_type.content_type,
                extension=upload.file_type.extension,
                size=upload.info.size,
                sha256=upload.info.sha256,
                original_name=upload.info.safe_filename,
            )
            for upload in draft.uploads()
        ]
        await store_documents(self._store, stored, [files[upload.info.field] for upload in draft.uploads()])
        return stored

    def _email_context(self, team: NewTeam, receipt: RegistrationReceipt) -> dict[str, object]:
        draft = team.draft
        return {
            "team_id": receipt.team_id,
            "team_name": receipt.team_name,
            "church_name": receipt.church_name,
            "captain_name": draft.captain.name,
            "player_count": receipt.player_count,
            "players": [
                {
                    "player_id": player_id,
                    "name": player.name,
                    "role": player.role.value if player.role else None,
                }
                for player, player_id in zip(draft.players, team.player_ids, strict=True)
            ],
            "submitted_at": receipt.submitted_at.astimezone(self._policy.timezone).isoformat(),
            "waitlisted": receipt.status == TeamStatus.WAITLISTED,
            "waitlist_position": receipt.waitlist_position,
            "captain_link": self._links.url(receipt.team_id, 1) if self._links else None,
        }
