"""docs/API_REFERENCE.md is generated from the served OpenAPI document and shows every operation with
an example; examples that have no curated entry are still built, deterministically, from the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from icct26.adapters.http.api_example_table import EXAMPLES
from icct26.adapters.http.api_examples import Operation, example_from_schema, example_request, operations
from icct26.adapters.http.api_reference import (
    Access,
    access_from_guards,
    access_of,
    operation_heading,
    render_api_reference,
)
from icct26.adapters.http.app import build_litestar
from icct26.cli import api_reference_markdown
from icct26.config import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "API_REFERENCE.md"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings({}, env_file=None)


@pytest.fixture(scope="module")
def document(settings: Settings) -> dict[str, Any]:
    doc: dict[str, Any] = build_litestar(settings).openapi_schema.to_schema()
    return doc


@pytest.fixture(scope="module")
def rendered() -> str:
    return api_reference_markdown()


def test_api_reference_doc_is_in_sync(rendered: str) -> None:
    assert REFERENCE.read_text(encoding="utf-8") == rendered, (
        "run `make docs` (or `icct26 docs api`) to regenerate docs/API_REFERENCE.md"
    )


def test_the_docs_api_command_writes_the_reference(tmp_path: Path, rendered: str) -> None:
    from click.testing import CliRunner

    from icct26.cli import main

    output = tmp_path / "API_REFERENCE.md"
    result = CliRunner().invoke(main, ["docs", "api", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8") == rendered


def section_of(reference: str, operation: Operation) -> str:
    start = reference.index(f"\n### {operation_heading(operation)}\n")
    end = reference.find("\n### ", start + 1)
    return reference[start : end if end != -1 else len(reference)]


def test_every_operation_appears_with_a_request_and_a_response_example(
    document: dict[str, Any], rendered: str
) -> None:
    found = operations(document)
    assert len(found) >= 40
    for operation in found:
        section = section_of(rendered, operation)
        assert f"operationId: `{operation.operation_id}`" in section
        assert "Who may call it: " in section
        assert f"```sh\ncurl {'' if operation.method == 'GET' else f'-X {operation.method} '}" in section
        assert re.search(r"\*\*Response\*\* `2\d\d`", section), operation.operation_id
        assert "(built from the schema)" not in section, operation.operation_id


def test_every_operation_has_a_curated_example(document: dict[str, Any]) -> None:
    ids = {operation.operation_id for operation in operations(document)}
    missing = sorted(ids - set(EXAMPLES))
    assert not missing, f"add examples for {missing} to icct26/adapters/http/api_example_table.py"
    assert not sorted(set(EXAMPLES) - ids), "examples of operations that no longer exist"


def success_schema(document: dict[str, Any], operation: Operation, status: int, media_type: str) -> Any:
    response = operation.spec["responses"][str(status)]
    return response["content"][media_type]["schema"]


def test_curated_responses_have_the_documented_shape(document: dict[str, Any]) -> None:
    for operation in operations(document):
        example = EXAMPLES[operation.operation_id]
        assert str(example.status) in operation.spec["responses"], operation.operation_id
        if example.response_type != "application/json":
            assert example.response_type in operation.spec["responses"][str(example.status)]["content"]
            continue
        schema = {
            **success_schema(document, operation, example.status, example.response_type),
            "components": document["components"],
        }
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(example.response)]
        assert not errors, (operation.operation_id, errors[:3])


def test_who_may_call_each_operation_follows_the_guards(document: dict[str, Any], settings: Settings) -> None:
    from_guards = access_from_guards(build_litestar(settings))
    by_id = {op.operation_id: access_of(op, from_guards) for op in operations(document)}
    assert by_id["adminListUsers"] is Access.ADMIN  # a read only admins may make
    assert by_id["adminListTeams"] is Access.STAFF
    assert by_id["adminConfirmTeam"] is Access.ADMIN
    assert by_id["createMatch"] is Access.ADMIN
    assert by_id["getTeam"] is Access.PUBLIC_OR_STAFF
    assert by_id["login"] is Access.PUBLIC
    assert by_id["listMatches"] is Access.PUBLIC


def test_examples_carry_the_token_and_idempotency_key_their_operation_needs(document: dict[str, Any]) -> None:
    for operation in operations(document):
        request = example_request(operation, EXAMPLES[operation.operation_id])
        assert ("Authorization" in request.headers) == operation.needs_token, operation.operation_id
        accepts = operation.accepts_idempotency_key
        assert ("Idempotency-Key" in request.headers) == accepts, operation.operation_id
        assert not accepts or operation.method != "GET", operation.operation_id
    accepting = {op.operation_id for op in operations(document) if op.accepts_idempotency_key}
    assert {"registerTeam", "createMatch", "uploadGalleryImage", "resendTeamEmail"} <= accepting
    assert "login" not in accepting


NEW_OPERATION = {
    "operationId": "adminAskForChanges",
    "tags": ["admin"],
    "summary": "Ask the captain for changes",
    "security": [{"BearerToken": []}],
    "parameters": [
        {
            "name": "team_id",
            "in": "path",
            "required": True,
            "description": "Human team ID, e.g. ICCT-001",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangesBody"}}},
        "required": True,
    },
    "responses": {
        "200": {
            "description": "The team now",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChangesAnswer"}}},
        },
        "404": {"description": "`TEAM_NOT_FOUND`: No team has this team ID."},
    },
}
NEW_SCHEMAS = {
    "ChangesBody": {
        "type": "object",
        "required": ["reason", "items"],
        "properties": {
            "reason": {"type": "string"},
            "deadline": {"oneOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["document"],
                    "properties": {"document": {"enum": ["pastor_letter", "payment_receipt"]}},
                },
            },
        },
    },
    "ChangesAnswer": {
        "type": "object",
        "properties": {"success": {"type": "boolean"}, "registration_status": {"type": "string"}},
    },
}


def test_an_operation_without_a_curated_example_gets_one_built_from_its_schema(
    document: dict[str, Any], settings: Settings
) -> None:
    doc = json.loads(json.dumps(document))
    doc["paths"]["/admin/teams/{team_id}/ask-for-changes"] = {"put": NEW_OPERATION}
    doc["components"]["schemas"].update(NEW_SCHEMAS)
    operation = Operation("PUT", "/admin/teams/{team_id}/ask-for-changes", NEW_OPERATION)

    example = example_from_schema(doc, operation)
    assert not example.curated and example.status == 200
    assert example.path == {"team_id": "ICCT-001"}
    assert example.json == {"reason": "reason", "items": [{"document": "pastor_letter"}]}
    assert example.response == {"success": True, "registration_status": "registration-status"}

    first = render_api_reference(doc, settings, {})
    assert first == render_api_reference(doc, settings, {})  # deterministic
    section = section_of(first, operation)
    assert "**Example** (built from the schema)" in section
    assert "curl -X PUT 'http://127.0.0.1:8000/admin/teams/ICCT-001/ask-for-changes'" in section
    assert "Who may call it: `admin` only" in section
    assert "| 404 | `TEAM_NOT_FOUND` |" in section
