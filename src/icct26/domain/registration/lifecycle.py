"""The review loop and the waiting list: which documents a captain must replace, by when, and who
moves up when a team leaves.

Pure rules: the services read the rows, ask these functions, and write what they decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from icct26.domain.errors import DomainError, ErrorCode, FieldErrors
from icct26.domain.registration.documents import DocumentKind

NOTE_MAX_LENGTH = 500
MAX_REVIEW_ITEMS = 100


class ReviewDocument(StrEnum):
    """A document an organiser can flag, named like its field in the registration form."""

    PASTOR_LETTER = "pastor_letter"
    PAYMENT_RECEIPT = "payment_receipt"
    GROUP_PHOTO = "group_photo"
    AADHAR_FILE = "aadhar_file"
    SUBSCRIPTION_FILE = "subscription_file"

    @property
    def per_player(self) -> bool:
        return self in (ReviewDocument.AADHAR_FILE, ReviewDocument.SUBSCRIPTION_FILE)

    @property
    def kind(self) -> DocumentKind:
        """The stored document kind this item replaces."""
        return _KINDS[self]


_KINDS = {
    ReviewDocument.PASTOR_LETTER: DocumentKind.PASTOR_LETTER,
    ReviewDocument.PAYMENT_RECEIPT: DocumentKind.PAYMENT_RECEIPT,
    ReviewDocument.GROUP_PHOTO: DocumentKind.GROUP_PHOTO,
    ReviewDocument.AADHAR_FILE: DocumentKind.AADHAR,
    ReviewDocument.SUBSCRIPTION_FILE: DocumentKind.SUBSCRIPTION,
}
_PLAYER_SUFFIX = re.compile(r"-P(\d{2})$")


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One flagged document: what, whose (player documents), why, and when the captain answered."""

    document: ReviewDocument
    player_id: str | None
    note: str
    answered_at: datetime | None = None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    def form_field(self) -> str:
        """The multipart field that answers this item: `pastor_letter` or `player_{i}_aadhar_file`
        (i is 0-based, as in the registration form)."""
        if self.player_id is None:
            return self.document.value
        return f"player_{player_index(self.player_id)}_{self.document.value}"


def player_index(player_id: str) -> int:
    """0-based form index of `ICCT-004-P03` (2)."""
    match = _PLAYER_SUFFIX.search(player_id)
    if match is None:
        raise ValueError(f"not a player ID: {player_id!r}")
    return int(match.group(1)) - 1


@dataclass(frozen=True, slots=True)
class RawReviewItem:
    """An item as the organiser sent it, before validation."""

    document: str
    player_id: str | None
    note: str


def parse_review_items(raw: Sequence[RawReviewItem], player_ids: Sequence[str]) -> list[ReviewItem]:
    """Validate the organiser's items against the team's roster; every problem reported at once."""
    errors = FieldErrors()
    roster = {player_id.upper() for player_id in player_ids}
    items: list[ReviewItem] = []
    seen: set[tuple[ReviewDocument, str | None]] = set()
    if not raw:
        errors.add("items", "required", "Name at least one document that needs changes")
    if len(raw) > MAX_REVIEW_ITEMS:
        errors.add("items", "too_many", f"At most {MAX_REVIEW_ITEMS} items")
    for i, item in enumerate(raw[:MAX_REVIEW_ITEMS]):
        where = f"items[{i}]"
        try:
            document = ReviewDocument(item.document.strip().lower())
        except ValueError:
            allowed = ", ".join(d.value for d in ReviewDocument)
            errors.add(f"{where}.document", "invalid_choice", f"document must be one of {allowed}")
            continue
        player_id = (item.player_id or "").strip().upper() or None
        if document.per_player:
            if player_id is None:
                errors.add(f"{where}.player_id", "required", f"{document.value} needs the player_id")
                continue
            if player_id not in roster:
                errors.add(
                    f"{where}.player_id", "unknown_player", f"{player_id} is not a player of this team"
                )
                continue
        elif player_id is not None:
            errors.add(f"{where}.player_id", "not_allowed", f"{document.value} is a team document")
            continue
        note = " ".join(item.note.split())
        if not note:
            errors.add(f"{where}.note", "required", "Say what needs to change")
            continue
        if len(note) > NOTE_MAX_LENGTH:
            errors.add(f"{where}.note", "too_long", f"A note has at most {NOTE_MAX_LENGTH} characters")
            continue
        if (document, player_id) in seen:
            errors.add(f"{where}", "duplicate", "This document is already in the list")
            continue
        seen.add((document, player_id))
        items.append(ReviewItem(document, player_id, note))
    errors.raise_if_any()
    return items


