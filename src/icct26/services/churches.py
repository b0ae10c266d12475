"""Church use cases: slot availability and bulk import for the public form and operators, and the
organisers' administration (list, add, rename, change the team limit, delete when unused; audited)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from icct26.domain.admin.errors import church_exists, church_not_found
from icct26.domain.admin.views import ChurchView
from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.errors import DomainError, ErrorCode, FieldError, ValidationFailed
from icct26.domain.registration import ChurchLimitPolicy, church_key, clean_church_name
from icct26.domain.registration.ports import RegistrationUnitOfWork
from icct26.services.admin_teams import UnitOfWorkFactory as AdminUnitOfWorkFactory

UnitOfWorkFactory = Callable[[], RegistrationUnitOfWork]


@dataclass(frozen=True, slots=True)
class ChurchAvailability:
    church_name: str
    team_count: int
    max_teams: int
    locked: bool
    waitlisted: int = 0


@dataclass(frozen=True)
class AvailabilityReport:
    churches: list[ChurchAvailability]

    @property
    def total(self) -> int:
        return len(self.churches)

    @property
    def locked(self) -> int:
        return sum(church.locked for church in self.churches)

    @property
    def available(self) -> int:
        return self.total - self.locked


@dataclass(frozen=True)
class ChurchImportReport:
    added: int
    already_present: int
    repeated_in_file: int
    invalid: list[str] = field(default_factory=list)  # "line 7: Church name must be ..."


class ChurchService:
    """What the registration form shows about churches, and the `churches import` command."""

    def __init__(self, *, unit_of_work: UnitOfWorkFactory, limit_policy: ChurchLimitPolicy) -> None:
        self._uow = unit_of_work
        self._limits = limit_policy

    async def availability(self) -> AvailabilityReport:
        """Every known church with its active teams (pending + confirmed) against its limit."""
        async with self._uow() as uow:
            counts = await uow.churches.team_counts()
        churches = []
        for church in counts:
            limit = self._limits.limit_for(church.max_teams)
            churches.append(
                ChurchAvailability(
                    church.name, church.active_teams, limit, church.active_teams >= limit, church.waitlisted
                )
            )
        return AvailabilityReport(churches)

    async def import_names(self, lines: Iterable[str]) -> ChurchImportReport:
        """One church name per line; blank lines and `#` comments are skipped. Idempotent by church key."""
        wanted: dict[str, str] = {}
        repeated = 0
        invalid: list[str] = []
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                name = clean_church_name(text)
            except DomainError as exc:
                invalid.append(f"line {number}: {exc.message}")
                continue
            key = church_key(name)
            if key in wanted:
                repeated += 1
            else:
                wanted[key] = name
        async with self._uow() as uow:
            added = await uow.churches.add_many_if_missing(list(wanted.items()))
            await uow.commit()
        return ChurchImportReport(added, len(wanted) - added, repeated, invalid)


MAX_TEAMS_CEILING = 1000


@dataclass(frozen=True, slots=True)
class ChurchUpdate:
    """Fields to change; `max_teams` applies only when `set_max_teams` (None = tournament default)."""

    name: str | None = None
    set_max_teams: bool = False
    max_teams: int | None = None


def check_max_teams(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_TEAMS_CEILING:
        message = f"max_teams must be between 0 and {MAX_TEAMS_CEILING}, or null for the default"
        raise ValidationFailed([FieldError("max_teams", "out_of_range", message)])
    return value


class ChurchAdminService:
    def __init__(self, uow: AdminUnitOfWorkFactory) -> None:
        self._uow = uow

    async def list_churches(self, search: str | None = None) -> list[ChurchView]:
        async with self._uow() as uow:
            return await uow.churches.list_all((search or "").strip() or None)

    async def get_church(self, church_id: int) -> ChurchView:
        async with self._uow() as uow:
            church = await uow.churches.get(church_id)
        if church is None:
            raise church_not_found(church_id)
        return church

    async def create_church(self, name: str, max_teams: int | None, actor: Actor) -> ChurchView:
        """CHURCH_EXISTS when a church with the same key (case, punctuation, spacing) exists."""
        name = clean_church_name(name, "name")
        key = church_key(name)
        check_max_teams(max_teams)
        async with self._uow() as uow:
            if await uow.churches.id_by_key(key) is not None:
                raise church_exists(name)
            church = await uow.churches.add(name, key, max_teams)
            uow.audit.record(
                AuditEntry(actor, "church.create", "church", str(church.id), after=church.summary())
            )
            await uow.commit()
        return church

    async def update_church(self, church_id: int, update: ChurchUpdate, actor: Actor) -> ChurchView:
        name = clean_church_name(update.name, "name") if update.name is not None else None
        if update.set_max_teams:
            check_max_teams(update.max_teams)
        async with self._uow() as uow:
            before = await uow.churches.get(church_id)
            if before is None:
                raise church_not_found(church_id)
            new_name = name if name is not None else before.name
            key = church_key(new_name)
            holder = await uow.churches.id_by_key(key)
            if holder is not None and holder != church_id:
                raise church_exists(new_name)
            max_teams = update.max_teams if update.set_max_teams else before.max_teams
            church = await uow.churches.update(church_id, new_name, key, max_teams)
            if church.summary() != before.summary():
                uow.audit.record(
                    AuditEntry(
                        actor,
                        "church.update",
                        "church",
                        str(church_id),
                        before=before.summary(),
                        after=church.summary(),
                    )
                )
                await uow.commit()
        return church

    async def delete_church(self, church_id: int, actor: Actor) -> None:
        """CHURCH_IN_USE while any team (whatever its status) belongs to the church."""
        async with self._uow() as uow:
            church = await uow.churches.get(church_id)
            if church is None:
                raise church_not_found(church_id)
            if church.total_teams:
                raise DomainError(
                    ErrorCode.CHURCH_IN_USE,
                    f"{church.name} has {church.total_teams} registered team(s) and cannot be deleted",
                    extra={"team_count": church.total_teams},
                )
            await uow.churches.delete(church_id)
            uow.audit.record(
                AuditEntry(actor, "church.delete", "church", str(church_id), before=church.summary())
            )
            await uow.commit()
