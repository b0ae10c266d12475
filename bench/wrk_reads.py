"""The read scenarios through wrk only: `make bench`'s server, data and wrk runs, without the searches.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/wrk_reads.py
    ... bench/wrk_reads.py --rounds 2 --seconds 8 --only admin_teams schedule

`icct26 serve --workers 2` on a fresh database seeded as `make bench` seeds it (300 teams x 15
players, 40 matches); then `wrk -t1 -c16` on each scenario, `--rounds` times interleaved, with the
server's CPU per request from /proc (its process tree, PostgreSQL excluded). A minute instead of the
full bench's four, for comparing one change on a machine shared with other work: CPU per request is
the robust figure there, throughput and p99 move with the machine's other load.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bench import wrk  # noqa: E402
from bench.environment import BenchDatabase, BenchServer, running_server, server_url_from_env  # noqa: E402
from bench.procstat import CpuMeter  # noqa: E402
from bench.seed import seed_all  # noqa: E402
from icct26.adapters.db.engine import Database  # noqa: E402
from icct26.config import load_settings  # noqa: E402

SCENARIOS = ("ceiling", "schedule", "admin_teams", "calendar")


async def _measure(
    server: BenchServer, database: BenchDatabase, work_dir: Path, args: argparse.Namespace
) -> None:
    settings = load_settings(
        {"ENVIRONMENT": "test", "DATABASE_URL": database.url, "DATA_DIR": str(work_dir / "client")},
        env_file=None,
    )
    db = Database(database.url, settings.database)
    try:
        async with aiohttp.ClientSession() as session:
            seeded = await seed_all(db, session, server.url)
    finally:
        await db.dispose()
    requests = {
        "ceiling": ("/health/live", {}),
        "schedule": ("/api/schedule/matches", {}),
        "admin_teams": ("/admin/teams", {"Authorization": f"Bearer {seeded.token}"}),
        "calendar": ("/api/schedule/calendar.ics", {}),
    }
    meter = CpuMeter(server.pid, database.postmaster_pid())
    for round_number in range(1, args.rounds + 1):
        for name in args.only:
            path, headers = requests[name]
            result = await wrk.run_wrk(server.url + path, headers, meter, seconds=args.seconds)
            print(
                f"round {round_number} {name:<12} {result.throughput_rps:8.1f} req/s  "
                f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  errors {result.errors}  "
                f"server CPU {result.server_cpu_ms or 0:.2f} ms/req",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    args = parser.parse_args()
    if not wrk.available():
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    with running_server(server_url_from_env(), "icct26-wrk-") as (server, database, work_dir):
        asyncio.run(_measure(server, database, work_dir, args))


if __name__ == "__main__":
    main()
