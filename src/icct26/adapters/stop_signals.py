"""Hear SIGTERM/SIGINT without taking them from the server that owns them.

uvicorn handles the stop signals itself: it stops accepting, then waits for every open response
before it lets the app shut down. A live event stream never ends on its own, so the app must learn
of the signal at the moment the server does, not at lifespan shutdown. `on_stop_signal` chains a
callback in front of the handlers already installed (uvicorn's), which still run as before.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def on_stop_signal(callback: Callable[[], None]) -> Callable[[], None]:
    """Run `callback` in the running event loop when a stop signal arrives, then the previous handler.

    Returns a function that puts the previous handlers back. Signal handlers belong to the main
    thread; elsewhere (an app run in a worker thread by a test) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(callback)  # the loop runs it: nothing async inside a signal handler
        before = previous.get(signum)
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL:
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)

    for sig in STOP_SIGNALS:
        previous[sig] = signal.signal(sig, handler)

    def restore() -> None:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, before if before is not None else signal.SIG_DFL)

    return restore
