"""Process figures read from /proc (Linux): resident memory and CPU time of a process tree, machine load.

No psutil: the bench only needs a few numbers, and /proc has them.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024
PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class ProcStat:
    pid: int
    ppid: int
    name: str
    cpu_seconds: float  # user + system


def read_stat(pid: int) -> ProcStat | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The name sits in parentheses and may itself contain spaces or parentheses.
    name = raw[raw.index("(") + 1 : raw.rindex(")")]
    rest = raw[raw.rindex(")") + 2 :].split()
    return ProcStat(pid, int(rest[1]), name, (int(rest[11]) + int(rest[12])) / CLOCK_TICKS)


def all_stats() -> list[ProcStat]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := read_stat(int(entry.name))) is not None:
            found.append(stat)
    return found


def tree(root: int, exclude_names: frozenset[str] = frozenset({"postgres"})) -> list[ProcStat]:
    """`root` and its descendants (processes named in `exclude_names` and their subtrees left out)."""
    stats = all_stats()
    children: dict[int, list[ProcStat]] = {}
    for stat in stats:
        children.setdefault(stat.ppid, []).append(stat)
    found = [s for s in stats if s.pid == root]
    queue = list(found)
    while queue:
        for child in children.get(queue.pop().pid, []):
            if child.name not in exclude_names:
                found.append(child)
                queue.append(child)
    return found


def rss_bytes(pids: list[int]) -> int:
    """Sum of resident set sizes (shared pages are counted in every process that maps them)."""
    total = 0
    for pid in pids:
        try:
            resident = int((PROC / str(pid) / "statm").read_text().split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        total += resident * PAGE_BYTES
    return total


def tree_rss(root: int) -> int:
    return rss_bytes([s.pid for s in tree(root)])


def process_rss(root: int) -> dict[int, int]:
    """Resident bytes of `root` and of each of its descendants, by pid (the database left out)."""
    return {pid: rss_bytes([pid]) for pid in (s.pid for s in tree(root))}


def command_line(pid: int) -> str:
    """The process's arguments joined by spaces ("" once it has exited)."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except (FileNotFoundError, ProcessLookupError):
        return ""
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def process_role(pid: int, root: int) -> str:
    """What a process of the server's tree is: the supervisor (`root`), one of the workers, or a
    helper that multiprocessing starts beside them (its resource tracker; the fork server)."""
    if pid == root:
        return "supervisor"
    command = command_line(pid)
    if "multiprocessing.resource_tracker" in command:
        return "resource tracker"
    if "multiprocessing.forkserver" in command:
        return "fork server"
    return "worker"


def process_peak_rss(pids: list[int]) -> dict[int, int]:
    """Each process's RSS high-water mark (VmHWM) by pid, since its start or its last reset."""
    return {pid: peak_rss_bytes([pid]) for pid in pids}


def reset_peak_rss(pids: list[int]) -> bool:
    """Reset the kernel's per-process RSS high-water mark (VmHWM); False where not permitted."""
    done = True
    for pid in pids:
        try:
            (PROC / str(pid) / "clear_refs").write_text("5")
        except OSError:
            done = False
    return done


def peak_rss_bytes(pids: list[int]) -> int:
    """Sum of the processes' RSS high-water marks (VmHWM): an upper bound of the tree's peak."""
    total = 0
    for pid in pids:
        try:
            status = (PROC / str(pid) / "status").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
    return total


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    fields = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def busy_cores(seconds: float = 3.0) -> float:
    """CPU cores the whole machine keeps busy over `seconds` (run while the bench itself is idle)."""
    busy0, total0 = machine_ticks()
    time.sleep(seconds)
    busy1, total1 = machine_ticks()
    return (busy1 - busy0) / max(total1 - total0, 1) * (os.cpu_count() or 1)


def load_average() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen


@dataclass
class CpuWindow:
    """CPU cores used over a window by: the server tree, the PostgreSQL tree, this process, all."""

    server_cores: float
    postgres_cores: float | None
    bench_cores: float
    machine_cores: float
    other_cores: float  # the rest: other users of the machine (e.g. other test suites)
    server_cpu_s: float  # CPU seconds of the server tree over the window (cores x wall time)
    postgres_cpu_s: float | None

    def summary(self) -> dict[str, float | None]:
        def r(v: float | None, digits: int = 2) -> float | None:
            return None if v is None else round(v, digits)

        return {
            "server_cores": r(self.server_cores),
            "postgres_cores": r(self.postgres_cores),
            "bench_cores": r(self.bench_cores),
            "machine_cores": r(self.machine_cores),
            "other_cores": r(self.other_cores),
            "server_cpu_s": r(self.server_cpu_s, 4),
            "postgres_cpu_s": r(self.postgres_cpu_s, 4),
        }


class CpuMeter:
    """Measures CPU use between `start()` and `stop()` for the server and its database."""

    def __init__(self, server_pid: int, postgres_pid: int | None) -> None:
        self.server_pid = server_pid
        self.postgres_pid = postgres_pid
        self._begin: tuple[float, float, float, tuple[int, int], float] | None = None

    def _snapshot(self) -> tuple[float, float, float, tuple[int, int], float]:
        server = sum(s.cpu_seconds for s in tree(self.server_pid))
        postgres = (
            sum(s.cpu_seconds for s in tree(self.postgres_pid, frozenset())) if self.postgres_pid else 0.0
        )
        return server, postgres, time.process_time(), machine_ticks(), time.perf_counter()

    def start(self) -> None:
        self._begin = self._snapshot()

    def stop(self) -> dict[str, float | None]:
        return self.window().summary()

    def window(self) -> CpuWindow:
        assert self._begin is not None
        server0, pg0, own0, (busy0, total0), t0 = self._begin
        server1, pg1, own1, (busy1, total1), t1 = self._snapshot()
        wall = max(t1 - t0, 1e-9)
        cores = os.cpu_count() or 1
        machine = (busy1 - busy0) / max(total1 - total0, 1) * cores
        server, own = (server1 - server0) / wall, (own1 - own0) / wall
        postgres = (pg1 - pg0) / wall if self.postgres_pid else None
        other = max(0.0, machine - server - own - (postgres or 0.0))
        return CpuWindow(
            server, postgres, own, machine, other, server1 - server0, pg1 - pg0 if self.postgres_pid else None
        )


class PeakRss:
    """Samples the resident memory of a process tree in the background; keeps the peak.

    Also resets the kernel's high-water marks on entry, so `kernel_peak` (the sum of the processes'
    VmHWM on exit) catches spikes shorter than the sampling interval.
    """

    def __init__(self, root: int, interval: float = 0.02) -> None:
        self.root = root
        self.interval = interval
        self.peak = 0
        self.kernel_peak: int | None = None
        self.samples = 0
        self._pids: list[int] = []
        self._hwm_reset = False
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            self.peak = max(self.peak, await asyncio.to_thread(tree_rss, self.root))
            self.samples += 1
            await asyncio.sleep(self.interval)

    async def __aenter__(self) -> PeakRss:
        self._pids = [s.pid for s in tree(self.root)]
        self._hwm_reset = reset_peak_rss(self._pids)
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self.peak = max(self.peak, tree_rss(self.root))
        if self._hwm_reset:
            self.kernel_peak = peak_rss_bytes(self._pids)
