"""Church administration: list, add, rename, change the team limit, delete (when unused). Audited."""

from __future__ import annotations

from dataclasses import dataclass

from icct26.domain.admin.views import ChurchView
from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.errors import DomainError, ErrorCode, FieldError, NotFound, ValidationFailed
from icct26.domain.registration import church_key, clean_church_name
from icct26.services.admin_teams import UnitOfWorkFactory

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


def _not_found(church_id: int) -> NotFound:
    return NotFound(ErrorCode.CHURCH_NOT_FOUND, f"No church has id {church_id}")


def _exists(name: str) -> DomainError:
    return DomainError(ErrorCode.CHURCH_EXISTS, f"A church named like {name!r} already exists")


class ChurchAdminService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list_churches(self, search: str | None = None) -> list[ChurchView]:
        async with self._uow() as uow:
            return await uow.churches.list_all((search or "").strip() or None)

    async def get_church(self, church_id: int) -> ChurchView:
        async with self._uow() as uow:
            church = await uow.churches.get(church_id)
        if church is None:
            raise _not_found(church_id)
        return church

    async def create_church(self, name: str, max_teams: int | None, actor: Actor) -> ChurchView:
        """CHURCH_EXISTS when a church with the same key (case, punctuation, spacing) exists."""
        name = clean_church_name(name, "name")
        key = church_key(name)
        check_max_teams(max_teams)
        async with self._uow() as uow:
            if await uow.churches.id_by_key(key) is not None:
                raise _exists(name)
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
                raise _not_found(church_id)
            new_name = name if name is not None else before.name
            key = church_key(new_name)
            holder = await uow.churches.id_by_key(key)
            if holder is not None and holder != church_id:
                raise _exists(new_name)
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
                raise _not_found(church_id)
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
