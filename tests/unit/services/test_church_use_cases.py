"""The church use cases against in-memory fakes: what the registration form shows (availability), the
bulk import, and the organisers' create / rename / limit / delete with their audit rows."""

from __future__ import annotations

import pytest

from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.domain.registration import ChurchLimitPolicy, TeamStatus
from icct26.services.churches import ChurchAdminService, ChurchService, ChurchUpdate
from tests.fakes.admin import FakeAdminDatabase
from tests.fakes.registration import FakeRegistrationDatabase
from tests.unit.services.expect import refusal

ORGANISER = Actor(1, "admin@example.org")


# --- the public side: availability and import -----------------------------------------------------


@pytest.mark.asyncio
async def test_availability_counts_active_teams_against_each_churchs_limit() -> None:
    db = FakeRegistrationDatabase()
    service = ChurchService(unit_of_work=db.unit_of_work, limit_policy=ChurchLimitPolicy(default_max_teams=2))
    db.add_church("Zion Church")
    db.add_church("Grace Church", max_teams=1)
    db.add_church("Bethel Church", max_teams=3)
    for church_pk, status in [(1, TeamStatus.PENDING), (1, TeamStatus.CONFIRMED), (2, TeamStatus.REJECTED)]:
        db.add_team(church_pk, status)

    report = await service.availability()

    assert [(c.church_name, c.team_count, c.max_teams, c.locked) for c in report.churches] == [
        ("Bethel Church", 0, 3, False),
        ("Grace Church", 0, 1, False),  # a rejected team holds no slot
        ("Zion Church", 2, 2, True),
    ]
    assert (report.total, report.locked, report.available) == (3, 1, 2)


@pytest.mark.asyncio
async def test_import_adds_each_church_once_and_reports_what_it_skipped() -> None:
    db = FakeRegistrationDatabase()
    service = ChurchService(unit_of_work=db.unit_of_work, limit_policy=ChurchLimitPolicy())
    db.add_church("Zion Church")
    lines = [
        "# participating churches",
        "CSI St. Peter's Church",
        "",
        "csi st peters   church",  # the same church again
        "zion church",  # already known
        "x",  # too short
        "Grace Church",
    ]

    report = await service.import_names(lines)

    assert (report.added, report.already_present, report.repeated_in_file) == (2, 1, 1)
    assert len(report.invalid) == 1 and report.invalid[0].startswith("line 6: ")
    assert sorted(row.name for row in db.committed.churches.values()) == [
        "CSI St. Peter's Church",
        "Grace Church",
        "Zion Church",
    ]
    again = await service.import_names(lines)
    assert (again.added, again.already_present) == (0, 3)


# --- the organisers' side ---------------------------------------------------------------------------


@pytest.fixture
def db() -> FakeAdminDatabase:
    return FakeAdminDatabase()


@pytest.fixture
def churches(db: FakeAdminDatabase) -> ChurchAdminService:
    return ChurchAdminService(db.unit_of_work)


@pytest.mark.asyncio
async def test_creating_a_church_cleans_its_name_and_audits_it(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    church = await churches.create_church("  Grace   Church ", 4, ORGANISER)

    assert (church.name, church.key, church.max_teams) == ("Grace Church", "grace church", 4)
    (entry,) = db.committed.audit
    assert (entry.action, entry.target_id, entry.after) == (
        "church.create",
        str(church.id),
        {"name": "Grace Church", "key": "grace church", "max_teams": 4},
    )


@pytest.mark.asyncio
async def test_a_church_spelt_like_an_existing_one_is_refused(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    db.add_church("CSI St. Peter's Church")

    error = await refusal(churches.create_church("csi st peters church", None, ORGANISER))

    assert error.code is ErrorCode.CHURCH_EXISTS
    assert len(db.committed.churches) == 1 and db.committed.audit == []


@pytest.mark.parametrize("max_teams", [-1, 1001])
@pytest.mark.asyncio
async def test_a_team_limit_outside_the_range_is_a_field_error(
    db: FakeAdminDatabase, churches: ChurchAdminService, max_teams: int
) -> None:
    error = await refusal(churches.create_church("Grace Church", max_teams, ORGANISER))

    assert [(e.field, e.code) for e in error.errors] == [("max_teams", "out_of_range")]
    assert db.committed.churches == {}


@pytest.mark.asyncio
async def test_renaming_onto_another_churchs_key_is_refused_but_respelling_its_own_is_not(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    zion = db.add_church("Zion Church")
    db.add_church("Grace Church")

    error = await refusal(churches.update_church(zion, ChurchUpdate(name="GRACE church"), ORGANISER))
    respelt = await churches.update_church(zion, ChurchUpdate(name="ZION  Church"), ORGANISER)

    assert error.code is ErrorCode.CHURCH_EXISTS
    assert respelt.name == "ZION Church"
    (entry,) = db.committed.audit
    assert (entry.action, entry.before, entry.after) == (
        "church.update",
        {"name": "Zion Church", "key": "zion church", "max_teams": None},
        {"name": "ZION Church", "key": "zion church", "max_teams": None},
    )


@pytest.mark.asyncio
async def test_the_team_limit_changes_only_when_asked_and_a_no_op_is_not_audited(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    zion = db.add_church("Zion Church", max_teams=3)

    renamed = await churches.update_church(zion, ChurchUpdate(name="Zion Church"), ORGANISER)
    back_to_default = await churches.update_church(zion, ChurchUpdate(set_max_teams=True), ORGANISER)

    assert renamed.max_teams == 3  # untouched
    assert back_to_default.max_teams is None  # the tournament default again
    assert [e.action for e in db.committed.audit] == ["church.update"]
    assert db.commits == 1


@pytest.mark.asyncio
async def test_a_church_with_any_team_cannot_be_deleted(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    grace = db.add_church("Grace Church")
    db.add_team("Grace Eagles", church="Grace Church", status=TeamStatus.REJECTED)

    error = await refusal(churches.delete_church(grace, ORGANISER))

    assert error.code is ErrorCode.CHURCH_IN_USE
    assert error.extra == {"team_count": 1}
    assert grace in db.committed.churches


@pytest.mark.asyncio
async def test_an_unused_church_is_deleted_with_an_audit_row(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    grace = db.add_church("Grace Church", max_teams=2)

    await churches.delete_church(grace, ORGANISER)

    assert db.committed.churches == {}
    (entry,) = db.committed.audit
    assert (entry.action, entry.before, entry.after) == (
        "church.delete",
        {"name": "Grace Church", "key": "grace church", "max_teams": 2},
        None,
    )
    assert (await refusal(churches.delete_church(grace, ORGANISER))).code is ErrorCode.CHURCH_NOT_FOUND


@pytest.mark.asyncio
async def test_churches_are_listed_by_name_with_their_team_counts(
    db: FakeAdminDatabase, churches: ChurchAdminService
) -> None:
    db.add_church("Zion Church")
    grace = db.add_church("Grace Church")
    db.add_team("Grace Eagles", church="Grace Church", status=TeamStatus.CONFIRMED)
    db.add_team("Grace Doves", church="Grace Church", status=TeamStatus.REJECTED)

    listed = await churches.list_churches()
    searched = await churches.list_churches("  zion ")
    one = await churches.get_church(grace)

    assert [(c.name, c.active_teams, c.total_teams) for c in listed] == [
        ("Grace Church", 1, 2),
        ("Zion Church", 0, 0),
    ]
    assert [c.name for c in searched] == ["Zion Church"]
    assert one.name == "Grace Church"
    assert (await refusal(churches.get_church(99))).code is ErrorCode.CHURCH_NOT_FOUND