def review_deadline(now: datetime, requested: datetime | None, default_days: int) -> datetime:
    """The deadline of a change request: the organiser's (in the future) or now + default_days."""
    if requested is None:
        return now + timedelta(days=default_days)
    if requested.utcoffset() is None:
        raise ValueError("deadline must be timezone-aware")
    if requested <= now:
        errors = FieldErrors()
        errors.add("deadline", "in_the_past", "The deadline must be in the future")
        errors.raise_if_any()
    return requested


def answer_items(
    items: Sequence[ReviewItem], fields: Sequence[str], at: datetime
) -> tuple[list[ReviewItem], list[ReviewItem]]:
    """Mark the items answered by the uploaded `fields`; returns (all items, the ones answered now).

    A field that answers no open item is NOT_REQUESTED (nothing is replaced then)."""
    by_field = {item.form_field(): item for item in items if not item.answered}
    unknown = sorted(set(fields) - set(by_field))
    if unknown:
        raise DomainError(
            ErrorCode.NOT_REQUESTED,
            f"These files were not requested: {', '.join(name[:60] for name in unknown[:10])}",
            extra={"fields": [name[:60] for name in unknown[:20]]},
        )
    answered_now = [replace(by_field[name], answered_at=at) for name in fields]
    now_by_key = {(item.document, item.player_id): item for item in answered_now}
    updated = [now_by_key.get((item.document, item.player_id), item) for item in items]
    return updated, answered_now


def all_answered(items: Sequence[ReviewItem]) -> bool:
    return all(item.answered for item in items)


# --- capacity and the waiting list -----------------------------------------------------------------


def check_tournament_capacity(active_teams: int, max_teams_total: int | None) -> None:
    """Refuse another active team once the tournament holds MAX_TEAMS_TOTAL."""
    if max_teams_total is not None and active_teams >= max_teams_total:
        raise DomainError(
            ErrorCode.TOURNAMENT_FULL,
            f"The tournament is full: {max_teams_total} teams are registered",
            extra={"max_teams_total": max_teams_total, "active_teams": active_teams},
        )


@dataclass(frozen=True, slots=True)
class WaitingTeam:
    """A waitlisted team, in queue order (earliest first)."""

    pk: int
    church_pk: int


@dataclass(frozen=True, slots=True)
class Capacity:
    """Active teams now: per church (with each church's limit) and in the whole tournament."""

    church_active: Mapping[int, int]
    church_limit: Mapping[int, int]
    total_active: int
    max_total: int | None

    def church_has_room(self, church_pk: int) -> bool:
        return self.church_active.get(church_pk, 0) < self.church_limit[church_pk]

    @property
    def tournament_has_room(self) -> bool:
        return self.max_total is None or self.total_active < self.max_total

    def fits(self, church_pk: int) -> bool:
        return self.tournament_has_room and self.church_has_room(church_pk)

    def with_one_more(self, church_pk: int) -> Capacity:
        active = dict(self.church_active)
        active[church_pk] = active.get(church_pk, 0) + 1
        return replace(self, church_active=active, total_active=self.total_active + 1)


def teams_to_promote(queue: Sequence[WaitingTeam], capacity: Capacity) -> list[WaitingTeam]:
    """Who moves up now, in queue order: each time the earliest waiting team that fits (its church and
    the tournament both have room) takes a slot, until nobody else fits."""
    promoted: list[WaitingTeam] = []
    for team in queue:
        if not capacity.tournament_has_room:
            break
        if capacity.church_has_room(team.church_pk):
            promoted.append(team)
            capacity = capacity.with_one_more(team.church_pk)
    return promoted


def waitlist_position(team: WaitingTeam, queue: Sequence[WaitingTeam], capacity: Capacity) -> int:
    """A live rank, 1 = promoted next: within the whole queue while the tournament is full, else
    within the team's church's queue."""
    ahead = queue[: [t.pk for t in queue].index(team.pk)]
    if not capacity.tournament_has_room:
        return 1 + len(ahead)
    return 1 + sum(1 for t in ahead if t.church_pk == team.church_pk)
