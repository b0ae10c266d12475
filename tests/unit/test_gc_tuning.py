"""Startup objects are frozen out of the garbage collector once per process (short full GC passes)."""

from __future__ import annotations

import gc

import pytest

from icct26.adapters.observability import gc_tuning


def test_freeze_startup_objects_freezes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gc_tuning, "_frozen", False)
    gc_tuning.freeze_startup_objects()
    frozen = gc.get_freeze_count()
    assert frozen > 0

    later = [{"made": i} for i in range(1000)]  # objects of a request, after startup
    gc_tuning.freeze_startup_objects()
    assert gc.get_freeze_count() == frozen
    assert later
