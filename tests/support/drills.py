"""Shared pieces of the fault drills (tests/drills): bulky forms, patient retries, and the checks
that no team is half-written and that the document store holds exactly what the documents table names.

Every loop here is bounded by a count; nothing asserts on wall-clock time.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from icct26.adapters.db.engine import Database
from icct26.adapters.storage.signing import LinkSigner
from icct26.bootstrap import build_document_store
from icct26.config import load_settings
from icct26.domain.ports import DocumentStore
from tests.support.registration_forms import (
    RegistrationForm,
    Upload,
    document_keys,
    fetch,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    post_form,
    read_bytes,
    stored_keys,
)

PLAYERS = 11
DOCUMENTS_PER_TEAM = 3 + 2 * PLAYERS  # pastor letter, receipt, group photo + two per player
RETRYABLE_CODES = {
    "IDEMPOTENCY_IN_PROGRESS",
    "DATABASE_UNAVAILABLE",
    "STORAGE_UNAVAILABLE",
    "REQUEST_TIMEOUT",
}


def bulky_form(n: int, file_bytes: int, church: str = "CSI St. Peter's Church") -> RegistrationForm:
    """A valid 11-player form whose 25 files are each `file_bytes` long (real magic bytes, padded)."""
    form = RegistrationForm.valid(n, church=church)
    heads = {"image/jpeg": jpeg_bytes(), "image/png": png_bytes(), "application/pdf": pdf_bytes()}
    for name, upload in form.files.items():
        head = heads[upload.content_type]
        # Bytes unique per team and field, so every stored file can be traced back to its form.
        tail = hashlib.sha256(f"{n}:{name}".encode()).digest()
        padding = (tail * (file_bytes // len(tail) + 1))[: max(0, file_bytes - len(head))]
        form.files[name] = Upload(upload.filename, head + padding, upload.content_type)
    return form


def drill_key(n: int) -> str:
    return f"drill-{n:03d}-5d0c7a4e"


@dataclass
class Outcome:
    """What one client saw: a response, or no answer at all (connection dropped)."""

    response: httpx.Response | None
    error: str | None = None

    @property
    def answered(self) -> bool:
        return self.response is not None


async def attempt(client: httpx.AsyncClient, form: RegistrationForm, key: str) -> Outcome:
    try:
        return Outcome(await post_form(client, form, key=key))
    except httpx.TransportError as exc:
        return Outcome(None, type(exc).__name__)


def summary(outcomes: list[Outcome]) -> list[str]:
    """Outcomes in a line each, for assertion messages."""
    lines = []
    for o in outcomes:
        if o.response is None:
            lines.append(f"no answer ({o.error})")
        else:
            replayed = " replayed" if o.response.headers.get("idempotent-replayed") else ""
            lines.append(f"{o.response.status_code} {error_code(o.response) or ''}{replayed}".strip())
    return lines


def error_code(resp: httpx.Response) -> str | None:
    if resp.headers.get("content-type", "").startswith("application/problem+json"):
        code = resp.json().get("error_code")
        return str(code) if code is not None else None
    return None


def outage_answers(during: dict[str, Outcome], outage: str) -> dict[str, list[str]]:
    """Check what the requests running into a database `outage` got, and return them as lines per key.

    The server stays up through it, so each got an answer: its 201, or 503 DATABASE_UNAVAILABLE when
    the outage cut it short; and at least one was cut short, or the drill drilled nothing.
    """
    answers = {key: summary([outcome]) for key, outcome in during.items()}
    for key, outcome in during.items():
        resp = outcome.response
        assert resp is not None, answers  # the server stayed up: everyone got an answer
        assert resp.status_code == 201 or (
            resp.status_code == 503 and error_code(resp) == "DATABASE_UNAVAILABLE"
        ), (key, resp.status_code, resp.text)
    assert any(o.response is not None and o.response.status_code == 503 for o in during.values()), (
        f"the {outage} came after every request had finished: the drill drilled nothing ({answers})"
    )
    return answers


async def register_until_settled(
    client: httpx.AsyncClient, form: RegistrationForm, key: str, *, attempts: int = 60
) -> list[Outcome]:
    """Resend the same form with the same key until an answer that is not "try again" (bounded).

    Backs off on IDEMPOTENCY_IN_PROGRESS (a dead process's claim waits out its lease), 503s and
    dropped connections. Returns every outcome; the last one is the settled answer.
    """
    outcomes: list[Outcome] = []
    delay = 0.2
    for _ in range(attempts):
        outcome = await attempt(client, form, key)
        outcomes.append(outcome)
        resp = outcome.response
        if resp is not None and error_code(resp) not in RETRYABLE_CODES:
            return outcomes
        retry_after = resp.headers.get("retry-after", "") if resp is not None else ""
        wait = min(float(retry_after), 2.0) if retry_after.isdigit() else delay
        await asyncio.sleep(wait)
        delay = min(delay * 2, 2.0)
    return outcomes


@dataclass(frozen=True)
class TeamRow:
    team_id: str
    seq: int
    name: str
    players: int
    documents: int


async def team_rows(database: Database) -> list[TeamRow]:
    rows = await fetch(
        database,
        "SELECT t.team_id, t.seq, t.name,"
        " (SELECT count(*) FROM players p WHERE p.team_pk = t.id) AS players,"
        " (SELECT count(*) FROM documents d WHERE d.team_pk = t.id) AS documents"
        " FROM teams t ORDER BY t.seq",
    )
    return [TeamRow(r.team_id, r.seq, r.name, r.players, r.documents) for r in rows]


def local_store(data_dir: Path) -> DocumentStore:
    """The `local` store of a server whose DATA_DIR is `data_dir` (for reading, listing, checking),
    decrypting with the development key that server generated there."""
    settings = load_settings({"ENVIRONMENT": "test", "DATA_DIR": str(data_dir)}, env_file=None)
    return build_document_store(settings, LinkSigner("drill-reader"))


async def unreadable_documents(database: Database, store: DocumentStore) -> list[str]:
    """Document rows whose stored file is missing or differs from the recorded size and hash."""
    bad = []
    for row in await fetch(database, "SELECT storage_key, size_bytes, sha256 FROM documents"):
        try:
            content = await read_bytes(store, row.storage_key)
        except Exception as exc:  # the drill reports every kind of unreadable file
            bad.append(f"{row.storage_key}: {type(exc).__name__}")
            continue
        if len(content) != row.size_bytes or hashlib.sha256(content).hexdigest() != row.sha256:
            bad.append(f"{row.storage_key}: content differs")
    return bad


async def store_matches_table(database: Database, store: DocumentStore) -> tuple[set[str], set[str]]:
    """(orphans: stored but not in the table, missing: in the table but not stored)."""
    stored, recorded = await stored_keys(store), await document_keys(database)
    return stored - recorded, recorded - stored


def leftover_files(data_dir: Path) -> list[str]:
    """Half-written `.part` files in the store and upload spools: nothing should remain after a sweep."""
    parts = [p.as_posix() for p in (data_dir / "documents").rglob("*.part")]
    spool = data_dir / "tmp"
    spools = [p.as_posix() for p in spool.iterdir()] if spool.is_dir() else []
    return parts + spools


@dataclass(frozen=True)
class CommandResult:
    returncode: int
    stdout: str
    stderr: str


async def run_sweep(database_url: str, data_dir: Path, **settings: str) -> CommandResult:
    """`icct26 documents sweep` as its own process, against a server's database and DATA_DIR.

    Awaited, not blocking: the test's event loop may host a proxy the sweep talks through.
    """
    names = ("DATABASE_URL", "DATA_DIR", "ENVIRONMENT", "ORPHAN_GRACE_MINUTES", "STORAGE_BACKEND")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", *names))}
    env.update(
        {
            "ENVIRONMENT": "test",
            "DATABASE_URL": database_url,
            "DATA_DIR": str(data_dir),
            "ORPHAN_GRACE_MINUTES": "0",
            "LOG_LEVEL": "WARNING",
            **{k.upper(): str(v) for k, v in settings.items()},
        }
    )
    script = Path(sys.executable).with_name("icct26")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "icct26.cli"]
    process = await asyncio.create_subprocess_exec(
        *command,
        "documents",
        "sweep",
        cwd=data_dir,  # no developer `.env` is read
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return CommandResult(process.returncode, out.decode(), err.decode())


async def wait_for(condition: Any, *, polls: int = 600, every: float = 0.05) -> bool:
    """Poll an async predicate up to `polls` times; True once it holds."""
    for _ in range(polls):
        if await condition():
            return True
        await asyncio.sleep(every)
    return False


async def queries_waiting_on_locks(database: Database) -> list[str]:
    """The statements of other sessions that are blocked on a lock right now."""
    rows = await fetch(
        database,
        "SELECT query FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    )
    return [str(r.query) for r in rows]


@asynccontextmanager
async def row_lock(database: Database, sql: str, **params: Any) -> AsyncIterator[int]:
    """Hold `SELECT ... FOR UPDATE` rows in an open transaction: a registration reaching them waits
    there, which gives a drill an exact moment to kill the server. Yields how many rows it locked."""
    async with database.engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield len((await conn.execute(text(sql), params)).all())
        finally:
            await transaction.rollback()
