"""Operator commands: church import, orphan sweep and purge of rejected teams' documents."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from icct26.bootstrap import Container
from icct26.config import Settings
from tests.support.registration_forms import (
    RegistrationForm,
    document_keys,
    execute,
    fetch,
    spool,
    stored_keys,
)

pytestmark = pytest.mark.asyncio
ICCT26 = Path(sys.executable).with_name("icct26")


async def icct26(settings: Settings, *args: str, cwd: Path) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database.url or "",
        "DATA_DIR": settings.runtime.data_dir,
        "OUTBOX_WORKER": "off",
        "LOG_LEVEL": "WARNING",
        "CHURCH_REGISTRY": settings.registration.church_registry,
    }
    proc = await asyncio.create_subprocess_exec(
        str(ICCT26), *args, cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=120)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_church_import_is_idempotent_by_key(container: Container, church_names: list[str]) -> None:
    service = container.churches
    report = await service.import_names(["# comment", "", *church_names, church_names[0].upper(), "x"])
    assert report.added == len(church_names)
    assert report.already_present == 0
    assert report.repeated_in_file == 1
    assert len(report.invalid) == 1 and report.invalid[0].startswith(f"line {len(church_names) + 4}:")
    again = await service.import_names(church_names)
    assert (again.added, again.already_present) == (0, len(church_names))
    rows = await fetch(container.database, "SELECT name FROM churches ORDER BY name")
    assert sorted(r.name for r in rows) == sorted(church_names)


async def test_churches_import_command(container: Container, church_names: list[str], tmp_path: Path) -> None:
    source = tmp_path / "churches.txt"
    source.write_text("\n".join(church_names) + "\n", encoding="utf-8")
    code, out, err = await icct26(container.settings, "churches", "import", str(source), cwd=tmp_path)
    assert code == 0, err
    assert f"added {len(church_names)}, already present 0" in out
    code, out, _ = await icct26(container.settings, "churches", "import", str(source), cwd=tmp_path)
    assert code == 0 and f"added 0, already present {len(church_names)}" in out
    availability = await container.churches.availability()
    assert availability.total == len(church_names) and availability.locked == 0


def age(store_root: Path, key: str, minutes: int) -> None:
    moment = (datetime.now(UTC) - timedelta(minutes=minutes)).timestamp()
    os.utime(store_root / key, (moment, moment))


async def test_orphan_sweep_removes_only_old_unreferenced_objects(
    container: Container, tmp_path: Path
) -> None:
    receipt = await container.registration.register(*spool(RegistrationForm.valid(1), tmp_path / "spool"))
    assert receipt.team_id == "ICCT-001"
    store = container.storage
    root = container.settings.runtime.data_path / "documents"
    kept = await document_keys(container.database)
    for key in kept:
        age(root, key, 120)  # old, but referenced
    await store.put_bytes("teams/crashed/aadhar-old.jpg", b"\xff\xd8\xffold", "image/jpeg")
    age(root, "teams/crashed/aadhar-old.jpg", 61)
    await store.put_bytes("teams/inflight/aadhar-new.jpg", b"\xff\xd8\xffnew", "image/jpeg")
    await store.put_bytes("gallery/photo.png", b"\x89PNG\r\n\x1a\nimg", "image/png")
    age(root, "gallery/photo.png", 500)
    await execute(
        container.database,
        "INSERT INTO gallery_images (storage_key, content_type, extension, width, height, size_bytes, "
        "created_at, updated_at) VALUES ('gallery/photo.png', 'image/png', 'png', 1, 1, 11, now(), now())",
    )

    report = await container.documents.sweep_orphans()
    assert report.deleted == 1
    assert report.scanned == len(kept) + 3
    assert await stored_keys(store) == kept | {"teams/inflight/aadhar-new.jpg", "gallery/photo.png"}

    age(root, "teams/inflight/aadhar-new.jpg", 61)
    uploads = container.settings.runtime.data_path / "tmp"
    (uploads / "upload-killed").mkdir(parents=True)
    (uploads / "upload-killed" / "part-001").write_bytes(b"x")
    age(uploads, "upload-killed", 61)
    (uploads / "upload-running").mkdir()
    code, out, err = await icct26(container.settings, "documents", "sweep", cwd=tmp_path)
    assert code == 0, err
    assert "deleted 1 orphans" in out and "removed 1 stale upload spools" in out
    assert await stored_keys(store) == kept | {"gallery/photo.png"}
    assert [p.name for p in uploads.iterdir()] == ["upload-running"]


async def test_purge_removes_documents_of_long_rejected_teams(container: Container, tmp_path: Path) -> None:
    registration = container.registration
    for n in (1, 2, 3):
        await registration.register(
            *spool(RegistrationForm.valid(n, church=f"CSI Church {n}"), tmp_path / f"s{n}")
        )
    await execute(
        container.database,
        "UPDATE teams SET status = 'rejected', status_changed_at = now() - interval '31 days' "
        "WHERE team_id = 'ICCT-001'",
    )
    await execute(
        container.database,
        "UPDATE teams SET status = 'rejected', status_changed_at = now() - interval '5 days' "
        "WHERE team_id = 'ICCT-002'",
    )
    old_keys = {
        r.storage_key
        for r in await fetch(
            container.database,
            "SELECT d.storage_key FROM documents d JOIN teams t ON t.id = d.team_pk "
            "WHERE t.team_id = 'ICCT-001'",
        )
    }
    assert len(old_keys) == 25

    report = await container.documents.purge()
    assert (report.teams, report.files, report.failed_teams) == (1, 25, 0)
    remaining = await document_keys(container.database)
    assert len(remaining) == 50 and not remaining & old_keys
    assert await stored_keys(container.storage) == remaining
    purged = await fetch(
        container.database, "SELECT team_id FROM teams WHERE documents_purged_at IS NOT NULL ORDER BY team_id"
    )
    assert [r.team_id for r in purged] == ["ICCT-001"]
    # The team itself and its roster stay (only the documents are personal files).
    assert len(await fetch(container.database, "SELECT id FROM players")) == 33

    code, out, err = await icct26(container.settings, "documents", "purge", cwd=tmp_path)
    assert code == 0, err
    assert "purged 0 documents of 0 rejected or withdrawn teams" in out
