"""Logging: how much, in which shape, and where besides standard output."""

from __future__ import annotations

from typing import Literal

from icct26.config.group import Group, prefixed


class LoggingSettings(Group, frozen=True, rename=prefixed("LOG_")):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    json: bool = True
    file: str | None = None
