"""Exports: every team and player, as CSV (csv module) and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
import re

import httpx
import openpyxl
import pytest

from icct26.bootstrap import Container
from icct26.services.exports import COLUMNS
from tests.e2e.admin.conftest import Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team, create_teams_bulk

pytestmark = pytest.mark.asyncio


async def seed(container: Container) -> tuple[list[str], list[str]]:
    """Teams of several shapes; returns (team ids, player ids)."""
    full = await create_team(container, "CSI Immanuel Church", players=15, status="confirmed")
    empty = await create_team(container, "CSI Christ Church", players=0, status="rejected")
    tricky = await create_team(container, "CSI Christ Church", players=11, name="=1+2 Lions")
    bulk = await create_teams_bulk(container.database, teams=40, players_per_team=12)
    teams = [full.team_id, empty.team_id, tricky.team_id, *bulk]
    players = [*full.player_ids, *tricky.player_ids]
    players += [f"{team_id}-P{n:02d}" for team_id in bulk for n in range(1, 13)]
    return teams, players


async def export(client: httpx.AsyncClient, staff: Staff, fmt: str) -> httpx.Response:
    resp = await client.get("/admin/teams/export", params={"format": fmt}, headers=staff.viewer)
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    assert re.fullmatch(
        rf'attachment; filename="icct26-registrations-\d{{4}}-\d{{2}}-\d{{2}}\.{fmt}"',
        resp.headers["content-disposition"],
    )
    return resp


async def test_csv_export_holds_every_team_and_player(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    teams, players = await seed(container)
    resp = await export(client, staff, "csv")
    assert resp.headers["content-type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(resp.content.decode("utf-8")))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    rows = list(reader)
    assert len(rows) == len(players) + 1  # the empty team has one row without a player
    assert sorted({r["team_id"] for r in rows}) == sorted(teams)
    assert sorted(r["player_id"] for r in rows if r["player_id"]) == sorted(players)
    empty = [r for r in rows if not r["player_id"]]
    assert [r["team_id"] for r in empty] == [teams[1]] and empty[0]["registration_status"] == "rejected"
    first = next(r for r in rows if r["player_id"] == f"{teams[0]}-P01")
    assert first["church_name"] == "CSI Immanuel Church" and first["registration_status"] == "confirmed"
    assert re.fullmatch(r"9\d{9}", first["captain_phone"]) and first["captain_email"].endswith("@example.org")
    # Presence flags, never links (an export outlives every link and must not open ID documents).
    assert (first["aadhar_file"], first["subscription_file"], first["payment_receipt"]) == ("yes",) * 3
    assert "/documents/" not in resp.text
    # Formula-looking text is defused for spreadsheet apps.
    assert {r["team_name"] for r in rows if r["team_id"] == teams[2]} == {"'=1+2 Lions"}


async def test_xlsx_export_holds_every_team_and_player(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    teams, players = await seed(container)
    resp = await export(client, staff, "xlsx")
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(resp.content), read_only=True)
    sheet = workbook["Registrations"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(header) == COLUMNS
    column = {name: i for i, name in enumerate(COLUMNS)}
    assert len(rows) == len(players) + 1
    assert sorted({r[column["team_id"]] for r in rows}) == sorted(teams)
    assert sorted(r[column["player_id"]] for r in rows if r[column["player_id"]]) == sorted(players)
    tricky = {r[column["team_name"]] for r in rows if r[column["team_id"]] == teams[2]}
    assert tricky == {"=1+2 Lions"}  # stored as text, not a formula
    phones = {r[column["captain_phone"]] for r in rows}
    assert all(isinstance(p, str) and len(p) == 10 for p in phones)
    assert {r[column["player_count"]] for r in rows if r[column["team_id"]] == teams[0]} == {15}
    workbook.close()


async def test_export_rejects_unknown_formats(client: httpx.AsyncClient, staff: Staff) -> None:
    resp = await client.get("/admin/teams/export", params={"format": "pdf"}, headers=staff.admin)
    assert_problem(resp, 422, "VALIDATION_FAILED")


async def test_empty_tournament_exports_a_header(client: httpx.AsyncClient, staff: Staff) -> None:
    resp = await export(client, staff, "csv")
    assert list(csv.reader(io.StringIO(resp.text))) == [list(COLUMNS)]
