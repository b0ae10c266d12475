"""Exports read one streamed statement (server-side cursor) and emit CSV in several chunks."""

from __future__ import annotations

import csv
import io

import pytest

from icct26.adapters.db.admin_uow import SqlAdminUnitOfWork
from icct26.bootstrap import Container
from icct26.services.exports import COLUMNS, ExportService
from tests.support.factories import create_teams_bulk
from tests.support.sql_statements import counted_statements

pytestmark = pytest.mark.asyncio


async def test_csv_export_streams_in_batches_from_one_statement(container: Container) -> None:
    await create_teams_bulk(container.database, teams=80, players_per_team=15)
    exports = ExportService(
        lambda: SqlAdminUnitOfWork(container.database),
        container.settings.tournament.timezone,
        batch_size=64,
    )
    with counted_statements(container) as seen:
        chunks = [chunk async for chunk in exports.csv_chunks()]
    assert len(chunks) >= 3  # 1200 rows, 500 per chunk
    # One statement streams every row (plus one read of the waiting list, whatever the size).
    assert len([s for s in seen if "FROM teams" in s and "JOIN players" in s]) == 1, seen
    assert len([s for s in seen if "FROM teams" in s]) <= 2, seen
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert rows[0] == list(COLUMNS) and len(rows) == 1 + 80 * 15
    assert rows[1][COLUMNS.index("aadhar_file")] == "yes"  # presence, never a link
    positions = [int(r[COLUMNS.index("player_number")]) for r in rows[1:16]]
    assert positions == list(range(1, 16))
