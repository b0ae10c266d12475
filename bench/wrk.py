"""wrk, where installed (`apt-get install wrk`): the closed-loop figures the issue tracker compares.

`wrk -t1 -c16 -d<seconds>s --latency` against a read scenario, the server's CPU measured around it.
Closed loop: each connection sends its next request when the previous answer arrives, so p99 is the
latency at 16 connections in flight, not at a chosen rate (the open-loop search gives that).
"""

from __future__ import annotations

import asyncio
import re
import shutil
from dataclasses import dataclass
from typing import Any

from bench.procstat import CpuMeter

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_TOTAL = re.compile(r"^\s*(\d+) requests in", re.MULTILINE)
_NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


@dataclass(frozen=True)
class WrkResult:
    connections: int
    seconds: float
    requests: int
    throughput_rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    server_cpu_ms: float | None

    def summary(self) -> dict[str, Any]:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def available() -> bool:
    return shutil.which("wrk") is not None


def parse(output: str, connections: int, seconds: float, server_cpu_s: float | None) -> WrkResult:
    latencies = {int(p): float(v) * _UNITS_MS[unit] for p, v, unit in _LATENCY.findall(output)}
    requests = int(_TOTAL.search(output).group(1)) if _TOTAL.search(output) else 0  # type: ignore[union-attr]
    rate = _RATE.search(output)
    non_2xx = _NON_2XX.search(output)
    sockets = _SOCKET_ERRORS.search(output)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    return WrkResult(
        connections=connections,
        seconds=seconds,
        requests=requests,
        throughput_rps=float(rate.group(1)) if rate else 0.0,
        p50_ms=latencies.get(50, 0.0),
        p99_ms=latencies.get(99, 0.0),
        errors=errors,
        server_cpu_ms=None if server_cpu_s is None or not requests else server_cpu_s * 1000 / requests,
    )


async def run_wrk(
    url: str, headers: dict[str, str], meter: CpuMeter, *, connections: int = 16, seconds: float = 5.0
) -> WrkResult:
    # Browsers' Accept-Encoding, as the open-loop client sends: compression is part of the figure.
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--latency",
        "-H",
        "Accept-Encoding: gzip",
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    meter.start()
    process = await asyncio.create_subprocess_exec(
        *command, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await process.communicate()
    window = meter.window()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}): {output.decode(errors='replace')}")
    return parse(output.decode(), connections, seconds, window.server_cpu_s)
