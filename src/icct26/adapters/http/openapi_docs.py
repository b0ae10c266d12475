"""OpenAPI documentation the handlers cannot derive from their signatures: error responses from the
error catalogue, routes that stream files, and the registration form read as a stream."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)

from icct26.adapters.http.problems import CATALOGUE, PROBLEM_MEDIA_TYPE, Problem
from icct26.config import Settings
from icct26.domain.errors import ErrorCode

C = ErrorCode
# Body limit, rate limit, request deadline, database outage, and a bug: possible on every operation.
SURROUNDING: tuple[ErrorCode, ...] = (
    C.BODY_TOO_LARGE,
    C.RATE_LIMIT_EXCEEDED,
    C.REQUEST_TIMEOUT,
    C.DATABASE_UNAVAILABLE,
    C.INTERNAL_ERROR,
)
# Health probes are never rate limited (their routes declare the `unmetered` policy).
UNMETERED_ERRORS: tuple[ErrorCode, ...] = tuple(c for c in SURROUNDING if c is not C.RATE_LIMIT_EXCEEDED)
# Operations with parameters or a body: input that does not parse (400) or breaks its schema (422).
REQUEST_ERRORS: tuple[ErrorCode, ...] = (C.MALFORMED_REQUEST, C.VALIDATION_FAILED)
# Staff writes with a body: a staff token allowed to write, input that parses and fits its schema,
# and an Idempotency-Key that is well formed, not reused for another request, and not still running.
STAFF_WRITE_ERRORS: tuple[ErrorCode, ...] = (
    C.UNAUTHORIZED,
    C.FORBIDDEN,
    C.VALIDATION_FAILED,
    C.MALFORMED_REQUEST,
    C.IDEMPOTENCY_KEY_INVALID,
    C.IDEMPOTENCY_KEY_REUSED,
    C.IDEMPOTENCY_IN_PROGRESS,
)


def problem_responses(
    *codes: ErrorCode, surrounding: Iterable[ErrorCode] = SURROUNDING
) -> dict[int, ResponseSpec]:
    """One problem+json response per status; codes sharing a status are listed together."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys([*codes, *surrounding]):  # de-duplicated, in order
        by_status.setdefault(CATALOGUE[code].status, []).append(code)
    return {
        status: ResponseSpec(
            data_container=Problem,
            description="; ".join(f"`{c.value}`: {CATALOGUE[c].description}" for c in group),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status, group in sorted(by_status.items())
    }


def success_response(container: type[Any], description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """A documented success answer. No generated examples: they are random, and the document must be
    the same on every start."""
    return {status: ResponseSpec(generate_examples=False, data_container=container, description=description)}


def file_operation(media_types: Iterable[str], description: str) -> type[Operation]:
    """An `operation_class` whose 200 response is a file of one of `media_types`."""
    binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
    success = OpenAPIResponse(
        description=description,
        content={media_type: OpenAPIMediaType(schema=binary) for media_type in media_types},
    )

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            self.responses = {**(self.responses or {}), "200": success}

    return FileOperation


ROLES = ("Batsman", "Bowler", "All-Rounder", "Wicket-Keeper")
TEAM_FIELDS_REQUIRED = (
    "team_name",
    "church_name",
    "captain_name",
    "captain_phone",
    "captain_email",
    "vice_name",
    "vice_phone",
    "vice_email",
    "pastor_letter",
    "payment_receipt",
)


def _text(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, description=description)


def _file(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, format="binary", description=description)  # type: ignore[arg-type]


def registration_form_schema(settings: Settings) -> Schema:
    """Every field of the form; players 0..MIN_PLAYERS-1 are required, the rest optional."""
    properties: dict[str, Schema] = {
        "team_name": _text("3-80 characters: letters, digits, spaces and ' - . &"),
        "church_name": _text("The church's name (must be listed when CHURCH_REGISTRY=closed)"),
        "captain_name": _text("2-50 characters: letters, spaces and ' - ."),
        "captain_phone": _text("Indian mobile number, e.g. 9876543210 or +91 98765 43210"),
        "captain_email": _text("Email address"),
        "captain_whatsapp": _text("Optional Indian mobile number; empty means none"),
        "vice_name": _text("2-50 characters; a different person from the captain"),
        "vice_phone": _text("Indian mobile number, different from the captain's"),
        "vice_email": _text("Email address"),
        "vice_whatsapp": _text("Optional Indian mobile number; empty means none"),
        "pastor_letter": _file("PNG, JPEG or PDF, at most MAX_FILE_BYTES"),
        "payment_receipt": _file("PNG, JPEG or PDF, at most MAX_FILE_BYTES"),
        "group_photo": _file("Optional; PNG, JPEG or PDF"),
        "waitlist": _text(
            "Optional `true`: when the church or the tournament is full, join the waiting list "
            "(201 `waitlisted` with `waitlist_position`) instead of a 409"
        ),
    }
    required = list(TEAM_FIELDS_REQUIRED)
    rules = settings.registration
    for i in range(rules.max_players):
        number = i + 1
        properties[f"player_{i}_name"] = _text(f"Player {number}'s name (2-50 characters)")
        properties[f"player_{i}_role"] = _text(
            f"Player {number}'s role, optional: {', '.join(ROLES)} (case and spacing variants accepted)"
        )
        properties[f"player_{i}_aadhar_file"] = _file(f"Player {number}'s Aadhaar card (PNG, JPEG or PDF)")
        properties[f"player_{i}_subscription_file"] = _file(
            f"Player {number}'s church subscription card (PNG, JPEG or PDF)"
        )
        if i < rules.min_players:
            required.append(f"player_{i}_name")
            if rules.require_player_documents:
                required += [f"player_{i}_aadhar_file", f"player_{i}_subscription_file"]
    return Schema(
        type=OpenAPIType.OBJECT,
        title="RegistrationForm",
        description=(
            f"Flat multipart form. Players are numbered from 0 without gaps; {rules.min_players} to "
            f"{rules.max_players} players. Every field error is reported at once."
        ),
        properties=properties,  # type: ignore[arg-type]
        required=required,
    )


def registration_form_operation(settings: Settings) -> type[Operation]:
    """An `operation_class` that documents the form as the request body of the registration route."""
    body = RequestBody(
        content={"multipart/form-data": OpenAPIMediaType(schema=registration_form_schema(settings))},
        description="The registration form with its documents",
        required=True,
    )

    @dataclass
    class RegistrationFormOperation(Operation):
        def __post_init__(self) -> None:
            if self.request_body is None:
                self.request_body = body

    return RegistrationFormOperation
