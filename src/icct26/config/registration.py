"""Registration rules: team IDs, roster size, church and tournament limits, deadlines, the window."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from icct26.config.group import ConfigError, Group, Positive, PositiveFloat


class RegistrationSettings(Group, frozen=True):
    team_id_prefix: str = "ICCT"
    min_players: Positive = 11
    max_players: int = 15
    max_teams_per_church: Positive = 2
    max_teams_total: Positive | None = None  # None: no total limit
    waitlist_enabled: bool = True
    changes_deadline_days: Positive = 5
    captain_link_days: Positive = 90
    deadline_sweep_seconds: PositiveFloat = 10.0
    church_registry: Literal["open", "closed"] = "open"
    require_player_documents: bool = True
    open: bool = msgspec.field(default=True, name="REGISTRATION_OPEN")
    opens_at: datetime | None = msgspec.field(default=None, name="REGISTRATION_OPENS_AT")
    closes_at: datetime | None = msgspec.field(default=None, name="REGISTRATION_CLOSES_AT")

    def check(self) -> None:
        if self.max_players < self.min_players:
            raise ConfigError(f"MAX_PLAYERS: must be at least MIN_PLAYERS ({self.min_players})")
