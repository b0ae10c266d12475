"""Policy belongs to the matched route: odd path spellings, bad tokens and refused uploads."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import jwt
import pytest

from icct26.adapters.db.engine import Database
from icct26.bootstrap import Container
from tests.support.addresses import FRONTEND_ORIGIN as ORIGIN
from tests.support.registration_forms import RegistrationForm, post_form
from tests.support.server import ServerProcess, running_server

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("settings_overrides", [{"RATE_LIMIT_ENABLED": "true"}])
@pytest.mark.parametrize("path", ["//api/register/team", "/api//register/team", "/api/register/team/"])
async def test_every_spelling_of_the_registration_path_gets_its_policy_or_404(
    client: httpx.AsyncClient, path: str
) -> None:
    answers = [await client.post(path, content=b"", headers={"Origin": ORIGIN}) for _ in range(11)]
    if answers[0].status_code == 404:
        assert {a.status_code for a in answers} == {404}
        return
    assert all(a.headers["ratelimit-policy"] == '"registration";q=10;w=60' for a in answers)
    assert [a.status_code for a in answers].count(429) == 1 and answers[-1].status_code == 429
    assert answers[-1].headers["access-control-allow-origin"] in ("*", ORIGIN)


@pytest.mark.parametrize("sub", ["abc", "", "1.5", None])
async def test_a_signed_token_with_a_bad_subject_is_401_problem_json_with_cors(
    client: httpx.AsyncClient, container: Container, sub: str | None
) -> None:
    now = int(time.time())
    claims = {"sub": sub, "role": "admin", "iss": "icct26", "iat": now, "exp": now + 600}
    token = jwt.encode(claims, container.settings.auth.secret_key, algorithm="HS256")
    for path in ("/admin/teams", "/api/schedule/matches", "/api/teams/ICCT-001"):
        resp = await client.get(path, headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN})
        assert resp.status_code in (200, 401, 404), resp.text
        assert resp.headers["access-control-allow-origin"] in ("*", ORIGIN)
        assert resp.headers["x-request-id"]
        if resp.status_code != 200:
            assert resp.headers["content-type"].startswith("application/problem+json")
            assert resp.json()["request_id"] == resp.headers["x-request-id"]
    refused = await client.get("/admin/teams", headers={"Authorization": f"Bearer {token}", "Origin": ORIGIN})
    assert refused.status_code == 401 and refused.json()["error_code"] == "UNAUTHORIZED"


@pytest.fixture(scope="module")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with running_server(
        database_url,
        tmp_path_factory.mktemp("shell-policy"),
        RATE_LIMIT_ENABLED="true",
        CORS_ORIGINS=ORIGIN,
    ) as process:
        yield process


@pytest.mark.slow
async def test_the_eleventh_registration_reads_its_429_while_still_uploading(
    server: ServerProcess, database: Database
) -> None:
    """httpx.AsyncClient (what generated clients use) reads the refusal of a 25-file upload instead
    of a connection reset: the server drains the refused body before answering. (`database` empties
    the tables afterwards: the server's registrations must not reach later tests.)"""
    form = RegistrationForm.valid(1, players=11)
    assert len(form.files) == 25
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.9")
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=60) as client:
        statuses = [(await post_form(client, form, Origin=ORIGIN)).status_code for _ in range(10)]
        assert 429 not in statuses
        refused = await post_form(client, form, Origin=ORIGIN)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error_code"] == "RATE_LIMIT_EXCEEDED"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["access-control-allow-origin"] in ("*", ORIGIN)
