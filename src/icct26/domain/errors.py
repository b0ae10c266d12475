"""Domain errors. Every rule violation raises a `DomainError` carrying a stable `ErrorCode`.

The HTTP adapter maps each code to a status and a problem+json body in one place
(`icct26.adapters.http.problems`); nothing else builds error bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    FILE_TOO_LARGE = "FILE_TOO_LARGE"
    BODY_TOO_LARGE = "BODY_TOO_LARGE"
    INVALID_FILE_TYPE = "INVALID_FILE_TYPE"
    NOT_REQUESTED = "NOT_REQUESTED"
    TOO_MANY_PARTS = "TOO_MANY_PARTS"
    REGISTRATION_CLOSED = "REGISTRATION_CLOSED"
    UNKNOWN_CHURCH = "UNKNOWN_CHURCH"
    CHURCH_LIMIT_REACHED = "CHURCH_LIMIT_REACHED"
    TOURNAMENT_FULL = "TOURNAMENT_FULL"
    CHURCH_EXISTS = "CHURCH_EXISTS"
    CHURCH_IN_USE = "CHURCH_IN_USE"
    DUPLICATE_TEAM = "DUPLICATE_TEAM"
    DUPLICATE_CAPTAIN_EMAIL = "DUPLICATE_CAPTAIN_EMAIL"
    IDEMPOTENCY_KEY_INVALID = "IDEMPOTENCY_KEY_INVALID"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDEMPOTENCY_IN_PROGRESS = "IDEMPOTENCY_IN_PROGRESS"
    TEAM_NOT_FOUND = "TEAM_NOT_FOUND"
    PLAYER_NOT_FOUND = "PLAYER_NOT_FOUND"
    MATCH_NOT_FOUND = "MATCH_NOT_FOUND"
    CHURCH_NOT_FOUND = "CHURCH_NOT_FOUND"
    DOCUMENT_NOT_FOUND = "DOCUMENT_NOT_FOUND"
    IMAGE_NOT_FOUND = "IMAGE_NOT_FOUND"
    USER_NOT_FOUND = "USER_NOT_FOUND"
    EMAIL_NOT_FOUND = "EMAIL_NOT_FOUND"
    NOT_FOUND = "NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INVALID_STATUS_TRANSITION = "INVALID_STATUS_TRANSITION"
    MATCH_CONFLICT = "MATCH_CONFLICT"
    MATCH_LOCKED = "MATCH_LOCKED"
    INVALID_MATCH_STATE = "INVALID_MATCH_STATE"
    TEAM_NOT_ELIGIBLE = "TEAM_NOT_ELIGIBLE"
    INVALID_RESULT = "INVALID_RESULT"
    USER_EXISTS = "USER_EXISTS"
    UNAUTHORIZED = "UNAUTHORIZED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMIT_EXCEEDED = "RATE_LIMIT_EXCEEDED"
    REQUEST_TIMEOUT = "REQUEST_TIMEOUT"
    STORAGE_UNAVAILABLE = "STORAGE_UNAVAILABLE"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field; validation collects all of them before failing."""

    field: str
    code: str
    message: str


@dataclass(eq=False)
class DomainError(Exception):
    """A rule was broken. `message` is safe to show to the person who caused it."""

    code: ErrorCode
    message: str
    errors: list[FieldError] = field(default_factory=list)
    # Extra members for the problem body (e.g. `expected_margin`), JSON-safe values only.
    extra: dict[str, object] = field(default_factory=dict)
    # Seconds after which a retry may succeed (IDEMPOTENCY_IN_PROGRESS, RATE_LIMIT_EXCEEDED).
    retry_after: int | None = None

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(DomainError):
    """Input broke one or more field rules; `errors` lists every one of them."""

    def __init__(self, errors: list[FieldError], message: str | None = None) -> None:
        summary = message or (errors[0].message if len(errors) == 1 else f"{len(errors)} fields are invalid")
        super().__init__(ErrorCode.VALIDATION_FAILED, summary, list(errors))


class NotFound(DomainError):
    """A named thing does not exist (TEAM_NOT_FOUND, MATCH_NOT_FOUND, ...)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(code, message)


class FieldErrors:
    """Collects field errors so a whole request is reported at once, then raises if any."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field_name: str, code: str, message: str) -> None:
        self.items.append(FieldError(field_name, code, message))

    def extend(self, errors: list[FieldError]) -> None:
        self.items.extend(errors)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)
