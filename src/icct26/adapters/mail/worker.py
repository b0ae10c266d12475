"""The outbox worker: a loop that delivers due emails every OUTBOX_POLL_SECONDS.

Runs inside the app (OUTBOX_WORKER=inprocess) or alone (`icct26 worker`); several may run at once.
Between rounds it runs its periodic jobs when they are due (the review deadline job), each of which
must be safe with several workers. Stopping (`request_stop()` or task cancellation) lets the current
send finish and hands the rest of the claimed emails straight back to the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from loguru import logger

from icct26.services.outbox import DeliveryReport, OutboxDelivery


@dataclass
class PeriodicJob:
    """A job the worker runs every `every_seconds` (its failures are logged, never fatal)."""

    name: str
    every_seconds: float
    run: Callable[[], Awaitable[object]]
    next_at: float = field(default=0.0)
    failing: bool = False

    async def run_if_due(self, now: float) -> None:
        if now < self.next_at:
            return
        self.next_at = now + self.every_seconds
        try:
            await self.run()
        except Exception as exc:
            if not self.failing:
                logger.opt(exception=exc).warning("periodic job failed; will keep trying", job=self.name)
            self.failing = True
        else:
            self.failing = False


class OutboxWorker:
    def __init__(
        self,
        delivery: OutboxDelivery,
        *,
        poll_seconds: float,
        batch_size: int,
        jobs: Sequence[PeriodicJob] = (),
    ) -> None:
        self.delivery = delivery
        self.jobs = list(jobs)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self._stop = asyncio.Event()
        self._wake = asyncio.Event()
        self._failing = False

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Finish the current send, hand back the rest, and leave `run()`."""
        self._stop.set()
        self._wake.set()

    def wake(self) -> None:
        """Look for due emails now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        logger.info(
            "outbox worker started",
            sender=self.delivery.sender.name,
            poll_seconds=self.poll_seconds,
            batch_size=self.batch_size,
        )
        try:
            while not self._stop.is_set():
                await self.run_jobs()
                report = await self.run_once()
                # A full batch means more may be due: go again without sleeping.
                if report is None or report.claimed < self.batch_size:
                    await self._sleep()
        finally:
            logger.info("outbox worker stopped")

    async def run_once(self) -> DeliveryReport | None:
        """One delivery round; None when it could not run (e.g. the database is down)."""
        task = asyncio.ensure_future(self.delivery.deliver_due(self.batch_size, self._stop.is_set))
        try:
            report = await asyncio.shield(task)
        except asyncio.CancelledError:
            # Shut down politely: the shielded round sees the stop flag after its current send.
            self._stop.set()
            with contextlib.suppress(Exception):
                await task
            raise
        except Exception as exc:
            if not self._failing:
                logger.opt(exception=exc).warning("outbox round failed; will keep trying")
            self._failing = True
            return None
        if self._failing:
            logger.info("outbox rounds work again")
            self._failing = False
        return report

    async def run_jobs(self) -> None:
        """Run the periodic jobs that are due (their emails go out in the round that follows)."""
        for job in self.jobs:
            if self._stop.is_set():
                return
            await job.run_if_due(time.monotonic())

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        self._wake.clear()
