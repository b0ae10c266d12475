"""AuditLog: entries appended to the transaction's rows, kept only if it commits."""

from __future__ import annotations

from icct26.domain.audit import AuditEntry


class FakeAuditLog:
    def __init__(self, rows: list[AuditEntry]) -> None:
        self._rows = rows

    def record(self, entry: AuditEntry) -> None:
        self._rows.append(entry)
