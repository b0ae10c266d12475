"""Withdrawn teams' documents follow the retention of rejected ones."""

from __future__ import annotations

import pytest

from icct26.bootstrap import Container
from tests.support.factories import create_team
from tests.support.registration_forms import document_keys, execute, fetch

pytestmark = pytest.mark.asyncio


async def test_documents_of_long_withdrawn_teams_are_purged(container: Container) -> None:
    gone = await create_team(container, "CSI Church 1", players=11)
    recent = await create_team(container, "CSI Church 2", players=11)
    for team, days in ((gone, 31), (recent, 5)):
        await execute(
            container.database,
            f"UPDATE teams SET status = 'withdrawn', status_changed_at = now() - interval '{days} days' "
            "WHERE team_id = :t",
            t=team.team_id,
        )
    report = await container.documents.purge()
    assert (report.teams, report.files, report.every_team) == (1, 25, False)
    assert not set(gone.keys.values()) & await document_keys(container.database)
    purged = await fetch(
        container.database, "SELECT team_id FROM teams WHERE documents_purged_at IS NOT NULL"
    )
    assert [row.team_id for row in purged] == [gone.team_id]
