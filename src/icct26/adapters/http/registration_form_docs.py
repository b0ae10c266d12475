"""OpenAPI description of the registration form (SPEC §3.1), built for this configuration's roster size.

The form is read as a stream, not through a `data` parameter, so Litestar cannot derive its schema.
Players are listed field by field (`player_0_name` .. `player_{MAX_PLAYERS-1}_subscription_file`)
rather than with `patternProperties`, so client generators can express the whole form.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema

from icct26.config import Settings

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
    documents_required = settings.require_player_documents
    for i in range(settings.max_players):
        number = i + 1
        properties[f"player_{i}_name"] = _text(f"Player {number}'s name (2-50 characters)")
        properties[f"player_{i}_role"] = _text(
            f"Player {number}'s role, optional: {', '.join(ROLES)} (case and spacing variants accepted)"
        )
        properties[f"player_{i}_aadhar_file"] = _file(f"Player {number}'s Aadhaar card (PNG, JPEG or PDF)")
        properties[f"player_{i}_subscription_file"] = _file(
            f"Player {number}'s church subscription card (PNG, JPEG or PDF)"
        )
        if i < settings.min_players:
            required.append(f"player_{i}_name")
            if documents_required:
                required += [f"player_{i}_aadhar_file", f"player_{i}_subscription_file"]
    return Schema(
        type=OpenAPIType.OBJECT,
        title="RegistrationForm",
        description=(
            f"Flat multipart form. Players are numbered from 0 without gaps; {settings.min_players} to "
            f"{settings.max_players} players. Every field error is reported at once."
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
