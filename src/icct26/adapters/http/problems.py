"""The error catalogue and the one problem+json shape (RFC 9457) every error response uses.

The body serves RFC clients and all three ways the existing frontend reads errors: `detail` and
`message` are the same human string, `success` is false, `error_code` is stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from icct26.domain.errors import DomainError, ErrorCode, FieldError

PROBLEM_MEDIA_TYPE = "application/problem+json"


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    status: int
    title: str
    description: str


C = ErrorCode
CATALOGUE: dict[ErrorCode, ErrorSpec] = {
    C.VALIDATION_FAILED: ErrorSpec(422, "Validation failed", "One or more fields are invalid; see `errors`."),
    C.MALFORMED_REQUEST: ErrorSpec(400, "Malformed request", "The body or a parameter could not be parsed."),
    C.UNSUPPORTED_MEDIA_TYPE: ErrorSpec(415, "Unsupported media type", "The Content-Type is not accepted."),
    C.FILE_TOO_LARGE: ErrorSpec(413, "File too large", "One uploaded file exceeds MAX_FILE_BYTES."),
    C.BODY_TOO_LARGE: ErrorSpec(
        413, "Request body too large", "The request body exceeds this route's limit."
    ),
    C.INVALID_FILE_TYPE: ErrorSpec(422, "Invalid file type", "A file is not PNG, JPEG or PDF as declared."),
    C.NOT_REQUESTED: ErrorSpec(
        422, "Not requested", "The organisers did not ask for this file; only flagged documents are replaced."
    ),
    C.TOO_MANY_PARTS: ErrorSpec(400, "Too many parts", "The multipart body has more parts than allowed."),
    C.REGISTRATION_CLOSED: ErrorSpec(403, "Registration closed", "Registration is outside its window."),
    C.UNKNOWN_CHURCH: ErrorSpec(422, "Unknown church", "Only listed churches may register."),
    C.CHURCH_LIMIT_REACHED: ErrorSpec(409, "Church limit reached", "The church holds its maximum teams."),
    C.TOURNAMENT_FULL: ErrorSpec(
        409, "Tournament full", "The tournament holds MAX_TEAMS_TOTAL active teams."
    ),
    C.CHURCH_EXISTS: ErrorSpec(409, "Church exists", "A church with the same normalised name exists."),
    C.CHURCH_IN_USE: ErrorSpec(409, "Church in use", "The church still has teams and cannot be deleted."),
    C.DUPLICATE_TEAM: ErrorSpec(409, "Duplicate team", "The church already has an active team of that name."),
    C.DUPLICATE_CAPTAIN_EMAIL: ErrorSpec(
        409, "Duplicate captain email", "This email is already captain of an active team."
    ),
    C.IDEMPOTENCY_KEY_INVALID: ErrorSpec(400, "Invalid Idempotency-Key", "Use 1-255 printable characters."),
    C.IDEMPOTENCY_KEY_REUSED: ErrorSpec(
        422, "Idempotency-Key reused", "The key was used for a different request payload."
    ),
    C.IDEMPOTENCY_IN_PROGRESS: ErrorSpec(
        409, "Request in progress", "A request with this key is still running; retry later."
    ),
    C.TEAM_NOT_FOUND: ErrorSpec(404, "Team not found", "No team has this team ID."),
    C.PLAYER_NOT_FOUND: ErrorSpec(404, "Player not found", "No player has this player ID."),
    C.MATCH_NOT_FOUND: ErrorSpec(404, "Match not found", "No match has this ID."),
    C.CHURCH_NOT_FOUND: ErrorSpec(404, "Church not found", "No church has this ID."),
    C.DOCUMENT_NOT_FOUND: ErrorSpec(404, "Document not found", "The document link is invalid or expired."),
    C.IMAGE_NOT_FOUND: ErrorSpec(404, "Image not found", "No gallery image has this ID."),
    C.USER_NOT_FOUND: ErrorSpec(404, "User not found", "No admin user has this ID."),
    C.EMAIL_NOT_FOUND: ErrorSpec(404, "Email not found", "No outbox email has this ID."),
    C.NOT_FOUND: ErrorSpec(404, "Not found", "No resource at this path."),
    C.METHOD_NOT_ALLOWED: ErrorSpec(405, "Method not allowed", "The path does not accept this method."),
    C.INVALID_STATUS_TRANSITION: ErrorSpec(
        409, "Invalid status transition", "The team cannot move to that status from its current one."
    ),
    C.MATCH_CONFLICT: ErrorSpec(409, "Match conflict", "A match with this round and match number exists."),
    C.MATCH_LOCKED: ErrorSpec(409, "Match locked", "Live or completed matches cannot be changed that way."),
    C.INVALID_MATCH_STATE: ErrorSpec(409, "Invalid match state", "The match is not at the step required."),
    C.TEAM_NOT_ELIGIBLE: ErrorSpec(422, "Team not eligible", "Only confirmed teams can play matches."),
    C.INVALID_RESULT: ErrorSpec(422, "Invalid result", "The result does not agree with the scores."),
    C.USER_EXISTS: ErrorSpec(409, "User exists", "An admin user with this email exists."),
    C.UNAUTHORIZED: ErrorSpec(401, "Unauthorized", "A valid bearer token is required."),
    C.INVALID_CREDENTIALS: ErrorSpec(401, "Invalid credentials", "Email or password is wrong."),
    C.FORBIDDEN: ErrorSpec(403, "Forbidden", "Your role may not perform this action."),
    C.RATE_LIMIT_EXCEEDED: ErrorSpec(429, "Too many requests", "Slow down; see Retry-After."),
    C.REQUEST_TIMEOUT: ErrorSpec(503, "Request timeout", "The request took too long and was rolled back."),
    C.STORAGE_UNAVAILABLE: ErrorSpec(503, "Storage unavailable", "Document storage is unreachable."),
    C.DATABASE_UNAVAILABLE: ErrorSpec(503, "Database unavailable", "The database is unreachable."),
    C.SERVICE_UNAVAILABLE: ErrorSpec(503, "Service unavailable", "The service is starting or stopping."),
    C.INTERNAL_ERROR: ErrorSpec(500, "Internal error", "Something failed on our side; it has been logged."),
}


class ProblemFieldError(msgspec.Struct):
    field: str
    code: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """Wire shape of every error (documented in OpenAPI as the error response of each operation)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    error_code: ErrorCode  # one of the catalogue (docs/ERROR_CODES.md)
    message: str
    request_id: str | None = None
    success: bool = False
    errors: list[ProblemFieldError] | None = None


