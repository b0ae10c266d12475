"""A server worker imports at start only what an idle server uses; the rest on first use.

The app is built and started in a fresh interpreter, as `icct26 serve` builds it in a worker (settings
from the environment, local storage, mail to files, the memory rate limiter); the test process itself
has every package loaded. Module presence is asserted, never memory figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.server import ServerProcess
from tests.support.worker_modules import EAGER, LAZY


def worker_modules(database_url: str, data_dir: Path) -> dict[str, Any]:
    # The environment of a test server: only the given settings, the repository on PYTHONPATH.
    env = ServerProcess(database_url, data_dir, STORAGE_BACKEND="local", RATE_LIMIT_STORE="memory").env
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.worker_modules"],
        cwd=data_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_heavy_packages_load_on_first_use_only(database_url: str, tmp_path: Path) -> None:
    found = worker_modules(database_url, tmp_path)
    assert set(EAGER) <= set(found["idle"]), found
    assert not set(LAZY) & set(found["idle"]), found
    # Each feature still works on first use, and loads what it needs then.
    assert found["statuses"] == {"calendar": 200, "portal": 404, "admin": 401}, found
    assert {"icalendar", "jinja2", "jwt", "cryptography", "aiobreaker"} <= set(found["used"]), found
    assert "pydantic" not in found["used"]
