"""Live-schedule fan-out: how long a match update takes to reach N open SSE streams.

N browsers hold `GET /api/schedule/events` open (spread over the server's worker processes, each with
its own LISTEN connection); the admin API then corrects a live match's second innings `updates` times,
one every `interval` seconds. Each update's latency, per stream, runs from sending the PUT to reading
its event: commit, NOTIFY, the listener's read of the journal, the fan-out and the write to the socket.
Updates are spaced so each one is measured on its own, not queued behind the previous one.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any

import aiohttp

from bench.loadgen import StepResult

EVENTS_PATH = "/api/schedule/events"
MATCHES_PATH = "/api/schedule/matches"


async def _live_match(session: aiohttp.ClientSession, base_url: str) -> dict[str, Any]:
    async with session.get(base_url + MATCHES_PATH, params={"status": "live"}) as response:
        matches = (await response.json())["data"]
    if not matches:
        raise RuntimeError("fan-out needs a live match in the seeded schedule")
    match: dict[str, Any] = matches[0]
    return match


async def _subscriber(
    session: aiohttp.ClientSession,
    url: str,
    match_id: int,
    ready: asyncio.Event,
    arrivals: dict[int, float],
    failures: Counter[str],
) -> None:
    """One stream: records when the event of update k (runs = k) arrives."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=None, sock_read=None)) as response:
            if response.status != 200:
                failures[f"status {response.status}"] += 1
                return
            ready.set()
            async for raw in response.content:
                line = raw.decode().rstrip("\r\n")
                if not line.startswith("data: {"):
                    continue
                now = time.perf_counter()
                match = json.loads(line[6:])
                if match.get("id") == match_id and match.get("team2_first_innings_runs") is not None:
                    arrivals.setdefault(match["team2_first_innings_runs"], now)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:  # noqa: UP041 - aiohttp raises both
        failures[type(exc).__name__] += 1


async def measure_fanout(
    base_url: str,
    token: str,
    *,
    subscribers: int = 200,
    updates: int = 20,
    interval: float = 0.25,
    straggler_seconds: float = 5.0,
) -> StepResult:
    """p50/p99 of update -> event over every (stream, update) pair; a missing event is an error."""
    auth = {"Authorization": f"Bearer {token}"}
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        match = await _live_match(session, base_url)
        match_id = match["id"]
        # The chasing side: the team that did not bat first (the seed records every first innings).
        batting = match["team2"] if match["first_innings_team"] == match["team1"] else match["team1"]
        arrivals: list[dict[int, float]] = [{} for _ in range(subscribers)]
        failures: Counter[str] = Counter()
        ready = [asyncio.Event() for _ in range(subscribers)]
        readers = [
            asyncio.create_task(
                _subscriber(session, base_url + EVENTS_PATH, match_id, ready[i], arrivals[i], failures)
            )
            for i in range(subscribers)
        ]
        try:
            async with asyncio.timeout(60):
                await asyncio.gather(*(r.wait() for r in ready))
            await asyncio.sleep(0.5)  # headers are out before the subscription is registered everywhere
            sent_at: dict[int, float] = {}
            started = time.perf_counter()
            for k in range(updates):
                body = {"batting_team": batting, "runs": k, "wickets": 1}
                sent_at[k] = time.perf_counter()
                url = f"{base_url}{MATCHES_PATH}/{match_id}/second-innings-score"
                async with session.put(url, json=body, headers=auth) as response:
                    if response.status != 200:
                        raise RuntimeError(f"update {k} answered {response.status}: {await response.text()}")
                await asyncio.sleep(interval)
            deadline = time.perf_counter() + straggler_seconds
            while time.perf_counter() < deadline and any(len(a) < updates for a in arrivals):
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*readers, return_exceptions=True)
    latencies = sorted(
        (seen[k] - sent_at[k]) * 1000 for seen in arrivals for k in range(updates) if k in seen
    )
    expected = subscribers * updates
    missing = expected - len(latencies)
    if missing:
        failures["missing event"] += missing
    return StepResult(
        mode="fanout",
        offered_rate=updates / (updates * interval),
        concurrency=subscribers,
        duration_s=updates * interval,
        sent=expected,
        completed=len(latencies),
        errors=missing,
        error_kinds=dict(failures),  # stream failures, and every (stream, update) without its event
        elapsed_s=elapsed,
        latencies_ms=latencies,
        max_in_flight=subscribers,
        dispatch_lag_p99_ms=0.0,
        client_cpu=0.0,
        extra={"subscribers": subscribers, "updates": updates},
    )
