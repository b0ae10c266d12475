"""Defects the contract tools found, pinned so they stay fixed (real server, real PostgreSQL).

Each request here once answered 500: input that passed the HTTP layer's checks but that PostgreSQL
cannot take (a NUL character, an integer past bigint), or a page number whose row offset overflowed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.contract_server import ContractServer

pytestmark = pytest.mark.slow

NUL = "%00"
PAST_BIGINT = "99999999999999999999"


def problem(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = resp.json()
    assert body["error_code"] == code and body["success"] is False
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/admin/teams?search=a{NUL}b"),
        ("GET", f"/admin/churches?search=a{NUL}b"),
        ("GET", f"/admin/teams/ICCT-001{NUL}"),
        ("GET", f"/admin/players/ICCT-001-P01{NUL}"),
        ("GET", f"/api/teams/ICCT-001{NUL}"),
        ("POST", f"/admin/teams/ICCT-001{NUL}/resend-email"),
        ("PUT", f"/admin/teams/ICCT-001{NUL}/confirm"),
    ],
)
def test_a_nul_character_in_the_url_is_a_validation_error(
    contract: ContractServer, method: str, path: str
) -> None:
    resp = httpx.request(method, contract.url + path, headers=contract.auth, timeout=30)
    problem(resp, 422, "VALIDATION_FAILED")


def test_a_nul_character_in_a_json_body_is_a_validation_error(contract: ContractServer) -> None:
    login = {"email": "someone\u0000@example.com", "password": "whatever-it-is"}
    resp = httpx.post(f"{contract.url}/api/auth/login", json=login, timeout=30)
    problem(resp, 422, "VALIDATION_FAILED")


@pytest.mark.parametrize(
    "path",
    [f"/admin/churches/{PAST_BIGINT}", f"/admin/users/{PAST_BIGINT}", "/admin/users/9223372036854775808"],
)
def test_an_id_past_bigint_is_a_validation_error(contract: ContractServer, path: str) -> None:
    resp = httpx.get(contract.url + path, headers=contract.auth, timeout=30)
    problem(resp, 422, "VALIDATION_FAILED")


def test_the_largest_bigint_id_is_simply_not_found(contract: ContractServer) -> None:
    resp = httpx.get(f"{contract.url}/admin/churches/9223372036854775807", headers=contract.auth, timeout=30)
    problem(resp, 404, "CHURCH_NOT_FOUND")


def test_an_outbox_page_past_the_last_possible_one_is_a_validation_error(contract: ContractServer) -> None:
    resp = httpx.get(
        f"{contract.url}/admin/emails?page=9223372036854775807", headers=contract.auth, timeout=30
    )
    body = problem(resp, 422, "VALIDATION_FAILED")
    assert [e["field"] for e in body["errors"]] == ["page"]


def test_the_csv_export_names_its_charset_once(contract: ContractServer) -> None:
    resp = httpx.get(f"{contract.url}/admin/teams/export?format=csv", headers=contract.auth, timeout=60)
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
