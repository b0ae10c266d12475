"""Idempotency-Key on the registration: replays, concurrent duplicates, reuse, and what is not kept."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest

from icct26.bootstrap import Container, create_app
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.ports import FileToStore
from icct26.services.registration import RegistrationReceipt
from tests.support.registration_forms import (
    RegistrationForm,
    asgi_clients,
    fetch,
    post_form,
    stored_keys,
)
from tests.support.sql_statements import counted_statements

pytestmark = pytest.mark.asyncio
KEY = "0b7f3a52-61c4-4e0e-9f0e-5a3d2d8f1c77"


async def team_count(container: Container) -> int:
    return int((await fetch(container.database, "SELECT count(*) AS n FROM teams"))[0].n)


async def test_same_key_twice_replays_the_first_answer(
    client: httpx.AsyncClient, container: Container
) -> None:
    form = RegistrationForm.valid()
    first = await post_form(client, form, key=KEY)
    second = await post_form(client, form, key=KEY)

    assert first.status_code == second.status_code == 201
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == "/api/teams/ICCT-001"
    assert "idempotent-replayed" not in first.headers
    assert await team_count(container) == 1
    outbox = await fetch(container.database, "SELECT count(*) AS n FROM email_outbox")
    assert outbox[0].n == 1


async def test_the_answer_is_written_once_with_the_team(
    client: httpx.AsyncClient, container: Container
) -> None:
    """The claim, then the 201 in the team's own transaction: no third write of the same answer."""
    with counted_statements(container) as statements:
        created = await post_form(client, RegistrationForm.valid(), key=KEY)
    assert created.status_code == 201
    writes = [s.split()[0].upper() for s in statements if "idempotency_keys" in s]
    assert writes == ["INSERT", "UPDATE"], statements
    team_insert = next(i for i, s in enumerate(statements) if "INSERT INTO teams (" in s)
    answer_update = max(i for i, s in enumerate(statements) if "idempotency_keys" in s)
    assert answer_update > team_insert  # recorded in the team's transaction, not after it
    stored = await fetch(container.database, "SELECT state, response_body FROM idempotency_keys")
    assert [row.state for row in stored] == ["completed"]
    assert RegistrationReceipt.from_recorded(stored[0].response_body).team_id == "ICCT-001"


async def test_concurrent_duplicates_create_one_team(container: Container) -> None:
    form = RegistrationForm.valid()
    async with asgi_clients(create_app(container=container), 10) as clients:
        responses = await asyncio.gather(*(post_form(c, form, key=KEY) for c in clients))

    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, [r.text for r in responses]
    assert statuses.count(201) >= 1
    for resp in responses:
        if resp.status_code == 409:
            assert resp.json()["error_code"] == "IDEMPOTENCY_IN_PROGRESS"
            assert int(resp.headers["retry-after"]) >= 1
        else:
            assert resp.json()["team_id"] == "ICCT-001"
    assert sum("idempotent-replayed" not in r.headers for r in responses if r.status_code == 201) == 1
    assert await team_count(container) == 1


def hold_registrations(container: Container) -> tuple[asyncio.Event, asyncio.Event]:
    """Make registrations wait inside the use case: `started` is set on entry, `release` lets them go."""
    started, release = asyncio.Event(), asyncio.Event()
    service = container.registration
    real = service.register

    async def slow_register(*args: Any) -> Any:
        started.set()
        await release.wait()
        return await real(*args)

    service.register = slow_register  # type: ignore[method-assign]
    return started, release


@pytest.mark.parametrize("settings_overrides", [{"IDEMPOTENCY_WAIT_SECONDS": 0}])
async def test_in_flight_duplicate_without_waiting_is_in_progress(
    container: Container, settings_overrides: dict[str, Any]
) -> None:
    started, release = hold_registrations(container)
    form = RegistrationForm.valid()
    async with asgi_clients(create_app(container=container), 2) as (one, two):
        first = asyncio.ensure_future(post_form(one, form, key=KEY))
        await started.wait()
        second = await post_form(two, form, key=KEY)
        release.set()
        assert (await first).status_code == 201
        third = await post_form(two, form, key=KEY)

    assert second.status_code == 409 and second.json()["error_code"] == "IDEMPOTENCY_IN_PROGRESS"
    assert "retry-after" in second.headers
    assert third.status_code == 201 and third.headers["idempotent-replayed"] == "true"


