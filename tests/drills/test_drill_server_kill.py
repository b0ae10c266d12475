"""Drill: the server process is SIGKILLed while registrations are in flight, then restarted on the same
database and DATA_DIR.

Whatever the moment of death, a client either got a 201 for a team that is whole (11 players, every
document row, every file readable) or got no answer; resending with the same Idempotency-Key and body
converges to exactly one team per key, with gapless team IDs. A dead process's idempotency claim is
taken over after its lease (2 x the longest request timeout), so the timeouts are small here.
"""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest

from icct26.adapters.db.engine import Database
from tests.support.drills import (
    DOCUMENTS_PER_TEAM,
    PLAYERS,
    Outcome,
    attempt,
    bulky_form,
    drill_key,
    error_code,
    leftover_files,
    local_store,
    queries_waiting_on_locks,
    register_until_settled,
    row_lock,
    run_sweep,
    store_matches_table,
    summary,
    team_rows,
    unreadable_documents,
    wait_for,
)
from tests.support.registration_forms import RegistrationForm, stored_keys
from tests.support.server import ServerProcess

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

BURST = 12
FILE_BYTES = 256 * 1024  # 25 files a form: ~6.4 MiB a request, ~77 MiB for the burst
# Lease = 2 x 6 s: a killed request's key is free again within seconds.
SERVER_SETTINGS = {
    "REGISTRATION_TIMEOUT_SECONDS": "6",
    "REQUEST_TIMEOUT_SECONDS": "6",
    "IDEMPOTENCY_WAIT_SECONDS": "1",
    "SHUTDOWN_GRACE_SECONDS": "5",
}


def sigkill(server: ServerProcess) -> None:
    server.signal(signal.SIGKILL)
    server.wait(timeout=10)


async def assert_every_team_whole(database: Database, data_dir: Path) -> None:
    for team in await team_rows(database):
        assert (team.players, team.documents) == (PLAYERS, DOCUMENTS_PER_TEAM), team
    assert await unreadable_documents(database, local_store(data_dir)) == []


async def test_sigkill_mid_burst_then_same_key_retries_give_exactly_one_team_per_key(
    database: Database, database_url: str, tmp_path: Path, church_names: list[str]
) -> None:
    data_dir = tmp_path / "server"
    forms = {drill_key(n): bulky_form(n, FILE_BYTES, church_names[n]) for n in range(1, BURST + 1)}
    server = await ServerProcess(database_url, data_dir, **SERVER_SETTINGS).astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            tasks = {key: asyncio.create_task(attempt(client, form, key)) for key, form in forms.items()}

            async def some_committed() -> bool:
                return len(await team_rows(database)) >= 2 or all(t.done() for t in tasks.values())

            assert await wait_for(some_committed, polls=1200)
            sigkill(server)
            before_kill: dict[str, Outcome] = {key: await task for key, task in tasks.items()}
    finally:
        server.kill()

    answered = {key: o.response for key, o in before_kill.items() if o.response is not None}
    unanswered = sorted(key for key, o in before_kill.items() if o.response is None)
    assert unanswered, "the kill came after every request had finished: the drill drilled nothing"
    for key, resp in answered.items():
        assert resp.status_code == 201, (key, resp.status_code, resp.text)
    answered_ids = {key: resp.json()["team_id"] for key, resp in answered.items()}

    # Straight after the crash: every team that exists is whole, and the 201s all name one.
    teams_after_crash = await team_rows(database)
    assert set(answered_ids.values()) <= {t.team_id for t in teams_after_crash}
    await assert_every_team_whole(database, data_dir)

    server = await ServerProcess(database_url, data_dir, **SERVER_SETTINGS).astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            retries = await asyncio.gather(
                *(register_until_settled(client, forms[key], key) for key in forms)
            )
        final = {key: outcomes[-1].response for key, outcomes in zip(forms, retries, strict=True)}
        history = {key: summary(outcomes) for key, outcomes in zip(forms, retries, strict=True)}
        assert server.stop() == 0
    finally:
        server.kill()

    for key, resp in final.items():
        assert resp is not None and resp.status_code == 201, (key, history[key], teams_after_crash)
        if key in answered_ids:  # already answered before the crash: the same answer, replayed
            assert resp.headers["idempotent-replayed"] == "true"
            assert resp.json()["team_id"] == answered_ids[key]
    team_ids = sorted(resp.json()["team_id"] for resp in final.values() if resp is not None)
    assert team_ids == [f"ICCT-{i:03d}" for i in range(1, BURST + 1)]  # one per key, gapless

    teams = await team_rows(database)
    assert [t.seq for t in teams] == list(range(1, BURST + 1))
    names = {resp.json()["team_id"]: forms[key].fields["team_name"] for key, resp in final.items() if resp}
    assert {t.team_id: t.name for t in teams} == names
    await assert_every_team_whole(database, data_dir)
    assert "Traceback" not in server.log()

    # Drill 4: the sweep removes what the killed process left behind, and nothing else.
    sweep = await run_sweep(database_url, data_dir)
    assert sweep.returncode == 0, sweep.stderr
    assert await store_matches_table(database, local_store(data_dir)) == (set(), set())
    assert leftover_files(data_dir) == []
    await assert_every_team_whole(database, data_dir)


