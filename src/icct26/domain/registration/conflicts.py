"""Why a valid registration can still be refused: the church or the team's identity is taken."""

from __future__ import annotations

from icct26.domain.errors import DomainError, ErrorCode, FieldError


def unknown_church(name: str) -> DomainError:
    """CHURCH_REGISTRY=closed and the church is not on the list."""
    message = f"{name} is not on the list of participating churches"
    return DomainError(
        ErrorCode.UNKNOWN_CHURCH, message, errors=[FieldError("church_name", "unknown_church", message)]
    )


def duplicate_team(team_name: str, church_name: str | None = None) -> DomainError:
    """The church already has an active team with the same normalised name."""
    where = church_name or "This church"
    return DomainError(
        ErrorCode.DUPLICATE_TEAM,
        f"{where} already has a registered team named {team_name}",
        extra={"team_name": team_name},
    )


def duplicate_captain_email() -> DomainError:
    """The captain's email already captains an active team (the address itself is not echoed)."""
    return DomainError(
        ErrorCode.DUPLICATE_CAPTAIN_EMAIL,
        "The captain's email is already the captain's email of another registered team",
    )
