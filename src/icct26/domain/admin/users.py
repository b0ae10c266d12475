"""Staff accounts: who may log in, with which role, and the password rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from icct26.domain.errors import FieldError, ValidationFailed

PASSWORD_MIN_LENGTH = 10
# argon2 hashes any length, but an unbounded password is a cheap denial-of-service lever.
PASSWORD_MAX_LENGTH = 256


class StaffRole(StrEnum):
    ADMIN = "admin"  # reads and changes everything
    VIEWER = "viewer"  # reads only


@dataclass(frozen=True, slots=True)
class AdminUser:
    id: int
    email: str
    role: StaffRole
    is_active: bool
    password_hash: str
    last_login_at: datetime | None = None
    created_at: datetime | None = None
    token_version: int = 0  # tokens carry it; bumped when the account's access changes

    def summary(self) -> dict[str, object]:
        """The audit view of an account (never the hash)."""
        return {"email": self.email, "role": self.role.value, "is_active": self.is_active}

    def revoked_by(self, *, role: StaffRole | None, is_active: bool | None, password_changed: bool) -> bool:
        """Whether a change ends the account's sessions: a new password (someone may know the old one),
        a new role, or (de)activation. Tokens issued before it then stop working at once."""
        return (
            password_changed
            or (role is not None and role != self.role)
            or (is_active is not None and is_active != self.is_active)
        )


def check_password_policy(password: str, field: str = "password") -> str:
    """Passwords are chosen by organisers, so only length is enforced (NIST 800-63B style)."""
    if len(password) < PASSWORD_MIN_LENGTH:
        message = f"Password must be at least {PASSWORD_MIN_LENGTH} characters"
        raise ValidationFailed([FieldError(field, "too_short", message)])
    if len(password) > PASSWORD_MAX_LENGTH:
        message = f"Password must be at most {PASSWORD_MAX_LENGTH} characters"
        raise ValidationFailed([FieldError(field, "too_long", message)])
    return password


def parse_role(raw: str, field: str = "role") -> StaffRole:
    try:
        return StaffRole(raw.strip().lower())
    except ValueError:
        raise ValidationFailed([FieldError(field, "invalid", "Role must be 'admin' or 'viewer'")]) from None
