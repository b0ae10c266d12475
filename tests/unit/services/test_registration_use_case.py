"""RegistrationService against in-memory fakes: window, roster, church limits, duplicates, documents
stored and cleaned up, the email owed and the idempotent answer. The real-PostgreSQL races and the
HTTP path live in tests/integration/registration and tests/e2e/registration."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import IdempotencyClaim
from icct26.domain.registration import (
    ChurchLimitPolicy,
    RegistrationWindow,
    RosterRules,
    TeamStatus,
)
from icct26.services.registration import (
    RegistrationPolicy,
    RegistrationReceipt,
    RegistrationService,
)
from tests.fakes.registration import FakeRegistrationDatabase
from tests.fakes.storage import FakeDocumentStore
from tests.support.registration_forms import RegistrationForm, spool
from tests.unit.services.expect import refusal

NOW = datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
KOLKATA = ZoneInfo("Asia/Kolkata")
CHURCH = "CSI St. Peter's Church"
POLICY = RegistrationPolicy(
    window=RegistrationWindow(),
    roster=RosterRules(min_players=2, max_players=4, require_player_documents=True, max_file_bytes=1 << 20),
    church_limit=ChurchLimitPolicy(default_max_teams=2),
    closed_registry=False,
    team_id_prefix="ICCT",
    timezone=KOLKATA,
)
TEAM_DOCUMENTS = 3  # pastor letter, payment receipt, group photo
PLAYER_DOCUMENTS = 2  # Aadhaar and subscription card


@dataclass
class Registration:
    """The use case with its fakes, and a form counter so each form spools into its own folder."""

    service: RegistrationService
    db: FakeRegistrationDatabase
    store: FakeDocumentStore
    spool_dir: Path
    forms: int = 0

    async def register(
        self,
        form: RegistrationForm | None = None,
        claim: IdempotencyClaim | None = None,
    ) -> RegistrationReceipt:
        self.forms += 1
        fields, files = spool(
            form or RegistrationForm.valid(self.forms, players=2), self.spool_dir / str(self.forms)
        )
        return await self.service.register(fields, files, claim)

    async def refused(self, form: RegistrationForm | None = None) -> DomainError:
        return await refusal(self.register(form))


def build(tmp_path: Path, *, cheap_writes: bool = False, **policy: object) -> Registration:
    db, store = FakeRegistrationDatabase(), FakeDocumentStore(cheap_writes=cheap_writes)
    service = RegistrationService(
        unit_of_work=db.unit_of_work,
        store=store,
        policy=replace(POLICY, **policy),  # type: ignore[arg-type]
        clock=lambda: NOW,
    )
    return Registration(service, db, store, tmp_path)


def form(n: int, *, players: int = 2, church: str = CHURCH, **fields: str) -> RegistrationForm:
    built = RegistrationForm.valid(n, players=players, church=church)
    built.fields.update(fields)
    return built


@pytest.fixture(params=[False, True], ids=["remote-store", "local-store"])
def registration(request: pytest.FixtureRequest, tmp_path: Path) -> Registration:
    """Both paths of the use case: with the read-only pre-check (remote stores) and without it."""
    return build(tmp_path, cheap_writes=request.param)


# --- a registration that goes through ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_valid_form_becomes_a_pending_team_with_its_players_and_documents(
    registration: Registration,
) -> None:
    receipt = await registration.register(form(1, players=3))

    assert receipt == RegistrationReceipt("ICCT-001", "Peters Warriors 1", CHURCH, 3, NOW)
    row = registration.db.team("ICCT-001")
    assert row.status is TeamStatus.PENDING
    assert list(row.team.player_ids) == ["ICCT-001-P01", "ICCT-001-P02", "ICCT-001-P03"]
    assert registration.db.committed.churches[row.team.draft.church_key].name == CHURCH
    # Every document is in the store under a server-made key, with the bytes that were uploaded.
    documents = row.team.documents
    assert len(documents) == TEAM_DOCUMENTS + 3 * PLAYER_DOCUMENTS
    assert set(registration.store.files) == {doc.storage_key for doc in documents}
    assert all(doc.storage_key.startswith("teams/") for doc in documents)
    uploaded = RegistrationForm.valid(1, players=3).files["pastor_letter"].content
    letter = next(doc for doc in documents if doc.kind == "pastor_letter")
    assert registration.store.files[letter.storage_key].data == uploaded
    assert registration.store.files[letter.storage_key].content_type == "application/pdf"
    assert letter.original_name == "letter.pdf"


@pytest.mark.asyncio
async def test_the_captain_is_owed_a_received_email_with_the_roster(registration: Registration) -> None:
    await registration.register(form(1, players=2))

    (email,) = registration.db.committed.emails
    assert (email.kind, email.recipient, email.team_pk) == (
        "registration_received",
        "captain1@example.com",
        registration.db.team("ICCT-001").pk,
    )
    assert email.context["team_id"] == "ICCT-001"
    assert [p["player_id"] for p in email.context["players"]] == ["ICCT-001-P01", "ICCT-001-P02"]
    assert email.context["submitted_at"] == "2026-03-01T10:00:00+05:30"  # the tournament's wall clock


@pytest.mark.asyncio
async def test_team_ids_follow_on_across_churches(registration: Registration) -> None:
    first = await registration.register(form(1))
    second = await registration.register(form(2, church="Zion Church"))
    assert (first.team_id, second.team_id) == ("ICCT-001", "ICCT-002")


@pytest.mark.asyncio
async def test_player_documents_are_optional_when_the_tournament_says_so(tmp_path: Path) -> None:
    registration = build(tmp_path, roster=replace(POLICY.roster, require_player_documents=False))
    without_cards = form(1)
    for name in [n for n in without_cards.files if n.startswith("player_")]:
        del without_cards.files[name]

    await registration.register(without_cards)

    assert len(registration.db.team("ICCT-001").team.documents) == TEAM_DOCUMENTS
    assert len(registration.store.files) == TEAM_DOCUMENTS


# --- refusals before anything is stored ----------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_closed_window_refuses_before_reading_the_form(tmp_path: Path) -> None:
    registration = build(tmp_path, window=RegistrationWindow(closes_at=NOW - timedelta(minutes=1)))

    error = await registration.refused()

    assert error.code is ErrorCode.REGISTRATION_CLOSED
    assert registration.store.files == {} and registration.db.commits == 0


@pytest.mark.parametrize(
    ("players", "code"),
    [(1, "too_few_players"), (5, "too_many_players")],
)
@pytest.mark.asyncio
async def test_the_roster_size_follows_the_tournament_rules(
    registration: Registration, players: int, code: str
) -> None:
    error = await registration.refused(form(1, players=players))

    assert error.code is ErrorCode.VALIDATION_FAILED
    assert ("players", code) in [(e.field, e.code) for e in error.errors]
    assert registration.store.files == {} and registration.store.deleted == []
    assert registration.db.committed.teams == []


@pytest.mark.asyncio
async def test_every_field_problem_is_reported_at_once(registration: Registration) -> None:
    broken = form(1, captain_email="not-an-email", vice_phone="12345")
    del broken.files["player_1_aadhar_file"]

    error = await registration.refused(broken)

    assert error.code is ErrorCode.VALIDATION_FAILED
    assert {e.field for e in error.errors} == {"captain_email", "vice_phone", "player_1_aadhar_file"}


# --- church limits and duplicates ------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_a_church_holds_the_default_number_of_active_teams(registration: Registration) -> None:
    await registration.register(form(1))
    await registration.register(form(2, church="csi  st peters church"))  # the same church, typed loosely

    error = await registration.refused(form(3))

    assert error.code is ErrorCode.CHURCH_LIMIT_REACHED
    # The waiting list is on by default: the refusal says a retry with `waitlist=true` would queue.
    assert error.extra == {"church_name": CHURCH, "max_teams": 2, "team_count": 2, "waitlist_available": True}
    assert "Maximum 2 teams" in error.message  # what the frontend's banner looks for
    assert len(registration.db.committed.teams) == 2


@pytest.mark.asyncio
async def test_a_church_of_its_own_limit_overrides_the_default(registration: Registration) -> None:
    registration.db.add_church(CHURCH, max_teams=1)
    await registration.register(form(1))

    error = await registration.refused(form(2))

    assert error.code is ErrorCode.CHURCH_LIMIT_REACHED
    assert error.extra["max_teams"] == 1


@pytest.mark.asyncio
async def test_a_rejected_team_frees_its_slot_its_name_and_its_captain_email(
    registration: Registration,
) -> None:
    await registration.register(form(1))
    await registration.register(form(2))
    registration.db.set_status("ICCT-001", TeamStatus.REJECTED)

    receipt = await registration.register(form(1))  # same name, same captain email as the rejected team

    assert receipt.team_id == "ICCT-003"


@pytest.mark.asyncio
async def test_a_church_cannot_register_the_same_team_name_twice(registration: Registration) -> None:
    await registration.register(form(1, team_name="Zion Lions"))

    error = await registration.refused(form(2, team_name="  zion   LIONS "))

    assert error.code is ErrorCode.DUPLICATE_TEAM
    # Another church may use the name.
    other = await registration.register(form(3, team_name="Zion Lions", church="Zion Church"))
    assert other.team_name == "Zion Lions"


@pytest.mark.asyncio
async def test_a_captain_email_captains_one_active_team_in_the_whole_tournament(
    registration: Registration,
) -> None:
    await registration.register(form(1))

    error = await registration.refused(form(2, church="Zion Church", captain_email="CAPTAIN1@example.com"))

    assert error.code is ErrorCode.DUPLICATE_CAPTAIN_EMAIL
    assert "captain1@example.com" not in error.message.lower()  # the address is not echoed


@pytest.mark.asyncio
async def test_a_closed_registry_refuses_unknown_churches_and_creates_none(tmp_path: Path) -> None:
    registration = build(tmp_path, closed_registry=True)
    registration.db.add_church(CHURCH)

    error = await registration.refused(form(1, church="Unlisted Church"))

    assert error.code is ErrorCode.UNKNOWN_CHURCH
    assert [(e.field, e.code) for e in error.errors] == [("church_name", "unknown_church")]
    assert list(registration.db.committed.churches) == ["csi st peters church"]
    assert registration.store.files == {} and registration.store.deleted == []  # refused before uploading
    assert (await registration.register(form(2))).church_name == CHURCH


@pytest.mark.asyncio
async def test_an_open_registry_adds_a_new_church_once(registration: Registration) -> None:
    await registration.register(form(1, church="New Hope Church"))
    await registration.register(form(2, church="new hope church"))

    (church,) = registration.db.committed.churches.values()
    assert church.name == "New Hope Church"  # the first spelling is kept


# --- documents are not left behind -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("church_limit", "second", "code"),
    [
        (None, form(2, team_name="Peters Warriors 1"), ErrorCode.DUPLICATE_TEAM),
        (
            None,
            form(2, church="Zion Church", captain_email="captain1@example.com"),
            ErrorCode.DUPLICATE_CAPTAIN_EMAIL,
        ),
        (1, form(2), ErrorCode.CHURCH_LIMIT_REACHED),
    ],
    ids=["team-name", "captain-email", "church-limit"],
)
@pytest.mark.asyncio
async def test_a_refusal_seen_by_the_pre_check_uploads_nothing(
    tmp_path: Path, church_limit: int | None, second: RegistrationForm, code: ErrorCode
) -> None:
    registration = build(tmp_path, cheap_writes=False)
    registration.db.add_church(CHURCH, max_teams=church_limit)
    await registration.register(form(1))
    stored = set(registration.store.files)

    error = await registration.refused(second)

    assert error.code is code
    assert set(registration.store.files) == stored
    assert registration.store.deleted == []


@pytest.mark.asyncio
async def test_a_refusal_after_storing_deletes_the_stored_documents(tmp_path: Path) -> None:
    registration = build(tmp_path, cheap_writes=True)  # no pre-check: files go first
    await registration.register(form(1))
    stored = set(registration.store.files)

    error = await registration.refused(form(1))

    assert error.code is ErrorCode.DUPLICATE_TEAM
    assert set(registration.store.files) == stored
    assert len(registration.store.deleted) == TEAM_DOCUMENTS + 2 * PLAYER_DOCUMENTS


@pytest.mark.asyncio
async def test_a_store_failing_midway_leaves_no_document_and_no_team(registration: Registration) -> None:
    registration.store.puts_before_failure = 4

    error = await registration.refused(form(1))

    assert error.code is ErrorCode.STORAGE_UNAVAILABLE
    assert registration.store.files == {}
    assert (
        len(registration.store.deleted) == TEAM_DOCUMENTS + 2 * PLAYER_DOCUMENTS
    )  # every key, stored or not
    assert registration.db.committed.teams == []


@pytest.mark.asyncio
async def test_a_failing_cleanup_does_not_hide_the_reason_of_the_refusal(tmp_path: Path) -> None:
    registration = build(tmp_path, cheap_writes=True)
    await registration.register(form(1))
    registration.store.failing_deletes = True

    error = await registration.refused(form(1))

    assert error.code is ErrorCode.DUPLICATE_TEAM


@pytest.mark.asyncio
async def test_a_commit_that_may_have_landed_keeps_the_documents_for_the_sweep(
    registration: Registration,
) -> None:
    registration.db.commit_error = ConnectionResetError("connection lost during COMMIT")

    with pytest.raises(ConnectionResetError):
        await registration.register(form(1))

    assert len(registration.store.files) == TEAM_DOCUMENTS + 2 * PLAYER_DOCUMENTS
    assert registration.store.deleted == []


# --- the idempotent answer ---------------------------------------------------------------------------


def claim_for(registration: Registration, key: str = "key-1") -> IdempotencyClaim:
    claim = IdempotencyClaim("register", key, NOW)
    registration.db.committed.claims[("register", key)] = NOW
    return claim


@pytest.mark.asyncio
async def test_the_answer_is_recorded_with_the_team(registration: Registration) -> None:
    claim = claim_for(registration)

    receipt = await registration.register(form(1), claim)

    recorded = registration.db.committed.answers[("register", "key-1")]
    assert RegistrationReceipt.from_recorded(recorded) == receipt


@pytest.mark.asyncio
async def test_a_claim_taken_over_by_a_later_attempt_rolls_the_team_back(registration: Registration) -> None:
    claim = claim_for(registration)
    registration.db.committed.claims[("register", "key-1")] = NOW + timedelta(seconds=30)  # taken over

    error = await refusal(registration.register(form(1), claim))

    assert error.code is ErrorCode.IDEMPOTENCY_IN_PROGRESS
    assert registration.db.committed.teams == [] and registration.db.committed.emails == []
    assert registration.store.files == {}


# --- public questions ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_public_list_shows_confirmed_teams_only_in_team_id_order(
    registration: Registration,
) -> None:
    for n in (1, 2, 3):
        await registration.register(form(n, church=f"Church {n}"))
    registration.db.set_status("ICCT-003", TeamStatus.CONFIRMED)
    registration.db.set_status("ICCT-001", TeamStatus.CONFIRMED)

    teams = await registration.service.confirmed_teams()

    assert [(t.team_id, t.church_name, t.player_count) for t in teams] == [
        ("ICCT-001", "Church 1", 2),
        ("ICCT-003", "Church 3", 2),
    ]


def test_the_state_says_whether_registration_is_open_now(tmp_path: Path) -> None:
    opens = NOW + timedelta(days=1)
    state = build(tmp_path, window=RegistrationWindow(opens_at=opens)).service.state()
    assert (state.open, state.opens_at, state.min_players, state.max_players) == (False, opens, 2, 4)
    assert state.max_teams_per_church == 2
    assert build(tmp_path).service.state().open is True
