"""Player documents at rest: the encryption keys, and how long documents are kept."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime, timedelta

import msgspec

from icct26.config.group import ConfigError, Group, NonNegative, prefixed
from icct26.config.tournament import TournamentSettings

DOCUMENT_KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


class DocumentSettings(Group, frozen=True, rename=prefixed("DOCUMENT_")):
    # `id:base64key` list (32-byte keys): the first encrypts new files, every one decrypts.
    encryption_keys: str = ""
    retention_after_days: NonNegative = 30  # after TOURNAMENT_ENDS_AT
    rejected_retention_days: int = msgspec.field(default=30, name="REJECTED_DOCUMENT_RETENTION_DAYS")
    orphan_grace_minutes: int = msgspec.field(default=60, name="ORPHAN_GRACE_MINUTES")

    @property
    def keys(self) -> list[tuple[str, bytes]]:
        """DOCUMENT_ENCRYPTION_KEYS as (id, 32-byte key) pairs, newest (the encrypting one) first."""
        return parse_document_keys(self.encryption_keys)

    def expire_at(self, tournament: TournamentSettings) -> datetime | None:
        """When every team's documents are due for purging (TOURNAMENT_ENDS_AT + retention), if set."""
        ends = tournament.local(tournament.ends_at)
        return None if ends is None else ends + timedelta(days=self.retention_after_days)

    def check(self) -> None:
        try:
            parse_document_keys(self.encryption_keys)
        except ValueError as exc:
            raise ConfigError(f"DOCUMENT_ENCRYPTION_KEYS: {exc}") from None

    def check_production(self) -> None:
        if not self.keys:
            raise ConfigError(
                "DOCUMENT_ENCRYPTION_KEYS: set at least one key in production (`icct26 documents "
                "generate-key` prints one; see docs/DEPLOYMENT.md)"
            )


def parse_document_keys(spec: str) -> list[tuple[str, bytes]]:
    """Parse `id:base64key,id:base64key`; raise ValueError saying what is wrong (never the key)."""
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate((e.strip() for e in spec.split(",") if e.strip()), start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ValueError(f"entry {number} is not `id:base64key` (id: 1-32 of A-Z a-z 0-9 _ -)")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not valid base64") from None
        if len(secret) != DOCUMENT_KEY_BYTES:
            raise ValueError(f"key {key_id!r} must be {DOCUMENT_KEY_BYTES} bytes, got {len(secret)}")
        if any(known == key_id for known, _ in keys):
            raise ValueError(f"key id {key_id!r} appears twice")
        keys.append((key_id, secret))
    return keys
