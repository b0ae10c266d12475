"""`make bench`: measure the server against baselines from the same run; print a table and the targets.

    .venv/bin/python bench/run.py                 # embedded PostgreSQL under a temporary DATA_DIR
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/run.py

With BENCH_DATABASE_URL (or DATABASE_URL) a fresh database is created on that server and dropped after.
Results also go to bench/results/latest.json. See docs/PERFORMANCE.md for what the numbers mean.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `bench.*` and `tests.support.*` importable
    sys.path.insert(0, str(ROOT))

from bench.environment import server_url_from_env  # noqa: E402
from bench.procstat import busy_cores, load_average  # noqa: E402
from bench.suite import FULL, SMOKE, run  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "latest.json"
BUSY_CORES = 0.25  # CPU the machine uses without the bench, above which a run is flagged as disturbed


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
    meminfo = Path("/proc/meminfo").read_text().split()
    mem_kib = int(meminfo[meminfo.index("MemTotal:") + 1])
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def _cell(value: Any, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def print_report(report: dict[str, Any]) -> None:
    header = (
        f"{'scenario':<42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}  {'vs':<8} {'ratio':>6}"
        f" {'srv CPU':>8} {'pg CPU':>7}"
    )
    print()
    print(header)
    print("-" * len(header))
    for row in report["table"]:
        ratio = "-" if row["ratio"] is None else f"{row['ratio']:.0%}"
        figures = " ".join(_cell(row[key], "8.1f") for key in ("throughput_rps", "p50_ms", "p99_ms"))
        errors = _cell(row["errors"], "7d")
        cpu = f"{_cell(row['server_cpu_ms'], '8.2f')} {_cell(row['postgres_cpu_ms'], '7.2f')}"
        print(f"{row['label']:<42} {figures} {errors}  {row['baseline'] or '-':<8} {ratio:>6} {cpu}")
    print("(srv CPU, pg CPU: CPU ms per request of the server's processes and of PostgreSQL, when embedded)")
    memory = report["scenarios"]["memory"]
    print(
        f"\npeak RSS with {memory['registrations']} x {memory['body_mib_each']} MiB registrations at once: "
        f"{memory['peak_rss_mib']} MiB sampled (idle {memory['idle_rss_mib']} MiB, "
        f"+{memory['peak_over_idle_mib']} MiB); sum of per-process high-water marks "
        f"{memory['kernel_peak_rss_mib']} MiB (+{memory['kernel_peak_over_idle_mib']} MiB)"
    )
    for label, key in (
        ("just started", "startup_rss_by_process_mib"),
        ("idle, after seeding", "idle_rss_by_process_mib"),
        ("peak, memory phase", "peak_rss_by_process_mib"),
        ("peak, whole run", "run_peak_rss_by_process_mib"),
    ):
        if memory.get(key):
            shown = ", ".join(f"{name} {mib}" for name, mib in memory[key].items())
            print(f"RSS MiB by process, {label}: {shown} (total {sum(memory[key].values()):.1f})")
    wrk = report["scenarios"].get("wrk") or {}
    if wrk:
        print("\nwrk -t1 -c16 (closed loop):")
        for name, figures in wrk.items():
            print(
                f"  {name:<14} {figures['throughput_rps']:9.1f} req/s  p50 {figures['p50_ms']:7.1f} ms  "
                f"p99 {figures['p99_ms']:7.1f} ms  errors {figures['errors']}  "
                f"server CPU {_cell(figures['server_cpu_ms'], '.2f')} ms/req"
            )
    print("\ntargets:")
    for target in report["targets"]:
        value = target["value"]
        shown = (
            "-"
            if value is None
            else (f"{value:.0%}" if target["unit"] == "ratio" else f"{value:.1f} {target['unit']}")
        )
        print(f"  {target['result']:<4}  {target['name']:<52} {shown}")
    print(
        f"\nload average before {report['load_before']}, after {report['load_after']}; "
        f"{report['duration_s']:.0f} s; {report['database']}"
    )
    other = report["other_load"]
    print(
        f"CPU of other processes during the steps: mean {other['mean_cores']}, max {other['max_cores']} cores"
    )
    if other["mean_cores"] > BUSY_CORES:
        print(
            "WARNING: the machine was busy with other work; these figures are pessimistic. Rerun when idle."
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--smoke", action="store_true", help="tiny scale: checks the bench runs, measures nothing"
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS})")
    args = parser.parse_args(argv)
    server_url = server_url_from_env()
    load_before = [round(v, 2) for v in load_average()]
    busy_before = round(busy_cores(), 2)
    print(f"machine: {machine()}; load average {load_before}; {busy_before} cores busy")
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    report = run(SMOKE if args.smoke else FULL, server_url, log=lambda line: print(line, flush=True))
    report = {
        "started_at": started_at,
        "duration_s": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "load_before": load_before,
        "load_after": [round(v, 2) for v in load_average()],
        "busy_before": busy_before,
        "busy_after": round(busy_cores(), 2),
        **report,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)
    print(f"\nresults written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
