"""`bench/encryption.py` keeps working (tiny sizes; nothing here judges a figure)."""

from __future__ import annotations

import pytest
from bench.encryption import measure

pytestmark = pytest.mark.asyncio


async def test_the_encryption_bench_runs_end_to_end() -> None:
    figures = await measure(file_bytes=300 * 1024, repeat=1, largest=False)
    assert figures.seal_mib_s > 0 and figures.open_mib_s > 0
    assert all(ms > 0 for ms in figures.bench_registration_ms)
