"""Workers forked by `icct26 serve` (icct26.serving)."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import pytest

from icct26.serving import _ForkContext


@pytest.fixture
def supervisor_signal_handlers() -> Iterator[None]:
    """What uvicorn's supervisor installs before it starts workers: handlers that only queue."""
    queued: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in previous:
        signal.signal(sig, lambda sig, frame: queued.append(sig))
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def stop_self_then_sleep(**kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)  # reached only if SIGTERM was queued instead of stopping the worker


@pytest.mark.usefixtures("supervisor_signal_handlers")
def test_a_worker_still_starting_stops_on_sigterm() -> None:
    worker = _ForkContext().Process(target=stop_self_then_sleep, kwargs={"config": None})
    worker.start()
    worker.join(timeout=10)
    if worker.exitcode is None:
        worker.kill()
        worker.join()
    assert worker.exitcode == -signal.SIGTERM


@pytest.mark.usefixtures("supervisor_signal_handlers")
def test_a_worker_gets_uvicorns_arguments() -> None:
    read, write = os.pipe()

    def report(**kwargs: object) -> None:
        os.write(write, ",".join(sorted(kwargs)).encode())

    worker = _ForkContext().Process(target=report, kwargs={"config": 1, "target": 2, "sockets": []})
    worker.start()
    worker.join(timeout=10)
    os.close(write)
    assert os.read(read, 100) == b"config,sockets,target"
    os.close(read)
    assert worker.exitcode == 0
