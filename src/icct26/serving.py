"""How `icct26 serve` runs its workers: forked from a supervisor that never imports the app, without
the packages the app does not use.

uvicorn starts workers with multiprocessing's `spawn`: each is a fresh interpreter that imports the
supervisor's `__main__` again, and `spawn` also starts multiprocessing's resource tracker, a fourth
Python process (~12 MiB) that tracks semaphores nobody here creates. Forking instead shares the
supervisor's few modules (click, uvicorn, the settings) and starts no helper; the supervisor is
single-threaded, has no database connection and has not imported the app when it forks, so a worker
starts from a clean state and imports the app itself.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from collections.abc import Callable
from typing import Any

# Installed for development tools only (the production image does not have it), yet Litestar and
# advanced-alchemy import it whenever it is importable, for plugins this app never uses (its wire types
# are msgspec structs): ~8 MiB per worker.
UNUSED_PACKAGES = ("pydantic",)


def hide_unused_packages() -> None:
    """Make the packages of UNUSED_PACKAGES unimportable in this process and the workers it forks, so
    a development server loads what a production one does. A package already imported is left alone."""
    for name in UNUSED_PACKAGES:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]  # `import` then raises ImportError


class _ForkContext:
    """Stands in for the `spawn` context uvicorn starts its workers with."""

    def __init__(self) -> None:
        self._fork = multiprocessing.get_context("fork")

    def Process(self, target: Callable[..., None], kwargs: dict[str, Any]) -> Any:
        return self._fork.Process(target=_run_worker, args=(target,), kwargs=kwargs)


def _run_worker(started: Callable[..., None], /, **kwargs: Any) -> None:
    # The supervisor's handlers only queue a signal for its own loop; a worker that is still importing
    # the app must stop on SIGTERM or SIGINT as a spawned one does, until uvicorn installs its own.
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    started(**kwargs)


def fork_workers() -> None:
    """Make uvicorn fork its workers (see the module's docstring)."""
    import uvicorn._subprocess

    uvicorn._subprocess.spawn = _ForkContext()  # type: ignore[assignment]
