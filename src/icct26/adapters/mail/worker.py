"""The outbox worker: a loop that delivers due emails every OUTBOX_POLL_SECONDS.

Runs inside the app (OUTBOX_WORKER=inprocess) or alone (`icct26 worker`); several may run at once.
Stopping (`request_stop()` or task cancellation) lets the current send finish and hands the rest of
the claimed emails straight back to the outbox.
"""

from __future__ import annotations

import asyncio
import contextlib

from loguru import logger

from icct26.services.outbox import DeliveryReport, OutboxDelivery


class OutboxWorker:
    def __init__(self, delivery: OutboxDelivery, *, poll_seconds: float, batch_size: int) -> None:
        self.delivery = delivery
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

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
        self._wake.clear()
