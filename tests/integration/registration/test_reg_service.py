"""The registration use case against PostgreSQL: slots, numbering and cleanup when things fail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from icct26.adapters.db.registration_repository import SqlRegistrationUnitOfWork
from icct26.bootstrap import Container
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.ports import FileToStore
from icct26.domain.registration.documents import DocumentKind
from icct26.domain.registration.form import Contact, PlayerDraft, RegistrationDraft
from icct26.domain.registration.ports import StoredUpload, TeamToAdd
from icct26.services.registration import RegistrationService
from tests.support.factories import create_church
from tests.support.registration_forms import (
    RegistrationForm,
    document_keys,
    execute,
    fetch,
    read_bytes,
    spool,
    stored_keys,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"MAX_TEAMS_PER_CHURCH": 2}


def service_with(container: Container, **changes: Any) -> RegistrationService:
    current = container.registration
    return RegistrationService(
        unit_of_work=changes.get("unit_of_work", lambda: SqlRegistrationUnitOfWork(container.database)),
        store=changes.get("store", container.storage),
        policy=current.policy,
    )


async def register(service: RegistrationService, form: RegistrationForm, tmp_path: Path) -> Any:
    fields, files = spool(form, tmp_path / "spool")
    return await service.register(fields, files)


async def test_a_rejected_team_frees_its_slot(container: Container, tmp_path: Path) -> None:
    service = container.registration
    church = "CSI Christ Church"
    first = await register(service, RegistrationForm.valid(1, church=church), tmp_path)
    await register(service, RegistrationForm.valid(2, church=church), tmp_path)
    with pytest.raises(DomainError) as refused:
        await register(service, RegistrationForm.valid(3, church=church), tmp_path)
    assert refused.value.code is ErrorCode.CHURCH_LIMIT_REACHED
    assert "Maximum 2 teams" in refused.value.message

    await execute(
        container.database, "UPDATE teams SET status = 'rejected' WHERE team_id = :t", t=first.team_id
    )
    third = await register(service, RegistrationForm.valid(3, church=church), tmp_path)
    assert third.team_id == "ICCT-003"
    assert third.church_name == church


class HookedStore:
    """The real store, with a hook that runs once before the first write."""

    def __init__(self, inner: Any, before_first_write: Any = None, fail_on_write: int | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        self.hook = before_first_write
        self.fail_on_write = fail_on_write
        self.writes = 0

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        await self.put_files([FileToStore(key, source, content_type)])

    async def put_files(self, files: Sequence[FileToStore]) -> None:
        for item in files:  # one at a time, each passed on as it came (sealed uploads stay sealed)
            self.writes += 1
            if self.hook is not None:
                hook, self.hook = self.hook, None
                await hook()
            await self.inner.put_files([item])
            if self.writes == self.fail_on_write:  # written, then the backend fails
                raise DomainError(ErrorCode.STORAGE_UNAVAILABLE, "Document storage is unreachable")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class RemoteLikeStore(HookedStore):
    """The real store, counting its writes, posing as one whose writes cost a network round trip."""

    cheap_writes = False


@pytest.mark.parametrize("cheap_writes", [False, True])
async def test_a_refusal_known_in_advance_uploads_nothing_to_a_remote_store(
    container: Container, tmp_path: Path, cheap_writes: bool
) -> None:
    plain = container.registration
    church = "CSI Christ Church"
    for n in (1, 2):
        await register(plain, RegistrationForm.valid(n, church=church), tmp_path / str(n))
    store = RemoteLikeStore(container.storage) if not cheap_writes else HookedStore(container.storage)
    with pytest.raises(DomainError) as refused:
        await register(
            service_with(container, store=store), RegistrationForm.valid(3, church=church), tmp_path
        )
    assert refused.value.code is ErrorCode.CHURCH_LIMIT_REACHED
    # A remote store is asked nothing: the read-only pre-check refused first. The local store links
    # the files (cheaper than the pre-check's round trips), then removes them again.
    assert store.writes == (25 if cheap_writes else 0)
    assert await stored_keys(container.storage) == await document_keys(container.database)


async def test_a_refusal_inside_the_transaction_removes_the_stored_files(
    container: Container, tmp_path: Path
) -> None:
    plain = container.registration
    rival = RegistrationForm.valid(2, church="CSI Other Church")
    rival.fields["captain_email"] = "captain1@example.com"

    async def rival_registers_first() -> None:
        # Passed the pre-check already; the rival commits the same captain email before our transaction.
        await register(plain, rival, tmp_path / "rival")

    hooked = service_with(container, store=HookedStore(container.storage, rival_registers_first))
    with pytest.raises(DomainError) as refused:
        await register(hooked, RegistrationForm.valid(1), tmp_path)
    assert refused.value.code is ErrorCode.DUPLICATE_CAPTAIN_EMAIL

    assert await stored_keys(container.storage) == await document_keys(container.database)
    assert len(await document_keys(container.database)) == 25  # the rival's files only
    # The refused registration took no number.
    later = await register(plain, RegistrationForm.valid(3), tmp_path)
    assert later.team_id == "ICCT-002"


async def test_a_storage_failure_midway_leaves_nothing(container: Container, tmp_path: Path) -> None:
    failing = service_with(container, store=HookedStore(container.storage, fail_on_write=5))
    with pytest.raises(DomainError) as failed:
        await register(failing, RegistrationForm.valid(1), tmp_path)
    assert failed.value.code is ErrorCode.STORAGE_UNAVAILABLE
    assert await stored_keys(container.storage) == set()
    assert await fetch(container.database, "SELECT id FROM teams") == []
    assert await fetch(container.database, "SELECT id FROM team_id_counters") == []


class CommitThenLoseConnection(SqlRegistrationUnitOfWork):
    async def commit(self) -> None:
        await super().commit()
        raise ConnectionResetError("connection lost while the commit was acknowledged")


async def test_an_unknown_commit_outcome_keeps_the_files(container: Container, tmp_path: Path) -> None:
    lossy = service_with(container, unit_of_work=lambda: CommitThenLoseConnection(container.database))
    with pytest.raises(ConnectionResetError):
        await register(lossy, RegistrationForm.valid(1), tmp_path)
    # The team did commit: its documents must all still be there.
    keys = await document_keys(container.database)
    assert len(keys) == 25
    assert await stored_keys(container.storage) == keys
    for key in keys:
        assert await read_bytes(container.storage, key)


def _team_to_add(n: int, church_pk: int, prefix: str = "ICCT", players: int = 11) -> TeamToAdd:
    captain = Contact(f"Captain {n}", f"90000{n:05d}", f"captain{n}@example.com")
    roster = tuple(PlayerDraft(p, f"Player {p}", None, None, None) for p in range(1, players + 1))
    draft = RegistrationDraft(f"Team {n}", f"team {n}", "", "", captain, captain, roster, {})
    receipt = StoredUpload(
        DocumentKind.PAYMENT_RECEIPT, None, f"k/{n}/r", "application/pdf", "pdf", 1, "", "r.pdf"
    )
    aadhar = StoredUpload(DocumentKind.AADHAR, players, f"k/{n}/a", "image/jpeg", "jpg", 1, "", "a.jpg")
    return TeamToAdd(prefix, church_pk, draft, (receipt, aadhar), datetime.now(UTC))


async def test_team_numbers_are_given_back_on_rollback(container: Container) -> None:
    church = await create_church(container.database, "CSI Numbering Church")

    async def add(n: int, prefix: str = "ICCT") -> str:
        _, team = await uow.teams.add(_team_to_add(n, church, prefix))
        return team.team_id

    async with SqlRegistrationUnitOfWork(container.database) as uow:
        assert await add(1) == "ICCT-001"
        await uow.commit()
    async with SqlRegistrationUnitOfWork(container.database) as uow:
        assert await add(2) == "ICCT-002"
        await uow.rollback()
    async with SqlRegistrationUnitOfWork(container.database) as uow:
        assert await add(3) == "ICCT-002"
        assert await add(4, "OTHER") == "OTHER-001"
        await uow.commit()


async def test_stored_ids_are_the_ones_the_domain_formats(container: Container) -> None:
    """The insert numbers the team in SQL; what it stores must be what `TeamToAdd.numbered` says."""
    church = await create_church(container.database, "CSI Numbering Church")
    async with container.database.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO team_id_counters (prefix, last_value, created_at, updated_at) "
                "VALUES ('ICCT', 998, now(), now())"
            )
        )
    added = []
    for n in (1, 2):
        async with SqlRegistrationUnitOfWork(container.database) as uow:
            added.append(await uow.teams.add(_team_to_add(n, church, players=15)))
            await uow.commit()
    assert [team.team_id for _, team in added] == ["ICCT-999", "ICCT-1000"]
    async with container.database.engine.connect() as conn:
        for pk, team in added:
            stored = (
                await conn.execute(text("SELECT team_id, seq FROM teams WHERE id = :pk"), {"pk": pk})
            ).one()
            assert tuple(stored) == (team.team_id, team.seq)
            player_ids = (
                await conn.execute(
                    text("SELECT player_id FROM players WHERE team_pk = :pk ORDER BY position"), {"pk": pk}
                )
            ).scalars()
            assert list(player_ids) == list(team.player_ids)
            assert team.player_ids[-1] == f"{team.team_id}-P15"
            documents = (
                await conn.execute(
                    text(
                        "SELECT d.kind, p.position FROM documents d "
                        "LEFT JOIN players p ON p.id = d.player_pk WHERE d.team_pk = :pk ORDER BY d.kind"
                    ),
                    {"pk": pk},
                )
            ).all()
            assert [tuple(row) for row in documents] == [("aadhar", 15), ("payment_receipt", None)]


async def test_an_open_registry_adds_the_church_once_in_any_spelling(
    container: Container, tmp_path: Path
) -> None:
    service = container.registration
    a = await register(service, RegistrationForm.valid(1, church="CSI St. Peter's Church"), tmp_path)
    b = await register(service, RegistrationForm.valid(2, church="csi st peters   church"), tmp_path)
    assert a.church_name == b.church_name == "CSI St. Peter's Church"
    assert len(await fetch(container.database, "SELECT id FROM churches")) == 1
