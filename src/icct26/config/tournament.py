"""The tournament itself: how it is named and announced, its time zone, when it ends."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from icct26.config.group import ConfigError, Group, prefixed


class TournamentSettings(Group, frozen=True, rename=prefixed("TOURNAMENT_")):
    name: str = "ICCT26 Church Cricket Tournament"
    dates: str = ""
    venue: str = ""
    contact: str = ""
    timezone_name: str = msgspec.field(default="Asia/Kolkata", name="TOURNAMENT_TIMEZONE")
    ends_at: datetime | None = None  # documents are purged a retention period after it

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone_name)

    def local(self, moment: datetime | None) -> datetime | None:
        """`moment` with the tournament's zone when it has no offset: a naive input time is the
        tournament's wall clock."""
        if moment is None or moment.utcoffset() is not None:
            return moment
        return moment.replace(tzinfo=self.timezone)

    def check(self) -> None:
        try:
            ZoneInfo(self.timezone_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"TOURNAMENT_TIMEZONE: unknown time zone {self.timezone_name!r}") from None
