"""The PostgreSQL database: where it is, the pool, and how long anything may wait on it."""

from __future__ import annotations

import msgspec

from icct26.config.group import ConfigError, Group, Positive, prefixed


class DatabaseSettings(Group, frozen=True, rename=prefixed("DB_")):
    url: str | None = msgspec.field(default=None, name="DATABASE_URL")  # None: embedded PostgreSQL
    pool_size: Positive = 10
    max_overflow: int = 10
    pool_timeout_seconds: float = 10.0
    statement_timeout_ms: int = 30_000
    connect_timeout_seconds: float = 5.0

    def check(self) -> None:
        if self.url and not self.url.startswith(("postgresql", "postgres")):
            raise ConfigError("DATABASE_URL: must be a PostgreSQL URL (postgresql+asyncpg://...)")

    def check_production(self) -> None:
        if not self.url:
            raise ConfigError("DATABASE_URL: the embedded database is not allowed in production")
