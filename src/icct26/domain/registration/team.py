"""Team lifecycle rules: review status, human IDs, the per-church limit and the registration window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from icct26.domain.errors import DomainError, ErrorCode, FieldError, ValidationFailed

REASON_MAX_LENGTH = 1000


class TeamStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CHANGES_REQUESTED = "changes_requested"
    WITHDRAWN = "withdrawn"
    WAITLISTED = "waitlisted"


# Active teams hold a church slot; a team waiting for changes keeps its slot. Rejected and withdrawn
# teams free it, waitlisted ones never held one.
ACTIVE_STATUSES = frozenset({TeamStatus.PENDING, TeamStatus.CONFIRMED, TeamStatus.CHANGES_REQUESTED})
# Live teams block a second team of the same name in their church and a second team of their captain.
LIVE_STATUSES = ACTIVE_STATUSES | {TeamStatus.WAITLISTED}
TERMINAL_STATUSES = frozenset({TeamStatus.REJECTED, TeamStatus.WITHDRAWN})

_VERBS = {
    TeamStatus.CONFIRMED: "confirm",
    TeamStatus.REJECTED: "reject",
    TeamStatus.PENDING: "reopen",
    TeamStatus.CHANGES_REQUESTED: "request changes for",
    TeamStatus.WITHDRAWN: "withdraw",
    TeamStatus.WAITLISTED: "waitlist",
}
# The transition table (SPEC 6.2, 6.3). Amending (changes_requested -> pending) and promotion from the
# waiting list (waitlisted -> pending) are the only ways back to pending.
ALLOWED_TRANSITIONS: dict[TeamStatus, frozenset[TeamStatus]] = {
    TeamStatus.PENDING: frozenset(
        {TeamStatus.CONFIRMED, TeamStatus.REJECTED, TeamStatus.CHANGES_REQUESTED, TeamStatus.WITHDRAWN}
    ),
    TeamStatus.CHANGES_REQUESTED: frozenset(
        {TeamStatus.PENDING, TeamStatus.CONFIRMED, TeamStatus.REJECTED, TeamStatus.WITHDRAWN}
    ),
    TeamStatus.CONFIRMED: frozenset({TeamStatus.REJECTED, TeamStatus.WITHDRAWN}),
    TeamStatus.WAITLISTED: frozenset({TeamStatus.PENDING, TeamStatus.REJECTED, TeamStatus.WITHDRAWN}),
    TeamStatus.REJECTED: frozenset(),
    TeamStatus.WITHDRAWN: frozenset(),
}
# Repeating these on a team already there is an idempotent success.
_IDEMPOTENT_TARGETS = frozenset({TeamStatus.CONFIRMED, TeamStatus.REJECTED, TeamStatus.WITHDRAWN})


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A transition to record (with actor and time, added by the service)."""

    from_status: TeamStatus
    to_status: TeamStatus
    reason: str | None

    @property
    def frees_slot(self) -> bool:
        """The team leaves the active set: the waiting list may move up."""
        return self.from_status in ACTIVE_STATUSES and self.to_status not in ACTIVE_STATUSES


def invalid_transition(current: TeamStatus, target: TeamStatus) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_STATUS_TRANSITION,
        f"Cannot {_VERBS[target]} a team that is {current.value}",
        extra={"current_status": current.value, "requested_status": target.value},
    )


def plan_transition(
    current: TeamStatus, target: TeamStatus, reason: str | None = None
) -> StatusChange | None:
    """Decide a status change. None means the team is already there (an idempotent success)."""
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > REASON_MAX_LENGTH:
        message = f"Reason must be at most {REASON_MAX_LENGTH} characters"
        raise ValidationFailed([FieldError("reason", "too_long", message)])
    if current == target and target in _IDEMPOTENT_TARGETS:
        return None
    if target not in ALLOWED_TRANSITIONS[current]:
        raise invalid_transition(current, target)
    if current == TeamStatus.CONFIRMED and target == TeamStatus.REJECTED and reason is None:
        message = "A reason is required to reject a team that was already confirmed"
        raise ValidationFailed([FieldError("reason", "required", message)])
    return StatusChange(current, target, reason)


def format_team_id(prefix: str, seq: int) -> str:
    """ICCT-001, ..., ICCT-999, ICCT-1000: zero-padded to 3 digits, never truncated."""
    if seq < 1:
        raise ValueError("team sequence numbers start at 1")
    return f"{prefix}-{seq:03d}"


def format_player_id(team_id: str, position: int) -> str:
    """ICCT-001-P01 for the first player in roster order."""
    if not 1 <= position <= 99:
        raise ValueError("player positions are 1..99")
    return f"{team_id}-P{position:02d}"


def check_church_limit(church_name: str, active_count: int, max_teams: int) -> None:
    """Refuse another team once the church holds `max_teams` active ones.

    The frontend looks for "Maximum N teams" in the message to show its church-limit banner.
    """
    if active_count >= max_teams:
        raise DomainError(
            ErrorCode.CHURCH_LIMIT_REACHED,
            f"Maximum {max_teams} teams already registered for {church_name}",
            extra={"church_name": church_name, "max_teams": max_teams, "team_count": active_count},
        )


@dataclass(frozen=True, slots=True)
class ChurchLimitPolicy:
    """Tournament default (MAX_TEAMS_PER_CHURCH) unless the church has its own `max_teams`."""

    default_max_teams: int = 2

    def limit_for(self, church_max_teams: int | None) -> int:
        return self.default_max_teams if church_max_teams is None else church_max_teams

    def check(self, church_name: str, active_count: int, church_max_teams: int | None = None) -> None:
        check_church_limit(church_name, active_count, self.limit_for(church_max_teams))


def _when(moment: datetime) -> str:
    return f"{moment:%d %b %Y, %H:%M} {moment.tzname()}"


@dataclass(frozen=True, slots=True)
class RegistrationWindow:
    """REGISTRATION_OPEN switch plus optional opening and closing times (timezone-aware)."""

    open: bool = True
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    def __post_init__(self) -> None:
        for moment in (self.opens_at, self.closes_at):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("registration window times must be timezone-aware")
        if self.opens_at and self.closes_at and self.opens_at >= self.closes_at:
            raise ValueError("registration must open before it closes")

    def is_open(self, now: datetime) -> bool:
        if not self.open:
            return False
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at

    def check(self, now: datetime) -> None:
        """Raise REGISTRATION_CLOSED, saying when it opens or when it closed."""
        if self.is_open(now):
            return
        if not self.open:
            message = "Registration is closed"
        elif self.opens_at is not None and now < self.opens_at:
            message = f"Registration has not opened yet; it opens on {_when(self.opens_at)}"
        else:
            assert self.closes_at is not None
            message = f"Registration closed on {_when(self.closes_at)}"
        extra: dict[str, object] = {
            "opens_at": self.opens_at.isoformat() if self.opens_at else None,
            "closes_at": self.closes_at.isoformat() if self.closes_at else None,
        }
        raise DomainError(ErrorCode.REGISTRATION_CLOSED, message, extra=extra)
