"""POST /api/register/team end to end: the frontend's multipart form against the real database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container
from tests.support.registration_forms import (
    RegistrationForm,
    document_keys,
    fetch,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post_form,
    read_bytes,
    stored_keys,
)

pytestmark = pytest.mark.asyncio


def problem(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = resp.json()
    assert body["success"] is False and body["error_code"] == code
    assert body["detail"] == body["message"]
    return body


def spool_is_empty(container: Container) -> bool:
    spool = container.settings.runtime.data_path / "tmp"
    return not spool.exists() or not any(spool.iterdir())


def field_errors(body: dict[str, Any]) -> dict[str, str]:
    return {e["field"]: e["code"] for e in body["errors"]}


async def test_frontend_shaped_registration_is_created(
    client: httpx.AsyncClient, container: Container
) -> None:
    form = RegistrationForm.valid(players=11)
    resp = await post_form(client, form, key="6f1c3c2e-8d0a-4c55-9a43-0d1f7b1c2a11")

    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["success"] is True
    assert body["team_id"] == "ICCT-001"
    assert body["team_name"] == "Peters Warriors 1"
    assert body["church_name"] == "CSI St. Peter's Church"
    assert body["player_count"] == 11
    assert body["registration_status"] == "pending"
    assert body["message"] and body["submitted_at"].endswith("+05:30")
    assert resp.headers["location"] == "/api/teams/ICCT-001"
    assert "idempotent-replayed" not in resp.headers

    players = await fetch(
        container.database,
        "SELECT p.player_id, p.name, p.role FROM players p JOIN teams t ON t.id = p.team_pk "
        "WHERE t.team_id = 'ICCT-001' ORDER BY p.position",
    )
    assert [p.player_id for p in players] == [f"ICCT-001-P{i:02d}" for i in range(1, 12)]
    assert players[0].name == "Arun Samuel" and players[0].role == "Batsman"
    assert players[4].role is None

    expected = {
        ("pastor_letter", None): pdf_bytes(),
        ("payment_receipt", None): jpeg_bytes(),
        ("group_photo", None): png_bytes(),
    }
    for position in range(1, 12):
        expected[("aadhar", position)] = jpeg_bytes()
        expected[("subscription", position)] = pdf_bytes()
    docs = await fetch(
        container.database,
        "SELECT d.kind, p.position, d.storage_key, d.extension, d.size_bytes, d.original_name "
        "FROM documents d LEFT JOIN players p ON p.id = d.player_pk",
    )
    assert {(d.kind, d.position) for d in docs} == set(expected)
    for doc in docs:
        assert doc.storage_key.startswith("teams/") and doc.storage_key.endswith("." + doc.extension)
        content = await read_bytes(container.storage, doc.storage_key)
        assert content == expected[(doc.kind, doc.position)]
        assert doc.size_bytes == len(content)
    assert await stored_keys(container.storage) == await document_keys(container.database)

    outbox = await fetch(container.database, "SELECT kind, recipient, context FROM email_outbox")
    assert len(outbox) == 1
    assert outbox[0].kind == "registration_received" and outbox[0].recipient == "captain1@example.com"
    context = outbox[0].context
    assert {
        "team_id",
        "team_name",
        "church_name",
        "captain_name",
        "player_count",
        "players",
        "submitted_at",
    } <= set(context)
    assert context["players"][0] == {"player_id": "ICCT-001-P01", "name": "Arun Samuel", "role": "Batsman"}
    # Nothing is left in the spool directory.
    assert spool_is_empty(container)


@pytest.mark.parametrize(
    ("players", "field", "code"),
    [
        (10, "players", "too_few_players"),
        (16, "players", "too_many_players"),
        ([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11], "player_5_name", "missing_player"),
    ],
)
async def test_roster_size_and_gaps_are_refused(
    client: httpx.AsyncClient, container: Container, players: Any, field: str, code: str
) -> None:
    body = problem(await post_form(client, RegistrationForm.valid(players=players)), 422, "VALIDATION_FAILED")
    assert field_errors(body)[field] == code
    assert await fetch(container.database, "SELECT id FROM teams") == []
    assert await stored_keys(container.storage) == set()


async def test_bad_phone_and_email_are_field_errors(client: httpx.AsyncClient) -> None:
    form = RegistrationForm.valid()
    form.fields["captain_phone"] = "12345"
    form.fields["vice_email"] = "not-an-email"
    errors = field_errors(problem(await post_form(client, form), 422, "VALIDATION_FAILED"))
    assert errors == {"captain_phone": "invalid_phone", "vice_email": "invalid_email"}


@pytest.mark.parametrize(
    ("filename", "content", "content_type", "code", "status", "error_code"),
    [
        ("receipt.pdf", png_bytes(), "application/pdf", "invalid_file_type", 422, "INVALID_FILE_TYPE"),
        (
            "receipt.png",
            b"<html><body>hello</body></html>",
            "image/png",
            "invalid_file_type",
            422,
            "INVALID_FILE_TYPE",
        ),
        ("receipt.pdf", b"", "application/pdf", "empty_file", 422, "VALIDATION_FAILED"),
        (
            "receipt.pdf",
            pdf_bytes() + b"\0" * (6 * 1024 * 1024),
            "application/pdf",
            "file_too_large",
            413,
            "FILE_TOO_LARGE",
        ),
    ],
    ids=["png-named-pdf", "html-named-png", "empty", "6-mib"],
)
async def test_bad_files_are_field_errors(
    client: httpx.AsyncClient,
    container: Container,
    filename: str,
    content: bytes,
    content_type: str,
    code: str,
    status: int,
    error_code: str,
) -> None:
    form = RegistrationForm.valid()
    form.files["payment_receipt"] = form.files["payment_receipt"].__class__(filename, content, content_type)
    body = problem(await post_form(client, form), status, error_code)
    assert code in {e["code"] for e in body["errors"] if e["field"] == "payment_receipt"}
    assert await stored_keys(container.storage) == set()
    assert spool_is_empty(container)


async def test_every_field_error_of_a_request_is_reported_together(client: httpx.AsyncClient) -> None:
    form = RegistrationForm.valid(players=[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11])
    form.fields["team_name"] = "X"
    form.fields["captain_phone"] = "555"
    form.fields["captain_email"] = "nobody"
    form.fields["vice_phone"] = form.fields["captain_phone"]
    form.fields["player_3_role"] = "goalkeeper"
    form.files["pastor_letter"] = form.files["pastor_letter"].__class__(
        "letter.png", pdf_bytes(), "image/png"
    )
    del form.files["payment_receipt"]
    form.files["player_1_aadhar_file"] = form.files["player_1_aadhar_file"].__class__(
        "a.jpg", b"", "image/jpeg"
    )
    body = problem(await post_form(client, form), 422, "VALIDATION_FAILED")
    errors = field_errors(body)
    assert errors["team_name"] == "too_short"
    assert errors["captain_phone"] == "invalid_phone"
    assert errors["captain_email"] == "invalid_email"
    assert errors["vice_phone"] == "invalid_phone"
    assert errors["player_3_role"] == "invalid_role"
    assert errors["pastor_letter"] == "invalid_file_type"
    assert errors["payment_receipt"] == "required"
    assert errors["player_1_aadhar_file"] == "empty_file"
    assert errors["player_10_name"] == "missing_player"
    assert body["message"].startswith(f"{len(body['errors'])} problems in the registration")


async def test_client_file_names_never_reach_storage_keys(
    client: httpx.AsyncClient, container: Container
) -> None:
    form = RegistrationForm.valid()
    form.files["group_photo"] = form.files["group_photo"].__class__(
        "../../../etc/passwd.png", png_bytes(), "image/png"
    )
    form.files["pastor_letter"] = form.files["pastor_letter"].__class__(
        "..\\..\\boot.ini.pdf", pdf_bytes(), ""
    )
    resp = await post_form(client, form)
    assert resp.status_code == 201, resp.text
    rows = await fetch(
        container.database, "SELECT kind, storage_key, original_name FROM documents WHERE player_pk IS NULL"
    )
    by_kind = {r.kind: r for r in rows}
    assert by_kind["group_photo"].original_name == "passwd.png"
    assert by_kind["pastor_letter"].original_name == "boot.ini.pdf"
    for row in rows:
        assert ".." not in row.storage_key and "passwd" not in row.storage_key
        assert row.storage_key.startswith("teams/")
    root = container.settings.runtime.data_path
    assert not (root / "etc").exists() and not (root.parent / "etc").exists()


@pytest.mark.parametrize("settings_overrides", [{"CHURCH_REGISTRY": "closed"}])
async def test_closed_registry_refuses_unknown_churches(
    client: httpx.AsyncClient, container: Container, settings_overrides: dict[str, Any]
) -> None:
    await container.churches.import_names(["CSI Immanuel Church"])
    body = problem(
        await post_form(client, RegistrationForm.valid(church="CSI Nowhere Church")), 422, "UNKNOWN_CHURCH"
    )
    assert field_errors(body) == {"church_name": "unknown_church"}
    assert await stored_keys(container.storage) == set()
    # A listed church in another spelling registers under the listed name.
    ok = await post_form(client, RegistrationForm.valid(2, church="csi immanuel  church"))
    assert ok.status_code == 201, ok.text
    assert ok.json()["church_name"] == "CSI Immanuel Church"


@pytest.mark.parametrize(
    ("settings_overrides", "fragment"),
    [
        ({"REGISTRATION_OPEN": "false"}, "Registration is closed"),
        ({"REGISTRATION_CLOSES_AT": "2020-01-31T18:00:00"}, "Registration closed on 31 Jan 2020, 18:00"),
        ({"REGISTRATION_OPENS_AT": "2099-01-01T09:00:00+05:30"}, "it opens on 01 Jan 2099"),
    ],
)
async def test_registration_outside_its_window_is_refused(
    client: httpx.AsyncClient, container: Container, settings_overrides: dict[str, Any], fragment: str
) -> None:
    body = problem(await post_form(client, RegistrationForm.valid()), 403, "REGISTRATION_CLOSED")
    assert fragment in body["message"]
    status = (await client.get("/api/registration/status")).json()
    assert status["success"] is True and status["open"] is False
    assert await stored_keys(container.storage) == set()


def raw_multipart(parts: list[tuple[str, bytes, str | None]], boundary: str = "XyZ123boundary") -> bytes:
    out = b""
    for name, content, filename in parts:
        disposition = f'form-data; name="{name}"' + (
            f'; filename="{filename}"' if filename is not None else ""
        )
        out += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


MULTIPART = {"Content-Type": "multipart/form-data; boundary=XyZ123boundary"}


async def test_json_body_is_unsupported_media_type(client: httpx.AsyncClient) -> None:
    resp = await client.post("/api/register/team", json={"team_name": "Zion XI"})
    problem(resp, 415, "UNSUPPORTED_MEDIA_TYPE")


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (
            raw_multipart([("team_name", b"Zion XI", None)])[:-25],
            MULTIPART,
        ),  # cut before the closing boundary
        (b"this is not multipart at all", MULTIPART),
        (raw_multipart([("team_name", b"A", None), ("team_name", b"B", None)]), MULTIPART),
        (raw_multipart([("team_name", b"Zion", None)]), {"Content-Type": "multipart/form-data"}),
        (b"--XyZ123boundary\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ123boundary--\r\n", MULTIPART),
        (raw_multipart([("team_name", b"\xff\xfe\xfa", None)]), MULTIPART),
    ],
    ids=["truncated", "garbage", "duplicate-field", "no-boundary", "no-disposition", "not-utf8"],
)
async def test_broken_multipart_is_malformed_request(
    client: httpx.AsyncClient, container: Container, content: bytes, headers: dict[str, str]
) -> None:
    problem(
        await client.post("/api/register/team", content=content, headers=headers), 400, "MALFORMED_REQUEST"
    )
    assert spool_is_empty(container)


@pytest.mark.parametrize("settings_overrides", [{"MAX_MULTIPART_PARTS": 30}])
async def test_too_many_parts(
    client: httpx.AsyncClient, container: Container, settings_overrides: Any
) -> None:
    body = problem(await post_form(client, RegistrationForm.valid()), 400, "TOO_MANY_PARTS")
    assert "30" in body["message"]
    assert spool_is_empty(container)


@pytest.mark.parametrize("settings_overrides", [{"MAX_REGISTRATION_BYTES": 64 * 1024}])
async def test_body_over_the_route_limit(
    client: httpx.AsyncClient, container: Container, settings_overrides: Any
) -> None:
    form = RegistrationForm.valid()
    form.files["group_photo"] = form.files["group_photo"].__class__(
        "big.png", png_bytes() + b"\0" * 100_000, "image/png"
    )
    problem(await post_form(client, form), 413, "BODY_TOO_LARGE")

    async def chunked() -> Any:  # no Content-Length: the limit holds while streaming too
        yield b'--XyZ123boundary\r\nContent-Disposition: form-data; name="f"; filename="a.png"\r\n\r\n'
        for _ in range(10):
            yield b"\0" * 16 * 1024

    resp = await client.post("/api/register/team", content=chunked(), headers=MULTIPART)
    problem(resp, 413, "BODY_TOO_LARGE")
    assert spool_is_empty(container)


async def test_over_long_text_field_is_refused_while_streaming(client: httpx.AsyncClient) -> None:
    content = raw_multipart([("team_name", b"A" * 5000, None)])
    body = problem(
        await client.post("/api/register/team", content=content, headers=MULTIPART), 422, "VALIDATION_FAILED"
    )
    assert field_errors(body) == {"team_name": "too_long"}


async def test_application_default_body_limit_does_not_apply_to_registration(
    client: httpx.AsyncClient,
) -> None:
    # 3 MiB is over the 1 MiB app default but a legal registration.
    form = RegistrationForm.valid()
    form.files["group_photo"] = form.files["group_photo"].__class__(
        "big.png", png_bytes() + b"\0" * (3 * 1024 * 1024), "image/png"
    )
    resp = await post_form(client, form)
    assert resp.status_code == 201, resp.text
