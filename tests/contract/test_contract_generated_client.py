"""The served OpenAPI document generates a working Python client (openapi-python-client), and that
client alone can log in, register a team with its documents, confirm it and read it back.

If the document misdescribes a body or a response (the multipart form, problem+json errors, the
camelCase twins), generation warns or the typed client fails to build or parse, and this test fails.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support.contract_server import ADMIN_EMAIL, ADMIN_PASSWORD, ContractServer
from tests.support.registration_forms import pdf_bytes, person_name, png_bytes

pytestmark = pytest.mark.slow

PACKAGE = "icct26_generated_client"
PLAYERS = 11


@pytest.fixture(scope="module")
def generated(contract: ContractServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package generated from the served schema, imported from a temporary directory."""
    root = tmp_path_factory.mktemp("generated-client")
    schema = root / "openapi.json"
    schema.write_bytes(httpx.get(f"{contract.url}/schema/openapi.json", timeout=30).content)
    # No post hooks: they format the output with ruff, which is not what is under test here.
    config = root / "config.json"
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE}))
    command = [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema)]
    command += ["--output-path", str(root / PACKAGE), "--meta", "none", "--config", str(config)]
    command += ["--fail-on-warning"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(package: ModuleType, tag: str, operation: str) -> Any:
    return importlib.import_module(f"{package.__name__}.api.{tag}.{operation}")


def model(package: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def upload(package: ModuleType, content: bytes, name: str, mime_type: str) -> Any:
    file_type = importlib.import_module(f"{package.__name__}.types").File
    return file_type(payload=BytesIO(content), file_name=name, mime_type=mime_type)


def registration_form(package: ModuleType, n: int) -> Any:
    fields: dict[str, Any] = {
        "team_name": f"Generated Client XI {n}",
        "church_name": "CSI Generated Client Church",
        "captain_name": "John Samuel",
        "captain_phone": f"98{n:08d}",
        "captain_email": f"generated.captain{n}@example.com",
        "captain_whatsapp": "",
        "vice_name": "Paul Raj",
        "vice_phone": f"87{n:08d}",
        "vice_email": f"generated.vice{n}@example.com",
        "pastor_letter": upload(package, pdf_bytes(), "letter.pdf", "application/pdf"),
        "payment_receipt": upload(package, png_bytes(), "receipt.png", "image/png"),
    }
    for i in range(PLAYERS):
        fields[f"player_{i}_name"] = person_name(i)
        fields[f"player_{i}_role"] = ["Batsman", "bowler", "all rounder", "Wicket Keeper"][i % 4]
        fields[f"player_{i}_aadhar_file"] = upload(package, png_bytes(), f"aadhar_{i}.png", "image/png")
        fields[f"player_{i}_subscription_file"] = upload(
            package, pdf_bytes(), f"subscription_{i}.pdf", "application/pdf"
        )
    return model(package, "RegisterTeamRegistrationForm")(**fields)


def test_a_generated_client_registers_confirms_and_reads_a_team(
    generated: ModuleType, contract: ContractServer
) -> None:
    client = generated.Client(
        base_url=contract.url, raise_on_unexpected_status=True, timeout=httpx.Timeout(60)
    )

    token = api(generated, "auth", "login").sync(
        client=client, body=model(generated, "LoginBody")(email=ADMIN_EMAIL, password=ADMIN_PASSWORD)
    )
    assert isinstance(token, model(generated, "TokenResponse")), token
    admin = generated.AuthenticatedClient(
        base_url=contract.url, token=token.access_token, raise_on_unexpected_status=True
    )

    created = api(generated, "registration", "register_team").sync_detailed(
        client=client, body=registration_form(generated, 901), idempotency_key="generated-client-901"
    )
    assert created.status_code == 201, created.content
    receipt = created.parsed
    assert isinstance(receipt, model(generated, "RegistrationCreated")), created.content
    assert receipt.registration_status == "pending" and receipt.player_count == PLAYERS
    team_id = receipt.team_id

    review = api(generated, "admin", "admin_confirm_team").sync(client=admin, team_id=team_id)
    assert isinstance(review, model(generated, "ReviewResponse")), review
    assert review.registration_status == "confirmed" and review.changed is True

    detail = api(generated, "admin", "admin_get_team").sync(client=admin, team_id=team_id)
    assert detail.data.team.registration_status == "confirmed"
    assert [p.role for p in detail.data.players][:4] == ["Batsman", "Bowler", "All-Rounder", "Wicket-Keeper"]
    assert all(p.aadhar_file and p.subscription_file for p in detail.data.players)

    public = api(generated, "teams", "list_confirmed_teams").sync(client=client)
    assert team_id in {t.team_id for t in public.teams}


def test_generated_client_parses_problem_json_errors(generated: ModuleType, contract: ContractServer) -> None:
    client = generated.Client(base_url=contract.url, raise_on_unexpected_status=True)
    wrong = api(generated, "auth", "login").sync(
        client=client, body=model(generated, "LoginBody")(email=ADMIN_EMAIL, password="not the password")
    )
    assert isinstance(wrong, model(generated, "Problem")), wrong
    assert wrong.status == 401 and wrong.error_code == "INVALID_CREDENTIALS"

    unknown = api(generated, "teams", "get_team").sync(client=client, team_id="ICCT-999")
    assert isinstance(unknown, model(generated, "Problem")), unknown
    assert unknown.error_code == "TEAM_NOT_FOUND" and unknown.success is False


def test_the_client_was_generated_from_every_operation(generated: ModuleType) -> None:
    root = Path(generated.__file__).parent / "api"
    modules = {p.stem for p in root.rglob("*.py") if p.stem != "__init__"}
    assert len(modules) >= 44, sorted(modules)
    assert {"register_team", "admin_confirm_team", "login", "get_document"} <= modules
