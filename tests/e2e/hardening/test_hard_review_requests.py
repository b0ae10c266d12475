"""Requests a user can get wrong answer a clear problem with a stable code (SPEC §6.1, §6.6)."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("depth", [65, 1000, 100_000])
async def test_json_nested_deeper_than_64_levels_is_400_malformed(
    client: httpx.AsyncClient, depth: int
) -> None:
    body = "[" * depth + "]" * depth
    resp = await client.post(
        "/api/auth/login", content=body, headers={"Content-Type": "application/json", "Accept": "*/*"}
    )
    assert resp.status_code == 400, resp.text
    assert resp.json()["error_code"] == "MALFORMED_REQUEST"
    assert "64" in resp.json()["detail"]


async def test_json_nested_64_levels_is_parsed_as_usual(client: httpx.AsyncClient) -> None:
    nested = '{"a":' * 63 + "1" + "}" * 63  # 63 objects deep, inside the body's own object: 64
    resp = await client.post(
        "/api/auth/login",
        content='{"email": "a@example.org", "password": "x", "extra": ' + nested + "}",
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code in (401, 422), resp.text  # judged on its content, not refused for depth


async def test_brackets_inside_strings_do_not_count(client: httpx.AsyncClient) -> None:
    resp = await client.post(
        "/api/auth/login",
        json={"email": "a@example.org", "password": "[" * 500 + "{" * 500},
    )
    assert resp.status_code == 401 and resp.json()["error_code"] == "INVALID_CREDENTIALS"


@pytest.mark.parametrize("body", [b"", b"null"])
async def test_an_empty_json_body_says_what_is_missing(client: httpx.AsyncClient, body: bytes) -> None:
    resp = await client.post("/api/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert resp.status_code in (400, 422), resp.text
    problem = resp.json()
    assert problem["error_code"] in ("MALFORMED_REQUEST", "VALIDATION_FAILED")
    assert problem["detail"] != "data" and "'data'" not in problem["detail"]
    assert "body" in problem["detail"].lower()


@pytest.mark.parametrize(
    "settings_overrides", [{"RATE_LIMIT_ENABLED": "true", "RATE_LIMIT_LOGIN_PER_MINUTE": "2"}]
)
async def test_the_login_refusal_carries_the_login_policy(client: httpx.AsyncClient) -> None:
    body = {"email": "someone@example.org", "password": "wrong password"}
    answers = [await client.post("/api/auth/login", json=body) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    refused = answers[-1]
    assert refused.headers["ratelimit-policy"] == '"login";q=2;w=60'
    assert refused.headers["retry-after"]
    assert all(a.headers.get("ratelimit-policy", "").startswith('"login"') for a in answers)


async def test_problem_error_code_is_the_catalogue_enum_in_openapi(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    problem = schema["components"]["schemas"]["Problem"]["properties"]["error_code"]
    resolved = (
        schema["components"]["schemas"][problem["$ref"].rsplit("/", 1)[1]] if "$ref" in problem else problem
    )
    assert "RATE_LIMIT_EXCEEDED" in resolved["enum"] and "INTERNAL_ERROR" in resolved["enum"]


@pytest.mark.parametrize("settings_overrides", [{"ALLOWED_HOSTS": ""}])
async def test_a_foreign_host_is_refused_and_links_never_follow_it(client: httpx.AsyncClient) -> None:
    foreign = await client.get("/api/teams", headers={"Host": "evil.example"})
    assert foreign.status_code == 400
    assert foreign.headers["content-type"].startswith("application/problem+json")
    assert foreign.json()["error_code"] == "MALFORMED_REQUEST" and "evil.example" in foreign.json()["detail"]
    for host in ("localhost:8000", "127.0.0.1", "[::1]:8000"):
        assert (await client.get("/api/teams", headers={"Host": host})).status_code == 200
    # Forwarded host names are never trusted.
    spoofed = await client.get(
        "/api/teams", headers={"Host": "localhost", "X-Forwarded-Host": "evil.example"}
    )
    assert spoofed.status_code == 200


@pytest.mark.parametrize(
    "settings_overrides", [{"ALLOWED_HOSTS": "", "PUBLIC_BASE_URL": "https://api.icct26.example"}]
)
async def test_the_public_base_url_host_is_allowed(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/teams", headers={"Host": "api.icct26.example"})).status_code == 200
    assert (await client.get("/api/teams", headers={"Host": "other.example"})).status_code == 400
