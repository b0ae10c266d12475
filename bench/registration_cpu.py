"""Server CPU per registration, alone: `icct26 serve --workers 2`, N bench registrations, /proc.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/registration_cpu.py [--requests 300] [--rounds 3] [--concurrency 2]

The same server command, settings and payload as `make bench`'s registration scenario (11 players,
25 files of 50 KB, a new church, team and Idempotency-Key per request), sent closed-loop. After a
warm-up, each round reads the CPU time of the server's process tree from /proc before and after its
requests: CPU milliseconds per request do not depend on what else shares the machine nearly as much
as throughput does, and user and system time are printed apart: system time is mostly the file
system creating the 25 documents' files, which depends on the disk and on everything else using it.
Prints each round and the median; measures nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: make `bench.*` and `tests.support.*` importable
    sys.path.insert(0, str(ROOT))

from bench.environment import BenchServer, running_server, server_url_from_env  # noqa: E402
from bench.loadgen import client_session, closed_loop, http_operation  # noqa: E402
from bench.payloads import RegistrationRequests  # noqa: E402
from bench.procstat import CLOCK_TICKS, PROC, tree  # noqa: E402


def user_system_seconds(root: int) -> tuple[float, float]:
    """User and system CPU seconds of the server's process tree (the database left out)."""
    user = system = 0.0
    for stat in tree(root):
        try:
            raw = (PROC / str(stat.pid) / "stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        fields = raw[raw.rindex(")") + 2 :].split()
        user += int(fields[11]) / CLOCK_TICKS
        system += int(fields[12]) / CLOCK_TICKS
    return user, system


async def _rounds(server: BenchServer, args: argparse.Namespace) -> list[float]:
    requests = RegistrationRequests(players=11, file_bytes=50 * 1024)
    figures = []
    async with client_session(server.url) as client:
        operation = http_operation(client, requests)
        warm = await closed_loop(
            operation, concurrency=args.concurrency, duration=60, max_operations=args.warmup
        )
        if warm.errors:
            raise RuntimeError(f"warm-up failed: {warm.error_kinds}")
        for number in range(1, args.rounds + 1):
            user0, system0 = user_system_seconds(server.pid)
            step = await closed_loop(
                operation, concurrency=args.concurrency, duration=600, max_operations=args.requests
            )
            user1, system1 = user_system_seconds(server.pid)
            if step.errors:
                raise RuntimeError(f"round {number} failed: {step.error_kinds}")
            user, system = (
                (end - start) / step.completed * 1000 for start, end in ((user0, user1), (system0, system1))
            )
            figures.append(user + system)
            print(
                f"round {number}: {step.completed} registrations, {step.throughput:.1f}/s, server CPU "
                f"{user + system:.1f} ms/request (user {user:.1f}, system {system:.1f})",
                flush=True,
            )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=300, help="registrations per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args(argv)
    with running_server(server_url_from_env(), "icct26-regcpu-") as (server, _, _):
        figures = asyncio.run(_rounds(server, args))
    print(f"median server CPU per registration: {statistics.median(figures):.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