async def test_sigkill_after_the_team_commit_but_before_the_answer_is_saved(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """The narrowest window: the team is written and the answer to replay is being saved.

    Row locks hold the request at that exact point (the church row first, then the key's row), so the
    kill is deterministic. When the answer was saved in a transaction of its own, after the team's,
    a kill here left a committed team without an answer, and the retry met that team as
    DUPLICATE_TEAM (409) instead of getting its 201.
    """
    data_dir = tmp_path / "server"
    key, form = drill_key(1), bulky_form(1, 64 * 1024)
    await seed_church(database, form)
    server = await ServerProcess(database_url, data_dir, **SERVER_SETTINGS).astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            church_sql = "SELECT id FROM churches FOR UPDATE"
            key_sql = "SELECT id FROM idempotency_keys WHERE key = :key FOR UPDATE"
            async with AsyncExitStack() as key_lock:
                async with row_lock(database, church_sql) as churches:
                    assert churches == 1
                    pending = asyncio.create_task(attempt(client, form, key))
                    assert await wait_for(lambda: blocked_on(database, "churches"))
                    # The request has claimed its key and stored its files: lock the key's row too.
                    assert await key_lock.enter_async_context(row_lock(database, key_sql, key=key)) == 1
                # The church is free again: the team is written, then saving its answer waits.
                assert await wait_for(lambda: blocked_on(database, "idempotency_keys"))
                sigkill(server)
            outcome = await pending
    finally:
        server.kill()
    assert outcome.response is None

    server = await ServerProcess(database_url, data_dir, **SERVER_SETTINGS).astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            outcomes = await register_until_settled(client, form, key)
            replay = await attempt(client, form, key)
        assert server.stop() == 0
    finally:
        server.kill()

    resp = outcomes[-1].response
    assert resp is not None and resp.status_code == 201, resp and (error_code(resp), resp.text)
    assert resp.json()["team_id"] == "ICCT-001"
    assert replay.response is not None and replay.response.headers["idempotent-replayed"] == "true"
    assert [t.team_id for t in await team_rows(database)] == ["ICCT-001"]
    await assert_every_team_whole(database, data_dir)
    assert (await run_sweep(database_url, data_dir)).returncode == 0
    assert await store_matches_table(database, local_store(data_dir)) == (set(), set())


async def test_sigkill_inside_the_registration_transaction_leaves_no_team_and_no_lasting_files(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """Killed with every file stored and the transaction open: no team, 25 orphans until the sweep."""
    data_dir = tmp_path / "server"
    key, form = drill_key(1), bulky_form(1, 64 * 1024)
    await seed_church(database, form)
    store = local_store(data_dir)
    server = await ServerProcess(database_url, data_dir, **SERVER_SETTINGS).astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            async with row_lock(database, "SELECT id FROM churches FOR UPDATE"):
                pending = asyncio.create_task(attempt(client, form, key))
                assert await wait_for(lambda: blocked_on(database, "churches"))
                sigkill(server)
            assert (await pending).response is None
    finally:
        server.kill()
    orphans = await stored_keys(store)
    assert len(orphans) == DOCUMENTS_PER_TEAM  # stored before the transaction, left by the dead process
    assert await team_rows(database) == []

    server = await ServerProcess(database_url, data_dir, **SERVER_SETTINGS).astart()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            resp = (await register_until_settled(client, form, key))[-1].response
        assert server.stop() == 0
    finally:
        server.kill()
    assert resp is not None and resp.status_code == 201, resp and resp.text
    assert resp.json()["team_id"] == "ICCT-001"
    await assert_every_team_whole(database, data_dir)

    sweep = await run_sweep(database_url, data_dir)
    assert sweep.returncode == 0, sweep.stderr
    assert f"deleted {DOCUMENTS_PER_TEAM} orphans" in sweep.stdout
    assert not orphans & await stored_keys(store)
    assert await store_matches_table(database, store) == (set(), set())
    assert leftover_files(data_dir) == []


async def seed_church(database: Database, form: RegistrationForm) -> None:
    """The form's church exists before the request, so a test can lock its row."""
    from icct26.adapters.db.registration_repository import SqlRegistrationUnitOfWork
    from icct26.domain.registration.church import church_key

    name = form.fields["church_name"]
    async with SqlRegistrationUnitOfWork(database) as uow:
        await uow.churches.add_and_lock(church_key(name), name)
        await uow.commit()


async def blocked_on(database: Database, table: str) -> bool:
    return any(table in query for query in await queries_waiting_on_locks(database))
