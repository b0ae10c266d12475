"""Team lifecycle: review transitions, IDs, the church limit and the registration window."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import DomainError, ErrorCode, ValidationFailed
from icct26.domain.registration import (
    ACTIVE_STATUSES,
    ChurchLimitPolicy,
    RegistrationWindow,
    StatusChange,
    TeamStatus,
    check_church_limit,
    format_player_id,
    format_team_id,
    plan_transition,
)

P, C, R = TeamStatus.PENDING, TeamStatus.CONFIRMED, TeamStatus.REJECTED
IST = timezone(timedelta(hours=5, minutes=30), "IST")


# ---- status transitions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target", "reason", "expected"),
    [
        (P, C, None, StatusChange(P, C, None)),
        (P, R, None, StatusChange(P, R, None)),
        (P, R, "  Receipt unreadable ", StatusChange(P, R, "Receipt unreadable")),
        (C, R, "Payment bounced", StatusChange(C, R, "Payment bounced")),
        (C, C, None, None),  # idempotent confirm
        (R, R, None, None),  # idempotent reject
        (R, R, "again", None),
    ],
)
def test_allowed_transitions(
    current: TeamStatus, target: TeamStatus, reason: str | None, expected: StatusChange | None
) -> None:
    assert plan_transition(current, target, reason) == expected


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_rejecting_a_confirmed_team_needs_a_reason(reason: str | None) -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan_transition(C, R, reason)
    assert [(e.field, e.code) for e in caught.value.errors] == [("reason", "required")]


def test_overlong_reason_is_rejected() -> None:
    with pytest.raises(ValidationFailed) as caught:
        plan_transition(P, R, "x" * 1001)
    assert [(e.field, e.code) for e in caught.value.errors] == [("reason", "too_long")]


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        (R, C, "Cannot confirm a team that is rejected"),
        (C, P, "Cannot reopen a team that is confirmed"),
        (R, P, "Cannot reopen a team that is rejected"),
        (P, P, "Cannot reopen a team that is pending"),
    ],
)
def test_other_transitions_are_invalid(current: TeamStatus, target: TeamStatus, message: str) -> None:
    with pytest.raises(DomainError) as caught:
        plan_transition(current, target, "because")
    assert caught.value.code is ErrorCode.INVALID_STATUS_TRANSITION
    assert caught.value.message == message
    assert caught.value.extra == {"current_status": current.value, "requested_status": target.value}


def test_active_statuses_hold_a_slot_and_rejected_frees_it() -> None:
    assert frozenset({P, C, TeamStatus.CHANGES_REQUESTED}) == ACTIVE_STATUSES
    assert R not in ACTIVE_STATUSES
    assert [s.value for s in TeamStatus][:3] == ["pending", "confirmed", "rejected"]


# ---- IDs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seq", "team_id"),
    [(1, "ICCT-001"), (42, "ICCT-042"), (999, "ICCT-999"), (1000, "ICCT-1000"), (12345, "ICCT-12345")],
)
def test_team_ids_are_zero_padded_and_grow(seq: int, team_id: str) -> None:
    assert format_team_id("ICCT", seq) == team_id


@given(st.integers(1, 10**6))
def test_team_id_keeps_the_sequence_number(seq: int) -> None:
    prefix, _, number = format_team_id("ICCT", seq).rpartition("-")
    assert prefix == "ICCT"
    assert int(number) == seq
    assert len(number) == max(3, len(str(seq)))


def test_player_ids_follow_roster_order() -> None:
    assert format_player_id("ICCT-001", 1) == "ICCT-001-P01"
    assert format_player_id("ICCT-1000", 15) == "ICCT-1000-P15"


@pytest.mark.parametrize("bad", [0, -1])
def test_id_numbers_start_at_one(bad: int) -> None:
    with pytest.raises(ValueError, match="start at 1"):
        format_team_id("ICCT", bad)
    with pytest.raises(ValueError, match=r"1\.\.99"):
        format_player_id("ICCT-001", bad)
    with pytest.raises(ValueError, match=r"1\.\.99"):
        format_player_id("ICCT-001", 100)


# ---- church limit -----------------------------------------------------------------------------


@pytest.mark.parametrize("active", [0, 1])
def test_church_under_its_limit_may_register(active: int) -> None:
    check_church_limit("CSI Immanuel Church", active, 2)


@pytest.mark.parametrize("active", [2, 3])
def test_church_at_its_limit_is_refused_with_the_frontend_phrase(active: int) -> None:
    with pytest.raises(DomainError) as caught:
        check_church_limit("CSI Immanuel Church", active, 2)
    assert caught.value.code is ErrorCode.CHURCH_LIMIT_REACHED
    assert caught.value.message == "Maximum 2 teams already registered for CSI Immanuel Church"
    assert caught.value.extra["max_teams"] == 2


def test_policy_uses_the_church_override_before_the_default() -> None:
    policy = ChurchLimitPolicy(default_max_teams=2)
    assert policy.limit_for(None) == 2
    assert policy.limit_for(3) == 3
    policy.check("CSI Big Church", 2, church_max_teams=3)
    with pytest.raises(DomainError, match="Maximum 3 teams"):
        policy.check("CSI Big Church", 3, church_max_teams=3)
    with pytest.raises(DomainError, match="Maximum 2 teams"):
        policy.check("CSI Small Church", 2)
    with pytest.raises(DomainError, match="Maximum 0 teams"):
        policy.check("CSI Closed Church", 0, church_max_teams=0)


# ---- registration window ----------------------------------------------------------------------

OPENS = datetime(2026, 1, 10, 9, 0, tzinfo=IST)
CLOSES = datetime(2026, 1, 31, 18, 0, tzinfo=IST)


def closed_message(window: RegistrationWindow, now: datetime) -> str:
    assert not window.is_open(now)
    with pytest.raises(DomainError) as caught:
        window.check(now)
    assert caught.value.code is ErrorCode.REGISTRATION_CLOSED
    return caught.value.message


def test_window_without_bounds_is_open() -> None:
    window = RegistrationWindow()
    assert window.is_open(datetime.now(UTC))
    window.check(datetime.now(UTC))


def test_switched_off_registration_is_closed() -> None:
    assert (
        closed_message(RegistrationWindow(open=False), OPENS + timedelta(days=1)) == "Registration is closed"
    )


def test_window_bounds_are_inclusive_at_opening_and_exclusive_at_closing() -> None:
    window = RegistrationWindow(True, OPENS, CLOSES)
    assert window.is_open(OPENS)
    window.check(OPENS)
    assert window.is_open(CLOSES - timedelta(seconds=1))
    assert window.is_open(OPENS.astimezone(UTC))  # same instant in another zone
    assert "closed on 31 Jan 2026, 18:00 IST" in closed_message(window, CLOSES)


def test_before_opening_says_when_it_opens() -> None:
    window = RegistrationWindow(True, OPENS, CLOSES)
    message = closed_message(window, OPENS - timedelta(minutes=1))
    assert message == "Registration has not opened yet; it opens on 10 Jan 2026, 09:00 IST"
    with pytest.raises(DomainError) as caught:
        window.check(OPENS - timedelta(minutes=1))
    assert caught.value.extra == {"opens_at": OPENS.isoformat(), "closes_at": CLOSES.isoformat()}


def test_window_needs_aware_and_ordered_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        RegistrationWindow(True, datetime(2026, 1, 10), None)
    with pytest.raises(ValueError, match="open before it closes"):
        RegistrationWindow(True, CLOSES, OPENS)
