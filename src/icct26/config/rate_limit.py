"""Rate limits: whether they apply, where the counters live, and the quota of each policy."""

from __future__ import annotations

from typing import Literal

import msgspec

from icct26.config.group import ConfigError, Group, prefixed


class RateLimitSettings(Group, frozen=True, rename=prefixed("RATE_LIMIT_")):
    enabled: bool = True
    store: Literal["memory", "redis"] = "memory"
    redis_url: str | None = msgspec.field(default=None, name="REDIS_URL")
    default_per_minute: int = 100
    registration_per_minute: int = 10
    login_per_minute: int = 5
    admin_per_minute: int = 600

    def check(self) -> None:
        if self.store == "redis" and not self.redis_url:
            raise ConfigError("REDIS_URL: required when RATE_LIMIT_STORE=redis")
