"""A registration's statements as PostgreSQL counts them (pg_stat_statements), not as the ORM sends them:
one multi-row INSERT per table, however many players and documents; transaction control, the pool's
connection check and the idempotency claim included (foreign-key checks run inside the server: not
counted, `pg_stat_statements.track=top`).

The shared test server does not preload pg_stat_statements, so this runs on a private cluster that does.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio

from icct26.adapters.db.engine import Database
from icct26.bootstrap import build_container_with, create_app
from tests.conftest import app_client, make_settings
from tests.support import private_postgres
from tests.support.private_postgres import PrivatePostgres
from tests.support.registration_forms import RegistrationForm, post_form

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.skipif(
        private_postgres.unavailable() is not None, reason=str(private_postgres.unavailable())
    ),
]

STATEMENT_BUDGET = 12  # issue 17: at most 12 statements per registration, as the server counts them


@pytest_asyncio.fixture
async def cluster_url() -> AsyncIterator[str]:
    cluster = await asyncio.to_thread(
        PrivatePostgres.create, "shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track=top"
    )
    try:
        url = await cluster.database("icct26")
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await conn.execute("CREATE EXTENSION pg_stat_statements")
        finally:
            await conn.close()
        yield url
    finally:
        await asyncio.to_thread(cluster.destroy)


async def server_statements(url: str) -> dict[str, int]:
    """Calls per normalised statement in the app's database since the last reset (ours left out)."""
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await conn.fetch(
            "SELECT query, calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "WHERE d.datname = current_database() AND query NOT ILIKE '%pg_stat_statements%'"
        )
    finally:
        await conn.close()
    return {" ".join(row["query"].split())[:70]: row["calls"] for row in rows}


async def reset_statements(url: str) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute("SELECT pg_stat_statements_reset()")
    finally:
        await conn.close()


async def test_a_registration_is_at_most_twelve_statements_on_the_server(
    cluster_url: str, tmp_path: Path
) -> None:
    settings = make_settings(cluster_url, tmp_path / "data")
    container = await build_container_with(settings, Database(cluster_url, settings.database))
    try:
        async with app_client(create_app(container=container)) as client:
            # The first registration opens the pool's connections and creates the team-ID counter.
            warm = await post_form(client, RegistrationForm.valid(1), key="warm-up-registration-key-0001")
            assert warm.status_code == 201
            counts: list[int] = []
            first: dict[str, int] = {}
            for n, players, church in ((2, 11, "CSI St. Peter's Church"), (3, 15, "Church Three")):
                await reset_statements(cluster_url)
                created = await post_form(
                    client, RegistrationForm.valid(n, players=players, church=church), key=f"registration-{n}"
                )
                assert created.status_code == 201
                statements = await server_statements(cluster_url)
                inserts = {q: c for q, c in statements.items() if q.upper().startswith("INSERT INTO")}
                # One multi-row INSERT per table, whatever the roster (11 or 15 players, 25 or 33 files).
                assert all(calls == 1 for calls in inserts.values()), inserts
                counts.append(sum(statements.values()))
                first = first if counts[1:] else statements
    finally:
        await container.close()
    assert counts[0] <= STATEMENT_BUDGET, (counts, first)
    # A new church adds its insert (which locks it too); nothing grows with the roster.
    assert counts[1] <= counts[0] + 1, (counts, statements)
