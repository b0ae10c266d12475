"""The administration's refusals that both the use cases and the repositories raise, worded once."""

from __future__ import annotations

from icct26.domain.errors import DomainError, ErrorCode, NotFound


def team_not_found(team_id: str) -> NotFound:
    return NotFound(ErrorCode.TEAM_NOT_FOUND, f"No team has ID {team_id}")


def church_not_found(church_id: int) -> NotFound:
    return NotFound(ErrorCode.CHURCH_NOT_FOUND, f"No church has id {church_id}")


def church_exists(name: str) -> DomainError:
    return DomainError(ErrorCode.CHURCH_EXISTS, f"A church named like {name!r} already exists")


def user_not_found(user_id: int) -> NotFound:
    return NotFound(ErrorCode.USER_NOT_FOUND, f"No admin user has id {user_id}")


def user_exists(email: str) -> DomainError:
    return DomainError(ErrorCode.USER_EXISTS, f"An account for {email} already exists")
