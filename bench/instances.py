"""Registrations per minute through nginx with one app instance, then with two (docs/DEPLOYMENT.md §6).

    export BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres
    TEST_REDIS_URL=redis://127.0.0.1:6379/15 .venv/bin/python bench/instances.py [--seconds 60]

Each phase starts the several-instances setup of tests/drills/test_drill_several_instances.py (nginx
with the documented configuration, Redis rate limits, moto S3 for documents, one outbox worker, a fresh
database) and keeps `concurrency` browsers registering back to back for `seconds`: every registration
is a new client IP (so the per-IP limit of 10 a minute never refuses one), 11 players and 25 files of
50 KB (as `make bench`). It prints one JSON line per phase; only 201s count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench.*` and `tests.support.*` importable
    sys.path.insert(0, str(ROOT))

from tests.support.drills import bulky_form, drill_key  # noqa: E402
from tests.support.registration_forms import post_form  # noqa: E402
from tests.support.several_instances import InstanceCluster, redis_unavailable  # noqa: E402

from bench.environment import BenchDatabase  # noqa: E402
from bench.procstat import load_average  # noqa: E402
from icct26.adapters.db import migrations  # noqa: E402

FILE_BYTES = 50 * 1024


async def registrations(cluster: InstanceCluster, seconds: float, concurrency: int) -> dict[str, Any]:
    numbers = iter(range(1, 1_000_000))
    statuses: dict[int, int] = {}
    refusals: dict[int, str] = {}  # the first answer of each other status, to say what went wrong
    latencies: list[float] = []
    deadline = time.monotonic() + seconds

    async def browser() -> None:
        while time.monotonic() < deadline:
            n = next(numbers)
            form = bulky_form(n, FILE_BYTES, f"Bench Church {n // 2}")
            async with cluster.client() as client:
                started = time.monotonic()
                resp = await post_form(client, form, key=drill_key(n))
                latencies.append(time.monotonic() - started)
            statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
            if resp.status_code != 201:
                refusals.setdefault(resp.status_code, resp.text[:300])

    started = time.monotonic()
    await asyncio.gather(*(browser() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    latencies.sort()
    created = statuses.get(201, 0)
    return {
        "registrations_per_minute": round(created * 60 / elapsed, 1),
        "created": created,
        "statuses": statuses,
        "refusals": refusals,
        "seconds": round(elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000) if latencies else None,
    }


def phase(
    apps: int, seconds: float, concurrency: int, redis_url: str, root: Path, storage: str = "s3"
) -> dict[str, Any]:
    server = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    database = BenchDatabase(root / f"pg-{apps}", server)
    url = database.start()
    try:
        migrations.upgrade(url)
        cluster = InstanceCluster(
            url, root / f"apps-{apps}-{storage}", redis_url, apps=apps, workers=1, STORAGE_BACKEND=storage
        )
        cluster.start()
        try:
            load_before = load_average()
            result = asyncio.run(registrations(cluster, seconds, concurrency))
        finally:
            cluster.stop()
    finally:
        database.stop()
    per_instance = round(result["registrations_per_minute"] / apps, 1)
    return {
        "instances": apps,
        "storage": storage,
        "concurrency": concurrency,
        **result,
        "per_instance": per_instance,
        "load": load_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--local-storage",
        action="store_true",
        help="also measure one instance with STORAGE_BACKEND=local (what S3 costs)",
    )
    args = parser.parse_args()
    redis_url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    problem = redis_unavailable(redis_url)
    if problem is not None or redis_url is None:
        sys.exit(problem)
    print(f"machine: {os.cpu_count()} cores, load {load_average()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="icct26-instances-") as tmp:
        phases = [(1, "s3"), (2, "s3")] + ([(1, "local")] if args.local_storage else [])
        for apps, storage in phases:
            result = phase(apps, args.seconds, args.concurrency, redis_url, Path(tmp), storage)
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
