"""Drill: what a process killed in the middle of copying a document leaves behind, and the sweep.

A SIGKILL during a copy leaves `<key>.part`: half a national ID scan that no row names. The sweep
(`icct26 documents sweep` as its own process) must remove it once older than ORPHAN_GRACE_MINUTES,
and must leave it alone while it may still be an upload in flight. The drills with a real kill
(test_drill_server_kill) end with the same sweep.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from icct26.adapters.db.engine import Database
from icct26.bootstrap import Container
from tests.support.drills import bulky_form, drill_key, leftover_files, run_sweep, store_matches_table
from tests.support.registration_forms import document_keys, post_form

pytestmark = pytest.mark.asyncio


async def test_sweep_removes_a_half_written_copy_but_not_within_the_grace_period(
    container: Container, client: httpx.AsyncClient, database: Database, database_url: str, settings: Any
) -> None:
    resp = await post_form(client, bulky_form(1, 16 * 1024), key=drill_key(1))
    assert resp.status_code == 201, resp.text
    recorded = await document_keys(database)
    some_key = sorted(recorded)[0]
    root = settings.runtime.data_path / "documents"
    # As a killed `copyfile` leaves it: next to the registration's files, half the bytes written.
    half = root / f"{some_key.rsplit('/', 1)[0]}/pastor_letter-0123456789abcdef.pdf.part"
    half.write_bytes((root / some_key).read_bytes()[:5000])

    within_grace = await run_sweep(database_url, settings.runtime.data_path, ORPHAN_GRACE_MINUTES="60")
    assert within_grace.returncode == 0, within_grace.stderr
    assert half.exists()  # it may be an upload still being written

    sweep = await run_sweep(database_url, settings.runtime.data_path)  # ORPHAN_GRACE_MINUTES=0
    assert sweep.returncode == 0, sweep.stderr
    assert "deleted 1 orphans" in sweep.stdout
    assert not half.exists()
    assert leftover_files(settings.runtime.data_path) == []
    assert await store_matches_table(database, container.storage) == (set(), set())
    assert await document_keys(database) == recorded
