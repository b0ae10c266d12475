"""The email outbox: who runs its worker, how often, how much per round, and retries."""

from __future__ import annotations

from typing import Literal

from icct26.config.group import Group, Positive, PositiveFloat, prefixed


class OutboxSettings(Group, frozen=True, rename=prefixed("OUTBOX_")):
    worker: Literal["inprocess", "off"] = "inprocess"  # off: `icct26 worker` runs separately
    poll_seconds: PositiveFloat = 2.0
    max_attempts: Positive = 8
    batch_size: Positive = 10
    lease_seconds: PositiveFloat = 300.0  # must exceed what sending a batch can take (`Settings`)
    retry_base_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
