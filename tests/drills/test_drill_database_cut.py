"""Drill: the link between a running server and PostgreSQL is cut in the middle of a burst of
registrations, then restored.

Every client gets 201 or 503 DATABASE_UNAVAILABLE (never a 500), no team is half-written, and after
the restore the same requests with the same keys converge to exactly one team each, gapless.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from icct26.adapters.db.engine import Database
from tests.support.drills import (
    DOCUMENTS_PER_TEAM,
    PLAYERS,
    attempt,
    bulky_form,
    drill_key,
    leftover_files,
    local_store,
    outage_answers,
    register_until_settled,
    run_sweep,
    store_matches_table,
    summary,
    team_rows,
    unreadable_documents,
    wait_for,
)
from tests.support.server import ServerProcess
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

BURST = 12
FILE_BYTES = 128 * 1024
SERVER_SETTINGS = {
    "REGISTRATION_TIMEOUT_SECONDS": "6",
    "REQUEST_TIMEOUT_SECONDS": "6",
    "IDEMPOTENCY_WAIT_SECONDS": "1",
    "DB_CONNECT_TIMEOUT_SECONDS": "2",
    "SHUTDOWN_GRACE_SECONDS": "5",
}


async def test_database_cut_mid_burst_gives_201_or_503_and_retries_converge(
    database: Database, database_url: str, tmp_path: Path, church_names: list[str]
) -> None:
    data_dir = tmp_path / "server"
    forms = {drill_key(n): bulky_form(n, FILE_BYTES, church_names[n]) for n in range(1, BURST + 1)}
    proxy = TcpProxy(database_url)
    await proxy.start()
    server = ServerProcess(proxy.url, data_dir, **SERVER_SETTINGS)
    try:
        await server.astart()
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
            tasks = [asyncio.create_task(attempt(client, form, key)) for key, form in forms.items()]

            async def some_committed() -> bool:
                return len(await team_rows(database)) >= 2 or all(t.done() for t in tasks)

            assert await wait_for(some_committed, polls=1200)
            await proxy.cut()
            during = dict(zip(forms, await asyncio.gather(*tasks), strict=True))
            teams_during_outage = await team_rows(database)  # read directly, not through the cut link

            await proxy.start()  # the database is back on the same address
            retries = await asyncio.gather(
                *(register_until_settled(client, form, key) for key, form in forms.items())
            )
        assert await server.astop() == 0
    finally:
        server.kill()
        await proxy.cut()

    answers = outage_answers(during, "cut")
    for team in teams_during_outage:
        assert (team.players, team.documents) == (PLAYERS, DOCUMENTS_PER_TEAM), team

    final = {key: outcomes[-1].response for key, outcomes in zip(forms, retries, strict=True)}
    history = {key: summary(outcomes) for key, outcomes in zip(forms, retries, strict=True)}
    for key, resp in final.items():
        assert resp is not None and resp.status_code == 201, (key, history[key], answers[key])
        first = during[key].response
        if first is not None and first.status_code == 201:
            assert resp.json()["team_id"] == first.json()["team_id"]
            assert resp.headers["idempotent-replayed"] == "true"
    team_ids = sorted(resp.json()["team_id"] for resp in final.values() if resp is not None)
    assert team_ids == [f"ICCT-{i:03d}" for i in range(1, BURST + 1)]  # one per key, gapless

    teams = await team_rows(database)
    assert [t.seq for t in teams] == list(range(1, BURST + 1))
    for team in teams:
        assert (team.players, team.documents) == (PLAYERS, DOCUMENTS_PER_TEAM), team
    store = local_store(data_dir)
    assert await unreadable_documents(database, store) == []
    assert "unhandled error" not in server.log()

    # A registration cut while committing keeps its files (the commit may have landed); every row's
    # file is there, and the sweep removes the files of commits that did not land.
    assert (await store_matches_table(database, store))[1] == set()
    sweep = await run_sweep(database_url, data_dir)
    assert sweep.returncode == 0, sweep.stderr
    assert await store_matches_table(database, store) == (set(), set())
    assert leftover_files(data_dir) == []