def problem_type(code: ErrorCode) -> str:
    return f"urn:icct26:problem:{code.value.lower().replace('_', '-')}"


def build_problem(
    code: ErrorCode,
    detail: str | None,
    *,
    instance: str,
    request_id: str | None,
    errors: list[FieldError] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[int, bytes]:
    """Return (status, body bytes) for a problem. The only place error bodies are built."""
    spec = CATALOGUE[code]
    text = detail or spec.description
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": spec.title,
        "status": spec.status,
        "detail": text,
        "instance": instance,
        "success": False,
        "error_code": code.value,
        "message": text,
        "request_id": request_id,
    }
    if errors:
        body["errors"] = [{"field": e.field, "code": e.code, "message": e.message} for e in errors]
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    return spec.status, msgspec.json.encode(body)


def problem_for_domain_error(
    exc: DomainError, *, instance: str, request_id: str | None
) -> tuple[int, bytes, dict[str, str]]:
    status, body = build_problem(
        exc.code,
        exc.message,
        instance=instance,
        request_id=request_id,
        errors=exc.errors,
        extra=exc.extra,
    )
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else {}
    return status, body, headers


def render_error_codes_markdown() -> str:
    """`docs/ERROR_CODES.md`, generated from the catalogue (a test keeps the file in sync)."""
    lines = [
        "# Error codes",
        "",
        "Generated from `icct26.adapters.http.problems.CATALOGUE` by `icct26 docs error-codes`;",
        "`tests/unit/test_error_catalogue.py` fails when this file is out of date.",
        "",
        "Every error response is `application/problem+json` with `type`, `title`, `status`, `detail`,",
        "`instance`, `success: false`, `error_code`, `message` (same text as `detail`), `request_id`, and",
        "for validation errors `errors: [{field, code, message}]`.",
        "",
        "| error_code | HTTP status | meaning |",
        "| --- | --- | --- |",
    ]
    for code, spec in CATALOGUE.items():
        lines.append(f"| `{code.value}` | {spec.status} | {spec.description} |")
    return "\n".join(lines) + "\n"
