"""Church use cases for the public form and operators: slot availability and bulk import."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from icct26.domain.errors import DomainError
from icct26.domain.registration import ChurchLimitPolicy, church_key, clean_church_name
from icct26.domain.registration.ports import RegistrationUnitOfWork

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
