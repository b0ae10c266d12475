"""ID documents as sensitive data (SPEC §6.7) with the `local` store: encrypted on disk, served
decrypted through signed links, damage answered as 404, key rotation, a record of every view, and
the purge after the tournament."""

from __future__ import annotations

import asyncio
import base64
import io
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from loguru import logger
from PIL import Image

from icct26.adapters.storage.encrypted import EncryptedDocumentStore
from icct26.adapters.storage.encryption import RECORD_SIZE, sealed_key_id
from icct26.bootstrap import Container, build_container_with, create_app
from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.documents import ReencryptProgress
from tests.conftest import app_client, make_settings
from tests.e2e.admin.conftest import ADMIN_EMAIL, Staff
from tests.e2e.test_foundation import assert_problem
from tests.support.factories import create_team, read_stored
from tests.support.registration_forms import RegistrationForm, Upload, execute, fetch, post_form

pytestmark = pytest.mark.asyncio
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEY_A = "keyA:" + base64.b64encode(b"A" * 32).decode()
KEY_B = "keyB:" + base64.b64encode(b"B" * 32).decode()
ICCT26 = Path(sys.executable).with_name("icct26")


def noisy_png(width: int = 420, height: int = 300) -> bytes:
    """A PNG that barely compresses (random pixels), larger than one encrypted record."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, format="PNG")
    return out.getvalue()


def shares_a_16_byte_run(original: bytes, stored: bytes) -> bool:
    runs = {stored[i : i + 16] for i in range(len(stored) - 15)}
    return any(original[i : i + 16] in runs for i in range(len(original) - 15))


def store_of(container: Container) -> EncryptedDocumentStore:
    assert isinstance(container.storage, EncryptedDocumentStore)
    return container.storage


def relative(url: str) -> str:
    assert "/documents/" in url, url
    return url[url.index("/documents/") :]


@contextmanager
def logged_errors() -> Iterator[list[str]]:
    messages: list[str] = []
    sink = logger.add(lambda message: messages.append(message.record["message"]), level="ERROR")
    try:
        yield messages
    finally:
        logger.remove(sink)


async def team_detail(client: httpx.AsyncClient, staff: Staff, team_id: str) -> dict[str, Any]:
    resp = await client.get(f"/admin/teams/{team_id}", headers=staff.admin)
    assert resp.status_code == 200, resp.text
    data: dict[str, Any] = resp.json()["data"]
    return data


async def register_with_aadhar(
    client: httpx.AsyncClient, container: Container, player: int, aadhar: bytes
) -> str:
    """Register ICCT-001 with `aadhar` as the ID document of player index `player`; its storage key."""
    form = RegistrationForm.valid(players=11)
    form.files[f"player_{player}_aadhar_file"] = Upload(f"aadhar_{player}.png", aadhar, "image/png")
    resp = await post_form(client, form)
    assert resp.status_code == 201, resp.text
    [row] = await fetch(
        container.database,
        "SELECT d.storage_key FROM documents d JOIN players p ON p.id = d.player_pk "
        "WHERE p.player_id = :player_id AND d.kind = 'aadhar'",
        player_id=f"ICCT-001-P{player + 1:02d}",
    )
    return str(row.storage_key)


async def test_an_uploaded_id_document_is_encrypted_on_disk_and_served_byte_identical(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    aadhar = noisy_png()
    assert len(aadhar) > RECORD_SIZE  # several records: the streamed path, not one block
    storage_key = await register_with_aadhar(client, container, 0, aadhar)
    on_disk = (container.settings.runtime.data_path / "documents" / storage_key).read_bytes()
    assert PNG_SIGNATURE not in on_disk
    assert not shares_a_16_byte_run(aadhar, on_disk)
    spool = container.settings.runtime.data_path / "tmp"
    assert not spool.exists() or list(spool.iterdir()) == []  # no plaintext or scratch copy left

    players = (await team_detail(client, staff, "ICCT-001"))["players"]
    download = await client.get(relative(players[0]["aadharFile"]))
    assert download.status_code == 200, download.text
    assert download.content == aadhar
    assert download.headers["content-type"] == "image/png"
    assert download.headers["cache-control"] == "no-store"
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_a_flipped_byte_is_not_found_and_logged_as_an_integrity_error(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=1)
    key = team.keys[(team.player_ids[0], "aadhar")]
    path = container.settings.runtime.data_path / "documents" / key
    damaged = bytearray(path.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01
    path.write_bytes(bytes(damaged))

    url = (await team_detail(client, staff, team.team_id))["players"][0]["aadharFile"]
    with logged_errors() as errors:
        resp = await client.get(relative(url), headers={"Accept": "application/json"})
    assert_problem(resp, 404, "DOCUMENT_NOT_FOUND")
    assert resp.content.find(team.files[key][:8]) == -1
    assert any("integrity error" in message and key in message for message in errors), errors

    # The other documents of the team are untouched and still served.
    letter = (await team_detail(client, staff, team.team_id))["team"]["pastorLetter"]
    assert (await client.get(relative(letter))).content == team.files[team.keys[(None, "pastor_letter")]]


@pytest.mark.parametrize("records", [2, 4])  # served from one verified read / verified, then streamed
async def test_damage_anywhere_in_a_long_file_is_a_clean_not_found(
    client: httpx.AsyncClient, container: Container, staff: Staff, records: int
) -> None:
    team = await create_team(container, players=0)
    key = team.keys[(None, "pastor_letter")]
    original = b"%PDF-1.4\n" + os.urandom(records * RECORD_SIZE - 5000)
    await container.storage.put_bytes(key, original, "application/pdf")
    url = relative((await team_detail(client, staff, team.team_id))["team"]["pastorLetter"])
    intact = await client.get(url)
    assert intact.status_code == 200 and intact.content == original

    path = container.settings.runtime.data_path / "documents" / key
    sealed = path.read_bytes()
    for damage in (len(sealed) - 100, len(sealed) - RECORD_SIZE - 100):  # the last record, the one before
        damaged = bytearray(sealed)
        damaged[damage] ^= 0x80
        path.write_bytes(bytes(damaged))
        with logged_errors() as errors:
            resp = await client.get(url, headers={"Accept": "application/json"})
        assert_problem(resp, 404, "DOCUMENT_NOT_FOUND")  # not a 200 cut short, never a 500
        assert any("integrity error" in message and key in message for message in errors)
    path.write_bytes(sealed[: -(len(original) % RECORD_SIZE + 16)])  # the last record cut off
    assert_problem(await client.get(url, headers={"Accept": "application/json"}), 404, "DOCUMENT_NOT_FOUND")
    with pytest.raises(DomainError) as missing:
        await read_stored(container.storage, key)
    assert missing.value.code is ErrorCode.DOCUMENT_NOT_FOUND


async def test_files_stored_before_encryption_are_served_and_then_encrypted(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=1)
    store = store_of(container)
    legacy_key = team.keys[(team.player_ids[0], "subscription")]
    plain = team.files[legacy_key]
    await store.inner.put_bytes(legacy_key, plain, "image/png")  # as the store held it before
    assert (container.settings.runtime.data_path / "documents" / legacy_key).read_bytes() == plain

    url = (await team_detail(client, staff, team.team_id))["players"][0]["subscriptionFile"]
    assert (await client.get(relative(url))).content == plain

    report = await container.documents.reencrypt()
    assert (report.rewritten, report.failed) == (1, 0)
    on_disk = (container.settings.runtime.data_path / "documents" / legacy_key).read_bytes()
    assert on_disk[:8] != plain[:8] and sealed_key_id(on_disk) == store.keyring.primary.id
    assert (await client.get(relative(url))).content == plain


async def raw_key_ids(store: EncryptedDocumentStore, keys: list[str]) -> list[str | None]:
    ids = []
    for key in keys:
        chunks = store.inner.read(key)
        ids.append(sealed_key_id(await anext(chunks)))
        await chunks.aclose()  # type: ignore[attr-defined]
    return ids


@asynccontextmanager
async def container_with(container: Container, **overrides: Any) -> AsyncIterator[Container]:
    """Another app process over the same database and DATA_DIR, configured with `overrides`."""
    settings = make_settings(
        container.settings.database.url or "", container.settings.runtime.data_path, **overrides
    )
    other = await build_container_with(settings, container.database)
    try:
        yield other
    finally:
        await other.close(dispose_database=False)


async def run_cli(settings_of: Container, keys: str, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings_of.settings.database.url or "",
        "DATA_DIR": str(settings_of.settings.runtime.data_path),
        "DOCUMENT_ENCRYPTION_KEYS": keys,
        "OUTBOX_WORKER": "off",
        "LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        str(ICCT26), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("settings_overrides", [{"DOCUMENT_ENCRYPTION_KEYS": KEY_A}])
async def test_rotation_serves_old_files_and_reencrypt_moves_them_resumably(
    container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=3)  # 3 team + 6 player documents
    keys = sorted(team.files)
    assert await raw_key_ids(store_of(container), keys) == ["keyA"] * len(keys)

    async with container_with(container, DOCUMENT_ENCRYPTION_KEYS=f"{KEY_B},{KEY_A}") as rotated:
        # Key B added first: files under A are still served, new files are sealed with B.
        async with app_client(create_app(container=rotated)) as client:
            detail = await team_detail(client, staff, team.team_id)
            for player in detail["players"]:
                resp = await client.get(relative(player["aadharFile"]))
                assert resp.status_code == 200 and resp.content in team.files.values()

            def stop_after_four(progress: ReencryptProgress) -> None:
                if progress.rewritten == 4:
                    raise Interrupted  # the operator pressed Ctrl-C

            with pytest.raises(Interrupted):
                await rotated.documents.reencrypt(stop_after_four)
            ids = await raw_key_ids(store_of(rotated), keys)
            assert sorted(ids, key=str) == ["keyA"] * (len(keys) - 4) + ["keyB"] * 4
            for key in keys:  # every file readable midway (readers accept both keys)
                assert await read_stored(rotated.storage, key) == team.files[key]

        # The command carries on where the interrupted run stopped, with a progress bar.
        code, out, err = await run_cli(container, f"{KEY_B},{KEY_A}", "documents", "reencrypt")
        assert code == 0, err
        assert f"checked {len(keys)} documents: {len(keys) - 4} re-encrypted, 4 already" in out
        assert "re-encrypting documents" in err  # click's progress bar
        assert await raw_key_ids(store_of(rotated), keys) == ["keyB"] * len(keys)
        again = await rotated.documents.reencrypt()
        assert (again.checked, again.rewritten, again.failed) == (len(keys), 0, 0)

    # Key A can now be removed: everything is readable with B alone.
    async with container_with(container, DOCUMENT_ENCRYPTION_KEYS=KEY_B) as only_b:
        for key in keys:
            assert await read_stored(only_b.storage, key) == team.files[key]
        async with app_client(create_app(container=only_b)) as client:
            url = (await team_detail(client, staff, team.team_id))["team"]["paymentReceipt"]
            assert (await client.get(relative(url))).content == team.files[
                team.keys[(None, "payment_receipt")]
            ]


async def access_rows(client: httpx.AsyncClient, staff: Staff, team_id: str, expected: int) -> list[Any]:
    """The access list once `expected` views are written (they are written in batches)."""
    for _ in range(50):
        resp = await client.get("/admin/document-access", params={"team_id": team_id}, headers=staff.admin)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        if body["total"] >= expected:
            rows: list[Any] = body["data"]
            return rows
        await asyncio.sleep(0.1)
    raise AssertionError(f"{expected} access rows never appeared")


async def test_every_view_is_recorded_and_only_admins_read_the_record(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=2)
    other = await create_team(container, players=1, church="CSI Other Church")
    detail = await team_detail(client, staff, team.team_id)
    await team_detail(client, staff, other.team_id)

    resp = await client.get(relative(detail["players"][1]["aadharFile"]), headers={"X-Request-ID": "view-1"})
    assert resp.status_code == 200
    [row] = await access_rows(client, staff, team.team_id, 1)
    assert row["actor_email"] == ADMIN_EMAIL and row["actor_id"] == staff.admin_id
    assert (row["team_id"], row["player_id"], row["document"]) == (team.team_id, team.player_ids[1], "aadhar")
    assert row["ip"] == "127.0.0.1" and row["request_id"] == "view-1"
    assert datetime.fromisoformat(row["at"]) > datetime.now(UTC) - timedelta(minutes=1)

    # A second view is a second row; the filter keeps teams apart; the unfiltered list has both.
    await client.get(relative(detail["team"]["pastorLetter"]))
    rows = await access_rows(client, staff, team.team_id, 2)
    assert [r["document"] for r in rows] == ["pastor_letter", "aadhar"]  # newest first
    everything = await client.get("/admin/document-access", headers=staff.admin)
    assert everything.json()["total"] == 2

    # A link that fails (expired, tampered) records nothing; viewers cannot read the record.
    await client.get("/documents/not-a-token/x.pdf")
    forbidden = await client.get("/admin/document-access", headers=staff.viewer)
    assert_problem(forbidden, 403, "FORBIDDEN")
    assert_problem(await client.get("/admin/document-access"), 401, "UNAUTHORIZED")
    await asyncio.sleep(0.6)
    assert (await client.get("/admin/document-access", headers=staff.admin)).json()["total"] == 2


async def test_the_team_views_document_list_links_are_recorded_as_the_staff_accounts_views(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    team = await create_team(container, players=2)
    detail = await team_detail(client, staff, team.team_id)
    [entry] = [
        doc
        for doc in detail["documents"]
        if (doc["document"], doc["player_id"]) == ("aadhar_file", team.player_ids[1])
    ]
    token = relative(entry["url"]).split("/")[2]
    signed = container.signer.verify_link(token, container.settings.auth.signed_url_ttl_seconds)
    assert (signed.key, signed.viewer_id) == (team.keys[(team.player_ids[1], "aadhar")], staff.admin_id)

    resp = await client.get(relative(entry["url"]))
    assert resp.status_code == 200
    assert resp.content == team.files[team.keys[(team.player_ids[1], "aadhar")]]
    [row] = await access_rows(client, staff, team.team_id, 1)
    assert row["actor_id"] == staff.admin_id and row["actor_email"] == ADMIN_EMAIL
    assert (row["player_id"], row["document"]) == (team.player_ids[1], "aadhar")


async def test_purge_after_the_retention_removes_every_document_and_keeps_teams_players_results(
    client: httpx.AsyncClient, container: Container, staff: Staff
) -> None:
    confirmed = await create_team(container, players=2, status="confirmed")
    rival = await create_team(container, players=1, status="confirmed", church="CSI Other Church")
    pending = await create_team(container, players=1, church="CSI Third Church")
    await execute(
        container.database,
        "INSERT INTO matches (round, round_number, match_number, team1_pk, team2_pk, status, "
        "result_type, winner_pk, margin, margin_type, created_at, updated_at) "
        "VALUES ('Final', 1, 1, :a, :b, 'completed', 'win', :a, 12, 'runs', now(), now())",
        a=confirmed.pk,
        b=rival.pk,
    )
    maintenance = container.documents
    before = await maintenance.purge()  # TOURNAMENT_ENDS_AT unset: only long-rejected teams
    assert (before.teams, before.files, before.every_team) == (0, 0, False)

    ends = datetime.now(UTC) - timedelta(days=31)
    async with container_with(
        container, TOURNAMENT_ENDS_AT=ends.isoformat(), DOCUMENT_RETENTION_AFTER_DAYS=30
    ) as after_tournament:
        report = await after_tournament.documents.purge()
    all_files = {**confirmed.files, **rival.files, **pending.files}
    assert (report.teams, report.files, report.failed_teams, report.every_team) == (
        3,
        len(all_files),
        0,
        True,
    )
    for key in all_files:
        assert not (container.settings.runtime.data_path / "documents" / key).exists()
    assert await fetch(container.database, "SELECT id FROM documents") == []
    teams = await fetch(container.database, "SELECT team_id, status FROM teams ORDER BY seq")
    assert [(t.team_id, t.status) for t in teams] == [
        (confirmed.team_id, "confirmed"),
        (rival.team_id, "confirmed"),
        (pending.team_id, "pending"),
    ]
    assert len(await fetch(container.database, "SELECT id FROM players")) == 4
    [match] = await fetch(container.database, "SELECT winner_pk, margin FROM matches")
    assert (match.winner_pk, match.margin) == (confirmed.pk, 12)

    detail = await team_detail(client, staff, confirmed.team_id)
    today = datetime.now(container.settings.tournament.timezone).date().isoformat()
    assert detail["team"]["documentsNote"] == f"Documents purged on {today}"
    assert detail["team"]["pastorLetter"] is None and detail["players"][0]["aadharFile"] is None
    assert detail["documents"] == []  # the per-document list has nothing left to link either
    export = await client.get("/admin/teams/export", params={"format": "csv"}, headers=staff.admin)
    assert export.status_code == 200
    assert f"purged on {today}" in export.text and "/documents/" not in export.text
