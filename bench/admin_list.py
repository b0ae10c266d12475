"""The admin list's CPU per request in one process: `GET /admin/teams`, 300 teams x 15 players.

    .venv/bin/python bench/admin_list.py                 # CPU per request, body sizes
    .venv/bin/python bench/admin_list.py --profile       # and a pyinstrument profile (pip install it)
    .venv/bin/python bench/admin_list.py --rebuild       # every list built anew, as after a change

A fresh database on BENCH_DATABASE_URL (default: the local server's `postgres`) is migrated and
seeded with the bench's teams (documents included); the real app answers through an in-process ASGI
client with `Accept-Encoding: gzip`, as a browser asks. The figure is this process's CPU time (app
and client; PostgreSQL runs elsewhere) divided by the requests, after a few warm-up requests. An
unchanged list is answered from memory after its version lookup; `--rebuild` empties the kept lists
before each request, which costs what a request right after a change costs.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from tests.conftest import app_client, empty_database, make_settings  # noqa: E402
from tests.support.factories import bearer_for, create_staff, create_teams_bulk  # noqa: E402

from icct26.adapters.db import migrations  # noqa: E402
from icct26.adapters.db.engine import Database  # noqa: E402
from icct26.adapters.observability.logging import configure_logging  # noqa: E402
from icct26.bootstrap import build_container_with, create_app  # noqa: E402

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEAMS, PLAYERS = 300, 15


async def _measure(database_url: str, requests: int, profile: bool, rebuild: bool) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = make_settings(database_url, Path(data_dir))
        database = Database(database_url, settings.database)
        container = await build_container_with(settings, database)
        try:
            await create_teams_bulk(database, teams=TEAMS, players_per_team=PLAYERS)
            admin = await create_staff(database)
            headers = {
                **bearer_for(container, admin, "admin@example.org", "admin"),
                "Accept-Encoding": "gzip",
            }
            async with app_client(create_app(container=container)) as client:
                forget = container.review_list_cache.clear if rebuild else lambda: None
                await _report(client, headers, requests, profile, forget)
        finally:
            await container.close()


async def _report(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    requests: int,
    profile: bool,
    forget: Callable[[], None],
) -> None:
    for _ in range(3):  # warm-up: caches, prepared statements, the links of the first bucket
        response = await client.get("/admin/teams", headers=headers)
        assert response.status_code == 200, response.text
    body = response.content  # decoded by httpx
    print(f"body {len(body) / 1000:.0f} KB, {len(gzip.compress(body, 1)) / 1000:.0f} KB gzip level 1")
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(async_mode="enabled", interval=0.0005)
        profiler.start()
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        forget()
        await client.get("/admin/teams", headers=headers)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started_wall
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    print(
        f"{requests} requests: CPU {cpu / requests * 1000:.1f} ms, wall {wall / requests * 1000:.1f} ms each"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the loop")
    parser.add_argument("--rebuild", action="store_true", help="build every list anew (no kept answers)")
    args = parser.parse_args()
    configure_logging("WARNING", json=True)
    with empty_database(SERVER, "icct26_bench_admin") as url:
        migrations.upgrade(url)
        asyncio.run(_measure(url, args.requests, args.profile, args.rebuild))


if __name__ == "__main__":
    main()
