"""The review loop and the waiting list: transitions, review items, deadlines, promotion order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import DomainError, ErrorCode, ValidationFailed
from icct26.domain.registration import ACTIVE_STATUSES, LIVE_STATUSES, TeamStatus, plan_transition
from icct26.domain.registration.lifecycle import (
    Capacity,
    RawReviewItem,
    ReviewDocument,
    ReviewItem,
    WaitingTeam,
    all_answered,
    answer_items,
    check_tournament_capacity,
    parse_review_items,
    player_index,
    review_deadline,
    teams_to_promote,
    waitlist_position,
)
from icct26.domain.registration.team import ALLOWED_TRANSITIONS

S = TeamStatus
NOW = datetime(2026, 12, 6, 10, 0, tzinfo=UTC)
ROSTER = [f"ICCT-004-P{i:02d}" for i in range(1, 12)]


# ---- transitions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (S.PENDING, S.CHANGES_REQUESTED, True),
        (S.CHANGES_REQUESTED, S.PENDING, True),
        (S.CHANGES_REQUESTED, S.REJECTED, True),
        (S.CHANGES_REQUESTED, S.CONFIRMED, True),
        (S.PENDING, S.WITHDRAWN, True),
        (S.CHANGES_REQUESTED, S.WITHDRAWN, True),
        (S.CONFIRMED, S.WITHDRAWN, True),
        (S.WAITLISTED, S.PENDING, True),
        (S.WAITLISTED, S.WITHDRAWN, True),
        (S.CONFIRMED, S.CHANGES_REQUESTED, False),
        (S.REJECTED, S.CHANGES_REQUESTED, False),
        (S.WITHDRAWN, S.PENDING, False),
        (S.WITHDRAWN, S.CONFIRMED, False),
        (S.REJECTED, S.WITHDRAWN, False),
        (S.CHANGES_REQUESTED, S.CHANGES_REQUESTED, False),
        (S.WAITLISTED, S.CONFIRMED, False),
        (S.CONFIRMED, S.PENDING, False),
    ],
)
def test_review_loop_transitions_are_allowed_and_others_are_409(
    current: TeamStatus, target: TeamStatus, allowed: bool
) -> None:
    if allowed:
        change = plan_transition(current, target, None)
        assert change is not None and (change.from_status, change.to_status) == (current, target)
        return
    with pytest.raises(DomainError) as caught:
        plan_transition(current, target, "why")
    assert caught.value.code is ErrorCode.INVALID_STATUS_TRANSITION
    assert caught.value.extra == {"current_status": current.value, "requested_status": target.value}


def test_withdrawing_twice_is_an_idempotent_success() -> None:
    assert plan_transition(S.WITHDRAWN, S.WITHDRAWN) is None


@given(st.sampled_from(list(TeamStatus)), st.sampled_from(list(TeamStatus)))
def test_terminal_statuses_never_move_and_slots_follow_the_active_set(
    current: TeamStatus, target: TeamStatus
) -> None:
    try:
        change = plan_transition(current, target, "a reason")
    except DomainError:
        assert target not in ALLOWED_TRANSITIONS[current]
        return
    if change is None:
        assert current == target
        return
    assert current not in (S.REJECTED, S.WITHDRAWN)
    assert change.frees_slot == (current in ACTIVE_STATUSES and target not in ACTIVE_STATUSES)


def test_changes_requested_holds_a_slot_and_withdrawn_frees_it() -> None:
    assert S.CHANGES_REQUESTED in ACTIVE_STATUSES and S.WITHDRAWN not in ACTIVE_STATUSES
    assert S.WAITLISTED not in ACTIVE_STATUSES and S.WAITLISTED in LIVE_STATUSES


# ---- review items ----------------------------------------------------------------------------------


def test_items_are_validated_against_the_roster_all_at_once() -> None:
    raw = [
        RawReviewItem("passport", None, "x"),
        RawReviewItem("aadhar_file", None, "blurry"),
        RawReviewItem("aadhar_file", "ICCT-009-P01", "blurry"),
        RawReviewItem("pastor_letter", "ICCT-004-P01", "unsigned"),
        RawReviewItem("payment_receipt", None, "   "),
    ]
    with pytest.raises(ValidationFailed) as caught:
        parse_review_items(raw, ROSTER)
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("items[0].document", "invalid_choice"),
        ("items[1].player_id", "required"),
        ("items[2].player_id", "unknown_player"),
        ("items[3].player_id", "not_allowed"),
        ("items[4].note", "required"),
    ]


def test_valid_items_map_to_the_registration_form_fields() -> None:
    items = parse_review_items(
        [
            RawReviewItem("aadhar_file", "icct-004-p03", " too   blurry "),
            RawReviewItem("pastor_letter", None, "Not signed"),
        ],
        ROSTER,
    )
    assert items == [
        ReviewItem(ReviewDocument.AADHAR_FILE, "ICCT-004-P03", "too blurry"),
        ReviewItem(ReviewDocument.PASTOR_LETTER, None, "Not signed"),
    ]
    assert [item.form_field() for item in items] == ["player_2_aadhar_file", "pastor_letter"]
    assert player_index("ICCT-1000-P11") == 10


def test_empty_and_duplicate_items_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        parse_review_items([], ROSTER)
    with pytest.raises(ValidationFailed) as caught:
        parse_review_items(
            [RawReviewItem("group_photo", None, "a"), RawReviewItem("group_photo", None, "b")], ROSTER
        )
    assert caught.value.errors[0].code == "duplicate"


def test_answers_mark_items_and_unrequested_files_are_refused() -> None:
    items = parse_review_items(
        [
            RawReviewItem("aadhar_file", "ICCT-004-P03", "blurry"),
            RawReviewItem("pastor_letter", None, "unsigned"),
        ],
        ROSTER,
    )
    updated, now = answer_items(items, ["player_2_aadhar_file"], NOW)
    assert [i.answered_at for i in updated] == [NOW, None] and len(now) == 1
    assert not all_answered(updated)
    with pytest.raises(DomainError) as caught:
        answer_items(updated, ["player_2_aadhar_file"], NOW)  # already answered
    assert caught.value.code is ErrorCode.NOT_REQUESTED
    with pytest.raises(DomainError) as caught:
        answer_items(updated, ["pastor_letter", "player_0_aadhar_file"], NOW)
    assert caught.value.code is ErrorCode.NOT_REQUESTED and caught.value.extra == {
        "fields": ["player_0_aadhar_file"]
    }
    final, _ = answer_items(updated, ["pastor_letter"], NOW)
    assert all_answered(final)


def test_deadline_defaults_and_must_be_in_the_future() -> None:
    assert review_deadline(NOW, None, 5) == NOW + timedelta(days=5)
    later = NOW + timedelta(hours=3)
    assert review_deadline(NOW, later, 5) == later
    with pytest.raises(ValidationFailed):
        review_deadline(NOW, NOW - timedelta(seconds=1), 5)


# ---- capacity and waiting list ---------------------------------------------------------------------


def test_tournament_capacity() -> None:
    check_tournament_capacity(10, None)
    check_tournament_capacity(9, 10)
    with pytest.raises(DomainError) as caught:
        check_tournament_capacity(10, 10)
    assert caught.value.code is ErrorCode.TOURNAMENT_FULL


def test_the_earliest_team_that_fits_moves_up() -> None:
    queue = [WaitingTeam(1, church_pk=10), WaitingTeam(2, church_pk=20), WaitingTeam(3, church_pk=20)]
    full_10 = Capacity({10: 2, 20: 1}, {10: 2, 20: 2}, total_active=3, max_total=None)
    assert teams_to_promote(queue, full_10) == [WaitingTeam(2, 20)]  # church 10 is still full
    assert waitlist_position(queue[0], queue, full_10) == 1
    assert waitlist_position(queue[2], queue, full_10) == 2  # second in church 20's queue
    tournament_full = Capacity({10: 1, 20: 1}, {10: 2, 20: 2}, total_active=2, max_total=2)
    assert teams_to_promote(queue, tournament_full) == []
    assert [waitlist_position(t, queue, tournament_full) for t in queue] == [1, 2, 3]


@given(
    st.lists(st.integers(min_value=0, max_value=3), max_size=12),
    st.lists(st.integers(min_value=0, max_value=2), min_size=4, max_size=4),
    st.one_of(st.none(), st.integers(min_value=0, max_value=8)),
)
def test_promotion_never_exceeds_a_limit_and_never_skips_a_fitting_team(
    churches: list[int], active: list[int], max_total: int | None
) -> None:
    queue = [WaitingTeam(pk, church) for pk, church in enumerate(churches)]
    capacity = Capacity(dict(enumerate(active)), dict.fromkeys(range(4), 2), sum(active), max_total)
    promoted = teams_to_promote(queue, capacity)
    after = capacity
    for team in promoted:
        after = after.with_one_more(team.church_pk)
    assert all(after.church_active[c] <= max(2, active[c]) for c in range(4))
    if max_total is not None:
        assert after.total_active <= max(max_total, capacity.total_active)
    # Nobody left behind fits any more, and nobody overtook an earlier team of the same church.
    left = [t for t in queue if t not in promoted]
    assert not any(after.fits(t.church_pk) for t in left)
    for team in promoted:
        earlier = queue[: queue.index(team)]
        assert all(t in promoted for t in earlier if t.church_pk == team.church_pk)