async def test_same_key_with_other_content_is_refused(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert (await post_form(client, RegistrationForm.valid(1), key=KEY)).status_code == 201
    other = RegistrationForm.valid(1)
    other.files["group_photo"] = other.files["payment_receipt"]  # same fields, a different file
    resp = await post_form(client, other, key=KEY)
    assert resp.status_code == 422 and resp.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    resp = await post_form(client, RegistrationForm.valid(2), key=KEY)
    assert resp.status_code == 422 and resp.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
    assert await team_count(container) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9-key", "tab\tkey"])
async def test_malformed_keys_are_refused_before_the_body(client: httpx.AsyncClient, key: str) -> None:
    resp = await client.post(
        "/api/register/team",
        content=b"not even multipart",
        headers={"Idempotency-Key": key.encode("utf-8"), "Content-Type": b"text/plain"},
    )
    assert resp.status_code == 400 and resp.json()["error_code"] == "IDEMPOTENCY_KEY_INVALID"


async def test_refusals_are_replayed_too(client: httpx.AsyncClient, container: Container) -> None:
    bad = RegistrationForm.valid()
    bad.fields["captain_email"] = "nope"
    first = await post_form(client, bad, key=KEY)
    second = await post_form(client, bad, key=KEY)
    assert first.status_code == second.status_code == 422
    assert second.content == first.content
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["content-type"].startswith("application/problem+json")


class FailingStore:
    """The real store, except that writes fail while `down` is set (STORAGE_UNAVAILABLE)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self.down = True
        self.writes = 0

    async def put_file(self, key: str, source: Path, content_type: str) -> None:
        await self.put_files([FileToStore(key, source, content_type)])

    async def put_files(self, files: Sequence[FileToStore]) -> None:
        for item in files:  # one at a time, each passed on as it came (sealed uploads stay sealed)
            self.writes += 1
            if self.down and self.writes > 3:
                raise DomainError(ErrorCode.STORAGE_UNAVAILABLE, "Document storage is unreachable")
            await self.inner.put_files([item])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def test_server_errors_are_not_kept_and_leave_no_files(
    client: httpx.AsyncClient, container: Container
) -> None:
    store = FailingStore(container.storage)
    container.registration._store = store  # type: ignore[assignment]
    form = RegistrationForm.valid()
    failed = await post_form(client, form, key=KEY)
    assert failed.status_code == 503 and failed.json()["error_code"] == "STORAGE_UNAVAILABLE"
    assert await stored_keys(container.storage) == set()

    store.down = False
    retried = await post_form(client, form, key=KEY)
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["team_id"] == "ICCT-001"


async def test_duplicate_waits_for_the_first_and_replays_it(container: Container) -> None:
    started, release = hold_registrations(container)
    form = RegistrationForm.valid()
    async with asgi_clients(create_app(container=container), 2) as (one, two):
        first = asyncio.ensure_future(post_form(one, form, key=KEY))
        await started.wait()
        second = asyncio.ensure_future(post_form(two, form, key=KEY))
        await asyncio.sleep(0.3)  # the duplicate is now polling for the first one's answer
        assert not second.done()
        release.set()
        answers = await asyncio.gather(first, second)

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1].content == answers[0].content
    assert answers[1].headers["idempotent-replayed"] == "true"
    assert await team_count(container) == 1


async def test_a_registration_costs_a_fixed_number_of_statements(
    client: httpx.AsyncClient, container: Container
) -> None:
    """Whatever the roster: the claim, then one transaction of fixed size (the local store skips the
    read-only pre-check: linking the files costs less than asking first)."""
    first = await post_form(client, RegistrationForm.valid(1), key=f"{KEY}-1")  # creates the counter
    assert first.status_code == 201
    counts = []
    for n, players, church in ((2, 11, "Church 2"), (3, 15, "Church 3"), (4, 15, "Church 3")):
        form = RegistrationForm.valid(n, players=players, church=church)
        with counted_statements(container) as statements:
            created = await post_form(client, form, key=f"{KEY}-{n}")
        assert created.status_code == 201
        counts.append(len(statements))
    # claim 1; church lock 1 (a new church: + its insert, which locks it too), checks 1, the team
    # numbered and inserted with its players and documents 1, answer 1, outbox 1
    assert counts == [7, 7, 6], counts
