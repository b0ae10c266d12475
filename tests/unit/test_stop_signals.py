"""Stop signals reach the app first and the server's own handler still runs after it."""

from __future__ import annotations

import asyncio
import signal
from types import FrameType

import pytest

from icct26.adapters.stop_signals import on_stop_signal

pytestmark = pytest.mark.asyncio


async def test_the_callback_runs_in_the_loop_then_the_previous_handler_and_restore_puts_it_back() -> None:
    calls: list[str] = []

    def server_handler(signum: int, frame: FrameType | None) -> None:  # e.g. uvicorn's handle_exit
        calls.append(f"server {signum}")

    original = signal.signal(signal.SIGTERM, server_handler)
    try:
        restore = on_stop_signal(lambda: calls.append("app"))
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(0.01)  # the callback is scheduled on the loop, not run inside the handler
        assert calls == [f"server {signal.SIGTERM}", "app"]
        restore()
        assert signal.getsignal(signal.SIGTERM) is server_handler
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(0.01)
        assert calls[-1] == f"server {signal.SIGTERM}" and calls.count("app") == 1
    finally:
        signal.signal(signal.SIGTERM, original)


async def test_outside_the_main_thread_nothing_is_installed() -> None:
    before = signal.getsignal(signal.SIGTERM)

    async def in_thread_loop() -> None:
        on_stop_signal(lambda: None)()

    await asyncio.to_thread(asyncio.run, in_thread_loop())
    assert signal.getsignal(signal.SIGTERM) is before
