"""Test data for the admin area: churches, teams with players and real stored documents, staff.

Rows are inserted directly (the public registration flow is not needed to review teams). Files go
through the container's DocumentStore, so signed links serve real bytes.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import (
    AdminUserRecord,
    ChurchRecord,
    DocumentRecord,
    PlayerRecord,
    TeamIdCounter,
    TeamRecord,
)
from icct26.adapters.http.auth import Principal
from icct26.adapters.security.passwords import Argon2Passwords
from icct26.bootstrap import Container
from icct26.domain.ports import DocumentStore
from icct26.domain.registration import church_key, format_player_id, format_team_id, team_name_key

Status = Literal["pending", "confirmed", "rejected", "changes_requested", "withdrawn", "waitlisted"]
ROLES = ("Batsman", "Bowler", "All-Rounder", "Wicket-Keeper", None)
PREFIX = "ICCT"
_MAGIC = {"pdf": b"%PDF-1.4\n", "png": b"\x89PNG\r\n\x1a\n", "jpg": b"\xff\xd8\xff\xe0"}
_CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
TEAM_DOCUMENTS = (("pastor_letter", "pdf"), ("payment_receipt", "pdf"), ("group_photo", "jpg"))
PLAYER_DOCUMENTS = (("aadhar", "jpg"), ("subscription", "png"))


def sample_file(extension: str, size: int = 512) -> bytes:
    """A small file whose magic bytes match `extension`, with random content (unique hashes)."""
    head = _MAGIC[extension]
    return head + os.urandom(size - len(head))


@dataclass
class SeededTeam:
    pk: int
    team_id: str
    name: str
    church_name: str
    status: str
    captain_email: str
    player_ids: list[str] = field(default_factory=list)
    # storage key -> bytes of every document stored for this team (team and player documents)
    files: dict[str, bytes] = field(default_factory=dict)
    # (player_id or None, kind) -> storage key
    keys: dict[tuple[str | None, str], str] = field(default_factory=dict)


def _now() -> datetime:
    return datetime.now(UTC)


async def create_church(database: Database, name: str, max_teams: int | None = None) -> int:
    async with database.sessionmaker() as session, session.begin():
        existing = await session.scalar(select(ChurchRecord.id).where(ChurchRecord.key == church_key(name)))
        if existing is not None:
            return int(existing)
        church = ChurchRecord(name=name, key=church_key(name), max_teams=max_teams)
        session.add(church)
        await session.flush()
        return int(church.id)


async def _next_seq(session: Any, count: int = 1) -> int:
    """Reserve `count` team numbers; keep the registration counter in step with them."""
    first = int(await session.scalar(select(func.coalesce(func.max(TeamRecord.seq), 0)))) + 1
    now = _now()
    await session.execute(
        pg_insert(TeamIdCounter)
        .values(prefix=PREFIX, last_value=first + count - 1, created_at=now, updated_at=now)
        .on_conflict_do_update(index_elements=["prefix"], set_={"last_value": first + count - 1})
    )
    return first


def _team_row(seq: int, church_id: int, status: str, name: str | None = None) -> dict[str, Any]:
    team_name = name or f"Team {seq:04d} Lions"
    return {
        "team_id": format_team_id(PREFIX, seq),
        "seq": seq,
        "name": team_name,
        "name_key": team_name_key(team_name),
        "church_id": church_id,
        "captain_name": f"Captain {chr(65 + seq % 26)}",
        "captain_phone": f"9{seq:09d}",
        "captain_email": f"captain{seq}@example.org",
        "captain_whatsapp": f"7{seq:09d}" if seq % 2 else None,
        "vice_name": f"Vice {chr(65 + seq % 26)}",
        "vice_phone": f"8{seq:09d}",
        "vice_email": f"vice{seq}@example.org",
        "vice_whatsapp": None,
        "status": status,
        "submitted_at": _now() - timedelta(minutes=1000 - seq % 1000),
        "created_at": _now(),
        "updated_at": _now(),
    }


def _document_row(
    team_pk: int, player_pk: int | None, kind: str, ext: str, key: str, size: int
) -> dict[str, Any]:
    return {
        "team_pk": team_pk,
        "player_pk": player_pk,
        "kind": kind,
        "storage_key": key,
        "content_type": _CONTENT_TYPES[ext],
        "extension": ext,
        "size_bytes": size,
        "sha256": uuid.uuid4().hex + uuid.uuid4().hex,
        "original_name": f"{kind}.{ext}",
        "created_at": _now(),
        "updated_at": _now(),
    }


async def create_team(
    container: Container,
    church: str = "CSI Test Church",
    *,
    players: int = 11,
    status: Status = "pending",
    name: str | None = None,
    group_photo: bool = True,
    player_documents: bool = True,
) -> SeededTeam:
    """One team with `players` players; every document stored as a real file in the DocumentStore."""
    database, store = container.database, container.storage
    church_id = await create_church(database, church)
    async with database.sessionmaker() as session, session.begin():
        seq = await _next_seq(session)
        row = _team_row(seq, church_id, status, name)
        team_pk = (
            await session.execute(insert(TeamRecord).values(**row).returning(TeamRecord.id))
        ).scalar_one()
        seeded = SeededTeam(team_pk, row["team_id"], row["name"], church, status, row["captain_email"])
        documents = [
            (None, None, kind, ext) for kind, ext in TEAM_DOCUMENTS if group_photo or kind != "group_photo"
        ]
        for position in range(1, players + 1):
            player_id = format_player_id(row["team_id"], position)
            player_pk = (
                await session.execute(
                    insert(PlayerRecord)
                    .values(
                        player_id=player_id,
                        team_pk=team_pk,
                        position=position,
                        name=f"Player {position} of {seq}",
                        role=ROLES[position % len(ROLES)],
                        created_at=_now(),
                        updated_at=_now(),
                    )
                    .returning(PlayerRecord.id)
                )
            ).scalar_one()
            seeded.player_ids.append(player_id)
            if player_documents:
                documents += [(player_pk, player_id, kind, ext) for kind, ext in PLAYER_DOCUMENTS]
        for player_pk, player_id, kind, ext in documents:
            key = f"test/{row['team_id']}/{uuid.uuid4().hex}.{ext}"
            data = sample_file(ext)
            await store.put_bytes(key, data, _CONTENT_TYPES[ext])
            seeded.files[key] = data
            seeded.keys[(player_id, kind)] = key
            await session.execute(
                insert(DocumentRecord).values(**_document_row(team_pk, player_pk, kind, ext, key, len(data)))
            )
    return seeded


async def create_teams_bulk(
    database: Database, *, teams: int, players_per_team: int, churches: int = 20, status: Status = "pending"
) -> list[str]:
    """Many teams quickly (rows only: document rows point at keys that hold no file). Team IDs back."""
    church_ids = [await create_church(database, f"CSI Bulk Church {i}") for i in range(1, churches + 1)]
    async with database.sessionmaker() as session, session.begin():
        first = await _next_seq(session, teams)
        rows = [_team_row(first + i, church_ids[i % churches], status) for i in range(teams)]
        team_pks = (
            (
                await session.execute(
                    insert(TeamRecord).returning(TeamRecord.id, sort_by_parameter_order=True), rows
                )
            )
            .scalars()
            .all()
        )
        player_rows = [
            {
                "player_id": format_player_id(row["team_id"], position),
                "team_pk": pk,
                "position": position,
                "name": f"Player {position}",
                "role": ROLES[position % len(ROLES)],
                "created_at": _now(),
                "updated_at": _now(),
            }
            for pk, row in zip(team_pks, rows, strict=True)
            for position in range(1, players_per_team + 1)
        ]
        player_pks = (
            await session.execute(
                insert(PlayerRecord).returning(
                    PlayerRecord.id, PlayerRecord.team_pk, sort_by_parameter_order=True
                ),
                player_rows,
            )
        ).all()
        docs = [
            _document_row(pk, None, kind, ext, f"bulk/{uuid.uuid4().hex}.{ext}", 100)
            for pk in team_pks
            for kind, ext in TEAM_DOCUMENTS
        ]
        docs += [
            _document_row(team_pk, player_pk, kind, ext, f"bulk/{uuid.uuid4().hex}.{ext}", 100)
            for player_pk, team_pk in player_pks
            for kind, ext in PLAYER_DOCUMENTS
        ]
        await session.execute(insert(DocumentRecord), docs)
    return [row["team_id"] for row in rows]


async def create_staff(
    database: Database,
    email: str = "admin@example.org",
    role: Literal["admin", "viewer"] = "admin",
    password: str = "correct horse battery",
    *,
    active: bool = True,
) -> int:
    """A staff account inserted directly (no audit row), with a real argon2 hash."""
    async with database.sessionmaker() as session, session.begin():
        record = AdminUserRecord(
            email=email, role=role, password_hash=Argon2Passwords().hash(password), is_active=active
        )
        session.add(record)
        await session.flush()
        return int(record.id)


def bearer_for(
    container: Container, user_id: int, email: str, role: Literal["admin", "viewer"]
) -> dict[str, str]:
    token, _ = container.tokens.issue(Principal(user_id, email, role))
    return {"Authorization": f"Bearer {token}"}


async def read_stored(store: DocumentStore, key: str) -> bytes:
    return b"".join([chunk async for chunk in store.read(key)])
