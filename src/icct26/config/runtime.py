"""The process: which environment it runs as, where it listens, where it keeps its files."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from icct26.config.group import Group, Positive


class RuntimeSettings(Group, frozen=True):
    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: Positive = 8000
    workers: Positive = 1
    data_dir: str = "./data"  # local documents, the embedded database, file-backend emails
    shutdown_grace_seconds: int = 30

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()
