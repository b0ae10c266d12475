"""The served OpenAPI document is complete enough to generate clients and to fuzz the API from.

Every operation: a unique camelCase operationId, a tag, a summary, and its errors documented as
problem+json (`Problem`). The operationId list is a snapshot: renaming or removing one breaks
generated clients, so it must be deliberate (update EXPECTED_OPERATION_IDS in the same change).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.support.contract_server import ContractServer

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
CAMEL_CASE = re.compile(r"^[a-z][a-zA-Z0-9]*$")
PROBLEM_REF = "#/components/schemas/Problem"
# Answers that are a state, not an error: the compatibility health document says "degraded" with 503.
STATE_ANSWERS = {("GET /health", "503")}

EXPECTED_OPERATION_IDS = {
    "GET /admin/audit-log": "adminAuditLog",
    "GET /admin/document-access": "adminDocumentAccess",
    "GET /admin/churches": "adminListChurches",
    "POST /admin/churches": "adminCreateChurch",
    "DELETE /admin/churches/{church_id}": "adminDeleteChurch",
    "GET /admin/churches/{church_id}": "adminGetChurch",
    "PUT /admin/churches/{church_id}": "adminUpdateChurch",
    "GET /admin/emails": "listOutboxEmails",
    "GET /admin/players/{player_id}": "adminGetPlayer",
    "GET /admin/teams": "adminListTeams",
    "GET /admin/teams/export": "adminExportTeams",
    "GET /admin/teams/{team_id}": "adminGetTeam",
    "PUT /admin/teams/{team_id}/confirm": "adminConfirmTeam",
    "PUT /admin/teams/{team_id}/reject": "adminRejectTeam",
    "PUT /admin/teams/{team_id}/request-changes": "adminRequestChanges",
    "POST /admin/teams/{team_id}/rotate-captain-link": "adminRotateCaptainLink",
    "POST /admin/teams/{team_id}/resend-email": "resendTeamEmail",
    "GET /admin/users": "adminListUsers",
    "POST /admin/users": "adminCreateUser",
    "DELETE /admin/users/{user_id}": "adminDeleteUser",
    "GET /admin/users/{user_id}": "adminGetUser",
    "PUT /admin/users/{user_id}": "adminUpdateUser",
    "POST /api/auth/login": "login",
    "GET /api/captain/{token}": "captainGetTeam",
    "POST /api/captain/{token}/documents": "captainUploadDocuments",
    "POST /api/captain/{token}/withdraw": "captainWithdraw",
    "GET /api/auth/me": "currentUser",
    "GET /api/churches/availability": "getChurchAvailability",
    "GET /api/gallery": "listGalleryImages",
    "POST /api/gallery": "uploadGalleryImage",
    "DELETE /api/gallery/{image_id}": "deleteGalleryImage",
    "POST /api/register/team": "registerTeam",
    "GET /api/registration/status": "getRegistrationStatus",
    "POST /api/schedule/generate": "generateFixtures",
    "GET /api/schedule/calendar.ics": "getScheduleCalendar",
    "GET /api/schedule/events": "streamScheduleEvents",
    "GET /api/schedule/matches": "listMatches",
    "POST /api/schedule/matches": "createMatch",
    "DELETE /api/schedule/matches/{match_id}": "deleteMatch",
    "GET /api/schedule/matches/{match_id}": "getMatch",
    "PUT /api/schedule/matches/{match_id}": "updateMatch",
    "PUT /api/schedule/matches/{match_id}/abandon": "abandonMatch",
    "PUT /api/schedule/matches/{match_id}/advance": "advanceTeam",
    "PUT /api/schedule/matches/{match_id}/finish": "finishMatch",
    "PUT /api/schedule/matches/{match_id}/first-innings-score": "recordFirstInnings",
    "PUT /api/schedule/matches/{match_id}/second-innings-score": "recordSecondInnings",
    "PUT /api/schedule/matches/{match_id}/start": "startMatch",
    "GET /api/schedule/standings": "getStandings",
    "GET /api/teams": "listConfirmedTeams",
    "GET /api/teams/{team_id}": "getTeam",
    "GET /documents/{token}/{filename}": "getDocument",
    "GET /health": "health",
    "GET /health/live": "healthLive",
    "GET /health/ready": "healthReady",
}


@pytest.fixture(scope="module")
def document(contract: ContractServer) -> dict[str, Any]:
    resp = httpx.get(f"{contract.url}/schema/openapi.json", timeout=30)
    assert resp.status_code == 200
    doc: dict[str, Any] = resp.json()
    return doc


def operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        f"{method.upper()} {path}": operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


def test_every_operation_has_a_stable_unique_camel_case_operation_id(document: dict[str, Any]) -> None:
    found = {label: op.get("operationId") for label, op in operations(document).items()}
    assert all(found.values()), [label for label, op_id in found.items() if not op_id]
    assert len(set(found.values())) == len(found), "operationIds must be unique"
    assert not [op_id for op_id in found.values() if not CAMEL_CASE.match(op_id)]
    # Snapshot: a rename breaks generated clients, so it must show up in review.
    assert dict(sorted(found.items())) == dict(sorted(EXPECTED_OPERATION_IDS.items()))


def test_every_operation_has_tags_and_a_summary(document: dict[str, Any]) -> None:
    for label, op in operations(document).items():
        assert op.get("tags") and all(op["tags"]), f"{label} has no tag"
        assert (op.get("summary") or "").strip(), f"{label} has no summary"


def error_responses(label: str, op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        status: response
        for status, response in op["responses"].items()
        if status[0] in "45" and (label, status) not in STATE_ANSWERS
    }


def test_every_operation_documents_its_errors_as_problem_json(document: dict[str, Any]) -> None:
    for label, op in operations(document).items():
        errors = error_responses(label, op)
        client_errors = [status for status in errors if status.startswith("4")]
        assert client_errors, f"{label} documents no 4xx response"
        for status, response in errors.items():
            content = response.get("content", {})
            # Only problem+json: a client must never be told to expect another error shape.
            assert list(content) == ["application/problem+json"], f"{label} {status}: {list(content)}"
            assert content["application/problem+json"]["schema"] == {"$ref": PROBLEM_REF}, label
            assert "`" in response["description"], f"{label} {status} names no error code"


def test_documented_error_codes_exist_in_the_catalogue(document: dict[str, Any]) -> None:
    from icct26.adapters.http.problems import CATALOGUE

    by_code = {code.value: spec.status for code, spec in CATALOGUE.items()}
    for label, op in operations(document).items():
        for status, response in error_responses(label, op).items():
            codes = re.findall(r"`([A-Z_]+)`", response["description"])
            assert codes, f"{label} {status}"
            for code in codes:
                assert by_code.get(code) == int(status), f"{label}: {code} is not a {status}"


def test_problem_schema_has_the_members_every_error_carries(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance", "error_code", "message"} <= set(
        problem["required"]
    )
    assert {"success", "request_id", "errors"} <= set(problem["properties"])


def test_the_registration_form_is_documented_field_by_field(
    document: dict[str, Any], contract: ContractServer
) -> None:
    body = document["paths"]["/api/register/team"]["post"]["requestBody"]
    schema = body["content"]["multipart/form-data"]["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    props = schema["properties"]
    team_fields = {
        "team_name",
        "church_name",
        "captain_name",
        "captain_phone",
        "captain_email",
        "captain_whatsapp",
        "vice_name",
        "vice_phone",
        "vice_email",
        "vice_whatsapp",
    }
    team_files = {"pastor_letter", "payment_receipt", "group_photo"}
    assert team_fields | team_files <= set(props)
    for name in team_files:
        assert props[name]["format"] == "binary", name
    # Default MAX_PLAYERS is 15: indices 0..14, each with a name, role and two documents.
    for i in range(15):
        assert props[f"player_{i}_name"]["type"] == "string"
        assert props[f"player_{i}_role"]["type"] == "string"
        assert props[f"player_{i}_aadhar_file"]["format"] == "binary"
        assert props[f"player_{i}_subscription_file"]["format"] == "binary"
    assert "player_15_name" not in props
    required = set(schema["required"])
    assert {"team_name", "pastor_letter", "payment_receipt", "player_10_name"} <= required
    assert "player_11_name" not in required and "group_photo" not in required


def test_file_downloads_document_the_types_they_stream(document: dict[str, Any]) -> None:
    export = document["paths"]["/admin/teams/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    documents = document["paths"]["/documents/{token}/{filename}"]["get"]["responses"]["200"]["content"]
    assert {"application/pdf", "image/png", "image/jpeg", "image/webp"} <= set(documents)
    for content in (*export.values(), *documents.values()):
        assert content["schema"] == {"type": "string", "format": "binary"}


def test_health_documents_its_degraded_answer(document: dict[str, Any]) -> None:
    responses = document["paths"]["/health"]["get"]["responses"]
    assert responses["503"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Health"
    }
    ready = document["paths"]["/health/ready"]["get"]["responses"]["503"]["description"]
    assert "`SERVICE_UNAVAILABLE`" in ready and "`DATABASE_UNAVAILABLE`" in ready


def test_the_document_is_the_same_on_every_start(settings: Any) -> None:
    """Generated clients, caches and diffs of the schema need one document per version, so it carries
    no generated (random) examples."""
    from icct26.adapters.http.app import build_litestar

    first, second = (build_litestar(settings).openapi_schema.to_schema() for _ in range(2))
    assert first == second
    assert '"examples"' not in repr(first).replace("'", '"')
