"""The benchmark keeps working: every scenario, the load generator, the floor and the memory probe run
end to end against a real `icct26 serve` at a tiny scale (a handful of requests each).

Nothing here measures anything: no figure is compared with a time or a rate. A failure means the bench
has rotted (a changed form, route or fixture) and `make bench` would break.
"""

from __future__ import annotations

import math

import pytest
from bench.loadgen import SearchPlan, percentile
from bench.suite import SMOKE, run

from bench import wrk

pytestmark = pytest.mark.slow

SCENARIOS = (  # in the order of the printed table
    "ceiling",
    "schedule",
    "schedule_304",
    "admin_teams",
    "admin_rebuilt",
    "calendar",
    "registration",
)
STEP_KEYS = {
    "mode",
    "offered_rate",
    "sent",
    "completed",
    "errors",
    "throughput_rps",
    "p50_ms",
    "p99_ms",
    "max_in_flight",
    "client_cpu_cores",
    "server_cores",
    "verdict",
}
ROW_KEYS = {
    "scenario",
    "label",
    "throughput_rps",
    "p50_ms",
    "p99_ms",
    "errors",
    "baseline",
    "ratio",
    "server_cpu_ms",
}


def test_bench_runs_every_scenario_at_tiny_scale(server_url: str) -> None:
    report = run(SMOKE, server_url, log=lambda line: None)

    scenarios = report["scenarios"]
    assert set(scenarios) == {*SCENARIOS, "registration_floor", "memory", "sse_fanout", "wrk"}
    for name in SCENARIOS:
        steps = scenarios[name]["steps"]
        assert steps, name
        for step in steps:
            assert set(step) >= STEP_KEYS, name
            # Every request of every scenario got its expected answer (201 for registrations, 304 ...).
            assert step["errors"] == 0 and step["completed"] == step["sent"] > 0, (name, step)
    floor = scenarios["registration_floor"]
    assert floor["errors"] == 0 and floor["completed"] > 0
    fanout = scenarios["sse_fanout"]  # every stream got every update's event
    assert (
        fanout["errors"] == 0
        and fanout["completed"] == fanout["sent"] == SMOKE.sse_subscribers * SMOKE.sse_updates
    )
    memory = scenarios["memory"]
    assert memory["statuses"] == [201] * SMOKE.big_registrations
    assert {"idle_rss_mib", "peak_rss_mib", "peak_over_idle_mib"} <= set(memory)
    assert memory["idle_rss_mib"] > 0
    # Per process: the supervisor and its two workers at least (multiprocessing may add a tracker).
    idle_by_process = memory["idle_rss_by_process_mib"]
    assert {"supervisor", "worker 1", "worker 2"} <= set(idle_by_process), idle_by_process
    assert all(mib > 0 for mib in idle_by_process.values())
    assert set(memory["run_peak_rss_by_process_mib"]) == set(idle_by_process)
    assert set(memory["startup_rss_by_process_mib"]) == set(idle_by_process)
    # Server CPU per request for every measured scenario.
    assert all(
        row["server_cpu_ms"] is not None and row["server_cpu_ms"] >= 0
        for row in report["table"]
        if row["scenario"] not in ("registration_floor", "sse_fanout")
    ), report["table"]
    if wrk.available():
        assert set(scenarios["wrk"]) == {"ceiling", "schedule", "schedule_304", "admin_teams", "calendar"}
        assert all(w["requests"] > 0 and w["errors"] == 0 for w in scenarios["wrk"].values())

    assert [row["scenario"] for row in report["table"]] == [*SCENARIOS, "registration_floor", "sse_fanout"]
    assert all(set(row) >= ROW_KEYS for row in report["table"])
    assert len(report["targets"]) == 9
    assert all(t["result"] in {"PASS", "MISS"} for t in report["targets"])


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 99) == 0.0
    assert math.isclose(percentile([1.0, 2.0], 50), 1.0)


def test_default_plan_degrades_on_doubled_p99() -> None:
    from bench.loadgen import _p99_limit

    plan = SearchPlan()
    assert _p99_limit(plan, None) == math.inf
    assert _p99_limit(plan, 100.0) == 200.0
    assert _p99_limit(plan, 1.0) == 11.0  # fast answers get the jitter allowance
