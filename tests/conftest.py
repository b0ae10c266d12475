"""Shared fixtures: a real PostgreSQL database per test session, per-test cleanup, app and client.

`TEST_DATABASE_URL` (a server URL, e.g. postgresql://postgres@127.0.0.1:5432/test) is used when set;
otherwise an embedded PostgreSQL is started in a temporary directory. Each session creates its own
database (so parallel runs never meet), migrates it with alembic, and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio
from asgi_lifespan import LifespanManager
from sqlalchemy import text

from icct26.adapters.db import migrations
from icct26.adapters.db.embedded import EmbeddedPostgres
from icct26.adapters.db.engine import Database, to_async_url
from icct26.adapters.observability.logging import configure_logging
from icct26.bootstrap import Container, create_app
from icct26.config import Settings, load_settings
from tests.support.empty_database import empty_tables

REPO = Path(__file__).resolve().parents[1]
CHURCHES_FILE = REPO.parent / "shared" / "data" / "churches.txt"


def _plain(url: str) -> str:
    return to_async_url(url).replace("postgresql+asyncpg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}" + (f"?{query}" if query else "")


async def _admin_connect(url: str) -> asyncpg.Connection:
    base, _, query = _plain(url).partition("?")
    host = dict(p.split("=", 1) for p in query.split("&") if "=" in p).get("host")
    return await asyncpg.connect(base, host=host) if host else await asyncpg.connect(base)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server's maintenance database."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        yield configured
        return
    # Not under pytest's own temporary directory: that is private to its user (0700), and as root
    # the embedded server runs as an unprivileged user that must be able to reach its data.
    home = Path(tempfile.mkdtemp(prefix="icct26-test-pg-"))
    home.chmod(0o755)
    embedded = EmbeddedPostgres(home / "pg")
    embedded.start()
    try:
        yield embedded.url_for("postgres")
    finally:
        embedded.stop()
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def empty_database(server_url: str, prefix: str) -> Iterator[str]:
    """An empty database of its own on the server (its async URL), dropped again on leaving."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"

    async def run(sql: str) -> None:
        conn = await _admin_connect(server_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    try:
        yield to_async_url(_with_database(server_url, name))
    finally:
        asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A fresh, migrated database for this test session."""
    with empty_database(server_url, "icct26_test") as url:
        migrations.upgrade(url)
        yield url


@pytest.fixture(scope="session", autouse=True)
def _logging() -> None:
    configure_logging("WARNING", json=True)


def make_settings(database_url: str, data_dir: Path, **overrides: Any) -> Settings:
    env = {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "DATA_DIR": str(data_dir),
        "RATE_LIMIT_ENABLED": "false",
        "ALLOWED_HOSTS": "*",  # in-process clients call the app `testserver`
        "OUTBOX_WORKER": "off",
        "LOG_LEVEL": "WARNING",
    }
    env.update({k.upper(): str(v) for k, v in overrides.items()})
    return load_settings(env, env_file=None)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module or test (`@pytest.mark.parametrize` or a local fixture)."""
    return {}


@pytest.fixture
def settings(database_url: str, tmp_path: Path, settings_overrides: dict[str, Any]) -> Settings:
    return make_settings(database_url, tmp_path / "data", **settings_overrides)


@pytest_asyncio.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The session database, emptied after each test (tests may commit freely)."""
    db = Database(settings.database.url or "", settings.database)
    try:
        yield db
    finally:
        await empty_tables(db.engine)
        await db.dispose()


@pytest_asyncio.fixture
async def container(settings: Settings, database: Database) -> AsyncIterator[Container]:
    from icct26.bootstrap import build_container_with

    c = await build_container_with(settings, database)
    try:
        yield c
    finally:
        await c.close(dispose_database=False)


@asynccontextmanager
async def app_client(app: Any, **kwargs: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to the ASGI app in this event loop, lifespan included."""
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver", **kwargs) as c:
            yield c


@pytest_asyncio.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(container=container)) as c:
        yield c


@pytest.fixture(scope="session")
def church_names() -> list[str]:
    """Real church names from ../shared when present; generated ones otherwise."""
    if CHURCHES_FILE.is_file():
        names = [n.strip() for n in CHURCHES_FILE.read_text(encoding="utf-8").splitlines() if n.strip()]
        if names:
            return names
    return [f"CSI Test Church {i}" for i in range(1, 83)]


STAFF_ACCOUNTS = {1: ("admin@example.org", "admin"), 2: ("viewer@example.org", "viewer")}


@pytest_asyncio.fixture
async def staff_accounts(database: Database) -> dict[int, tuple[str, str]]:
    """Accounts 1 (admin) and 2 (viewer), for tests that mint tokens with those ids directly.

    The guards look the token's account up on every request, so a token needs a real account.
    """
    async with database.engine.begin() as conn:
        for user_id, (email, role) in STAFF_ACCOUNTS.items():
            await conn.execute(
                text(
                    "INSERT INTO admin_users (id, email, password_hash, role, is_active,"
                    " created_at, updated_at) VALUES (:id, :email, 'unusable', :role, true, now(), now())"
                ),
                {"id": user_id, "email": email, "role": role},
            )
        await conn.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('admin_users', 'id'),"
                " (SELECT max(id) FROM admin_users))"
            )
        )
    return STAFF_ACCOUNTS
