"""`bench/registration_cpu.py` keeps working: the registration scenario alone, at a tiny scale.

Nothing is measured against a figure: a failure means the tool has rotted (a changed form or route)."""

from __future__ import annotations

import os

import pytest
from bench.registration_cpu import main, user_system_seconds

pytestmark = pytest.mark.slow


def test_the_cpu_of_a_process_tree_is_read_as_user_and_system_time() -> None:
    sum(i * i for i in range(300_000))  # some user time of our own
    user, system = user_system_seconds(os.getpid())
    assert user > 0 and system >= 0


def test_registrations_are_measured_at_tiny_scale(
    server_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("BENCH_DATABASE_URL", server_url)
    assert main(["--requests", "3", "--rounds", "1", "--warmup", "1"]) == 0
    out = capsys.readouterr().out
    assert "round 1: 3 registrations" in out, out
    assert "median server CPU per registration" in out
