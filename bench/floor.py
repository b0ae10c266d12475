"""The registration FLOOR: what one registration must cost at least, with no HTTP and no framework.

The same rows as a real registration (church upsert, team-ID counter bump, team, players, documents,
outbox email) in one transaction through raw asyncpg, with as few round trips as SQL allows, after the
same file writes as the local document store does (write a `.part` file in a thread, then rename).
`POST /api/register/team` is compared against this at the same concurrency.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from bench.payloads import FileSpec, registration_files

PREFIX = "ICCT"
ROLES = ("Batsman", "Bowler", "All-Rounder", "Wicket-Keeper", None)

UPSERT_CHURCH = """
INSERT INTO churches (name, key, created_at, updated_at) VALUES ($1, $2, now(), now())
ON CONFLICT (key) DO UPDATE SET updated_at = excluded.updated_at
RETURNING id
"""
BUMP_COUNTER = """
INSERT INTO team_id_counters (prefix, last_value, created_at, updated_at) VALUES ($1, 1, now(), now())
ON CONFLICT (prefix) DO UPDATE SET last_value = team_id_counters.last_value + 1, updated_at = now()
RETURNING last_value
"""
INSERT_TEAM = """
INSERT INTO teams (team_id, seq, name, name_key, church_id, captain_name, captain_phone, captain_email,
    captain_whatsapp, vice_name, vice_phone, vice_email, vice_whatsapp, status, submitted_at,
    created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10, $11, NULL, 'pending', now(), now(), now())
RETURNING id
"""
INSERT_PLAYERS = """
INSERT INTO players (player_id, team_pk, position, name, role, created_at, updated_at)
SELECT p.player_id, $2, p.position, p.name, p.role, now(), now()
FROM unnest($1::text[], $3::int[], $4::text[], $5::text[]) AS p(player_id, position, name, role)
RETURNING id, position
"""
INSERT_DOCUMENTS = """
INSERT INTO documents (team_pk, player_pk, kind, storage_key, content_type, extension, size_bytes, sha256,
    original_name, created_at, updated_at)
SELECT $1, d.player_pk, d.kind, d.storage_key, d.content_type, d.extension, d.size_bytes, d.sha256,
    d.original_name, now(), now()
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[],
    $9::text[]) AS d(player_pk, kind, storage_key, content_type, extension, size_bytes, sha256, original_name)
"""
INSERT_OUTBOX = """
INSERT INTO email_outbox (kind, recipient, team_pk, context, status, attempts, next_attempt_at,
    created_at, updated_at)
VALUES ('registration_received', $1, $2, $3::jsonb, 'pending', 0, now(), now(), now())
"""


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(data)
    os.replace(partial, path)


class RegistrationFloor:
    """One call of `register()` = the inserts and file writes of one 11-player, 25-file registration."""

    def __init__(
        self, pool: asyncpg.Pool, documents: Path, *, players: int = 11, file_bytes: int = 50 * 1024
    ):
        self.pool = pool
        self.documents = documents
        self.players = players
        self.files: list[FileSpec] = registration_files(players, file_bytes)
        self._numbers = itertools.count(1)

    async def register(self) -> str | None:
        n = next(self._numbers)
        batch = uuid.uuid4().hex
        keys = [f"floor/{batch}/{spec.field}-{uuid.uuid4().hex}.{spec.extension}" for spec in self.files]
        for key, spec in zip(keys, self.files, strict=True):
            await asyncio.to_thread(_write_file, self.documents / key, spec.content)
        async with self.pool.acquire() as conn, conn.transaction():
            await self._insert(conn, n, keys)
        return None

    async def _insert(self, conn: Any, n: int, keys: list[str]) -> None:
        church_id = await conn.fetchval(UPSERT_CHURCH, f"Floor Church {n}", f"floor church {n}")
        seq = await conn.fetchval(BUMP_COUNTER, PREFIX)
        team_id = f"{PREFIX}-{seq:03d}"
        name = f"Floor Warriors {n}"
        email = f"floor{n}@example.com"
        team_pk = await conn.fetchval(
            INSERT_TEAM,
            team_id,
            seq,
            name,
            name.casefold(),
            church_id,
            "John Samuel",
            f"96{n:08d}",
            email,
            "Paul Raj",
            f"86{n:08d}",
            f"floorvice{n}@example.com",
        )
        positions = list(range(1, self.players + 1))
        player_ids = [f"{team_id}-P{p:02d}" for p in positions]
        names = [f"Player {p}" for p in positions]
        roles = [ROLES[p % len(ROLES)] for p in positions]
        rows = await conn.fetch(INSERT_PLAYERS, player_ids, team_pk, positions, names, roles)
        player_pk = {row["position"]: row["id"] for row in rows}
        await conn.execute(
            INSERT_DOCUMENTS,
            team_pk,
            [player_pk.get(spec.player_position) if spec.player_position else None for spec in self.files],
            [spec.kind for spec in self.files],
            keys,
            [spec.content_type for spec in self.files],
            [spec.extension for spec in self.files],
            [len(spec.content) for spec in self.files],
            [spec.sha256 for spec in self.files],
            [spec.filename for spec in self.files],
        )
        context = {
            "team_id": team_id,
            "team_name": name,
            "church_name": f"Floor Church {n}",
            "captain_name": "John Samuel",
            "player_count": self.players,
            "players": [
                {"player_id": pid, "name": pname, "role": role}
                for pid, pname, role in zip(player_ids, names, roles, strict=True)
            ],
            "submitted_at": "2026-01-01T00:00:00+05:30",
        }
        await conn.execute(INSERT_OUTBOX, email, team_pk, json.dumps(context))
