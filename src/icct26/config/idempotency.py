"""Idempotent writes: how long answers are kept, how long a duplicate waits for the first request."""

from __future__ import annotations

from icct26.config.group import Group, prefixed


class IdempotencySettings(Group, frozen=True, rename=prefixed("IDEMPOTENCY_")):
    ttl_hours: int = 24
    wait_seconds: float = 10.0
