"""TeamReviewService, the e-mail re-send and the audit page against in-memory fakes: which review
steps are allowed, what each one writes (status, audit row, owed email) and what a refusal leaves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from icct26.domain.audit import Actor
from icct26.domain.errors import ErrorCode
from icct26.domain.registration import TeamStatus
from icct26.services.admin_teams import TeamReviewService
from icct26.services.admin_users import AuditLogService
from icct26.services.document_links import DocumentLinks
from icct26.services.outbox import resend_team_email
from tests.fakes.admin import FakeAdminDatabase
from tests.fakes.storage import FakeDocumentStore
from tests.unit.services.expect import refusal

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ORGANISER = Actor(1, "admin@example.org", "10.0.0.7", "req-1")
BASE_URL = "https://api.example.test"
LINK_TTL = 600


@pytest.fixture
def db() -> FakeAdminDatabase:
    return FakeAdminDatabase()


@pytest.fixture
def review(db: FakeAdminDatabase) -> TeamReviewService:
    return TeamReviewService(db.unit_of_work, DocumentLinks(FakeDocumentStore(), LINK_TTL), clock=lambda: NOW)


def nothing_written(db: FakeAdminDatabase) -> bool:
    return db.commits == 0 and db.committed.audit == [] and db.committed.emails == []


# --- confirm and reject -----------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_confirming_a_pending_team_records_who_when_and_owes_the_captain_an_email(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions", players=2)

    outcome = await review.confirm(" icct-001 ", ORGANISER)

    assert (outcome.team_id, outcome.status, outcome.changed) == ("ICCT-001", TeamStatus.CONFIRMED, True)
    team = db.team("ICCT-001")
    assert (team.status, team.status_changed_at, team.status_changed_by) == (
        TeamStatus.CONFIRMED,
        NOW,
        "admin@example.org",
    )
    (email,) = db.committed.emails
    assert (email.kind, email.recipient, email.team_pk) == ("team_confirmed", "captain1@example.com", 1)
    assert [p["player_id"] for p in email.context["players"]] == ["ICCT-001-P01", "ICCT-001-P02"]
    (entry,) = db.committed.audit
    assert (entry.actor, entry.action, entry.target_type, entry.target_id) == (
        ORGANISER,
        "team.confirm",
        "team",
        "ICCT-001",
    )
    assert entry.before == {"status": "pending", "status_reason": None}
    assert entry.after == {"status": "confirmed", "status_reason": None}


@pytest.mark.asyncio
async def test_confirming_twice_changes_nothing_the_second_time(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions")
    await review.confirm("ICCT-001", ORGANISER)

    again = await review.confirm("ICCT-001", ORGANISER)

    assert (again.status, again.changed) == (TeamStatus.CONFIRMED, False)
    assert len(db.committed.emails) == 1 and len(db.committed.audit) == 1


@pytest.mark.asyncio
async def test_a_pending_team_may_be_rejected_without_a_reason(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions")

    outcome = await review.reject("ICCT-001", ORGANISER, "   ")

    assert (outcome.status, outcome.changed) == (TeamStatus.REJECTED, True)
    (email,) = db.committed.emails
    assert (email.kind, email.context["reason"]) == ("team_rejected", "")
    assert db.committed.audit[0].action == "team.reject"


@pytest.mark.asyncio
async def test_rejecting_a_confirmed_team_needs_a_reason(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions", status=TeamStatus.CONFIRMED)

    error = await refusal(review.reject("ICCT-001", ORGANISER, None))

    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [(e.field, e.code) for e in error.errors] == [("reason", "required")]
    assert db.team("ICCT-001").status is TeamStatus.CONFIRMED and nothing_written(db)

    outcome = await review.reject("ICCT-001", ORGANISER, "Payment receipt is for another team")

    assert outcome.status is TeamStatus.REJECTED
    assert db.team("ICCT-001").status_reason == "Payment receipt is for another team"
    (entry,) = db.committed.audit
    assert entry.reason == "Payment receipt is for another team"
    assert db.committed.emails[0].context["reason"] == "Payment receipt is for another team"


@pytest.mark.asyncio
async def test_a_rejected_team_cannot_be_confirmed(db: FakeAdminDatabase, review: TeamReviewService) -> None:
    db.add_team("Zion Lions", status=TeamStatus.REJECTED, reason="Duplicate")

    error = await refusal(review.confirm("ICCT-001", ORGANISER))

    assert error.code is ErrorCode.INVALID_STATUS_TRANSITION
    assert error.extra == {"current_status": "rejected", "requested_status": "confirmed"}
    assert nothing_written(db)


@pytest.mark.asyncio
async def test_a_reason_longer_than_the_limit_is_refused(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions")

    error = await refusal(review.reject("ICCT-001", ORGANISER, "x" * 1001))

    assert [(e.field, e.code) for e in error.errors] == [("reason", "too_long")]
    assert nothing_written(db)


@pytest.mark.asyncio
async def test_reviewing_an_unknown_team_is_not_found(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    error = await refusal(review.confirm("ICCT-404", ORGANISER))
    assert error.code is ErrorCode.TEAM_NOT_FOUND


# --- reading teams ------------------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_review_list_filters_and_signs_document_links(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions", church="CSI St. Peter's Church")
    db.add_team("Grace Eagles", church="Grace Church", status=TeamStatus.CONFIRMED)
    db.add_team("Zion Tigers", church="Grace Church")

    by_church = await review.list_teams(base_url=BASE_URL, church="grace  church")
    pending_zion = await review.list_teams(base_url=BASE_URL, status=TeamStatus.PENDING, search=" zion ")

    assert [t.team.team_id for t in by_church.items] == ["ICCT-002", "ICCT-003"]
    assert [t.team.name for t in pending_zion.items] == ["Zion Lions", "Zion Tigers"]
    assert pending_zion.total == 2
    assert by_church.items[0].payment_receipt == (
        f"{BASE_URL}/documents/teams/ICCT-002/payment_receipt.jpg/payment_receipt.jpg?ttl={LINK_TTL}"
    )


@pytest.mark.asyncio
async def test_a_page_outside_the_limits_names_both_fields(review: TeamReviewService) -> None:
    error = await refusal(review.list_teams(base_url=BASE_URL, page=0, page_size=0))
    assert error.code is ErrorCode.VALIDATION_FAILED
    assert [e.field for e in error.errors] == ["page", "page_size"]


@pytest.mark.asyncio
async def test_a_team_and_a_player_are_found_by_id_in_any_case(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions", status=TeamStatus.CONFIRMED, players=3)  # the public view shows confirmed teams

    detail = await review.team("icct-001", base_url=BASE_URL)
    player, team = await review.player(" icct-001-p02 ", base_url=BASE_URL)
    public_team, public_players = await review.public_team("icct-001")

    assert [p.player.player_id for p in detail.players] == ["ICCT-001-P01", "ICCT-001-P02", "ICCT-001-P03"]
    assert detail.players[0].links["aadhar"].endswith("/ICCT-001-P01-aadhar.jpg?ttl=600")
    assert (player.player.position, team.team.team_id) == (2, "ICCT-001")
    assert public_team.name == "Zion Lions" and len(public_players) == 3


@pytest.mark.asyncio
async def test_unknown_teams_and_players_are_not_found(review: TeamReviewService) -> None:
    assert (await refusal(review.team("ICCT-404", base_url=BASE_URL))).code is ErrorCode.TEAM_NOT_FOUND
    assert (await refusal(review.public_team("ICCT-404"))).code is ErrorCode.TEAM_NOT_FOUND
    missing_player = await refusal(review.player("ICCT-001-P99", base_url=BASE_URL))
    assert missing_player.code is ErrorCode.PLAYER_NOT_FOUND


# --- re-sending and the audit trail --------------------------------------------------------------------


@pytest.mark.asyncio
async def test_resending_queues_the_email_of_the_current_status_and_audits_it(
    db: FakeAdminDatabase, review: TeamReviewService
) -> None:
    db.add_team("Zion Lions")
    db.add_team("Grace Eagles")
    await review.confirm("ICCT-001", ORGANISER)

    confirmed = await resend_team_email(db.email_unit_of_work, " ICCT-001 ", ORGANISER)
    pending = await resend_team_email(db.email_unit_of_work, "ICCT-002", ORGANISER)

    assert (confirmed.team_id, confirmed.kind, pending.kind) == (
        "ICCT-001",
        "team_confirmed",
        "registration_received",
    )
    assert [(e.kind, e.recipient) for e in db.committed.emails] == [
        ("team_confirmed", "captain1@example.com"),
        ("team_confirmed", "captain1@example.com"),
        ("registration_received", "captain2@example.com"),
    ]
    resent = [e for e in db.committed.audit if e.action == "team.resend_email"]
    assert [(e.target_id, e.after) for e in resent] == [
        ("ICCT-001", {"email_kind": "team_confirmed", "status": "confirmed"}),
        ("ICCT-002", {"email_kind": "registration_received", "status": "pending"}),
    ]


@pytest.mark.asyncio
async def test_resending_for_an_unknown_team_is_not_found(db: FakeAdminDatabase) -> None:
    error = await refusal(resend_team_email(db.email_unit_of_work, "ICCT-404", ORGANISER))
    assert error.code is ErrorCode.TEAM_NOT_FOUND
    assert nothing_written(db)


@pytest.mark.asyncio
async def test_the_audit_trail_reads_newest_first(db: FakeAdminDatabase, review: TeamReviewService) -> None:
    db.add_team("Zion Lions")
    db.add_team("Grace Eagles")
    await review.confirm("ICCT-001", ORGANISER)
    await review.reject("ICCT-002", ORGANISER, "Incomplete roster")

    page = await AuditLogService(db.unit_of_work).page(1, 1)

    assert page.total == 2
    assert [(e.action, e.target_id, e.reason, e.ip) for e in page.items] == [
        ("team.reject", "ICCT-002", "Incomplete roster", "10.0.0.7")
    ]
