"""The transaction every fake unit of work shares: a private copy of the tables, published by `commit`.

Like `adapters/db/uow.py::SqlUnitOfWork`, a feature subclasses `FakeUnitOfWork` and builds its
repositories on the transaction's tables in `_bind`. Leaving the block without `commit()` drops
every change made inside it (team rows, audit entries and owed emails alike), so a test that
inspects `database.committed` sees exactly what PostgreSQL would have kept.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Generic, Self, TypeVar

from icct26.domain.audit import AuditEntry
from tests.fakes.audit import FakeAuditLog
from tests.fakes.outbox import FakeOutbox, QueuedEmail


@dataclass
class Tables:
    """Rows every feature may write beside its own."""

    audit: list[AuditEntry] = field(default_factory=list)
    emails: list[QueuedEmail] = field(default_factory=list)


TablesT = TypeVar("TablesT", bound=Tables)

BIGINT_MAX = 2**63 - 1


def check_bigint(value: int) -> int:
    """A row id as the driver sends it: one outside PostgreSQL's bigint fails (asyncpg raises too)."""
    if not -BIGINT_MAX - 1 <= value <= BIGINT_MAX:
        raise OverflowError(f"{value} does not fit in a bigint")
    return value


class FakeDatabase(Generic[TablesT]):
    """The committed state of one feature's tables, and what happened to it."""

    def __init__(self, tables: TablesT) -> None:
        self.committed = tables
        self.commits = 0
        # Raised by the next commit instead of committing (a connection lost at COMMIT).
        self.commit_error: BaseException | None = None


class FakeUnitOfWork(Generic[TablesT]):
    audit: FakeAuditLog
    outbox: FakeOutbox

    def __init__(self, database: FakeDatabase[TablesT], *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._tables: TablesT | None = None

    @property
    def tables(self) -> TablesT:
        if self._tables is None:
            raise RuntimeError("unit of work used outside `async with`")
        return self._tables

    def _bind(self, tables: TablesT) -> None:
        """Build the repositories on `tables` (extend in feature units of work)."""
        self.audit = FakeAuditLog(tables.audit)
        self.outbox = FakeOutbox(tables.emails)

    def _begin(self) -> None:
        self._tables = copy.deepcopy(self._database.committed)
        self._bind(self._tables)

    async def __aenter__(self) -> Self:
        self._begin()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._tables = None  # whatever was not committed is gone

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work has nothing to commit")
        tables = self.tables
        error, self._database.commit_error = self._database.commit_error, None
        if error is not None:
            raise error
        self._database.committed = tables
        self._database.commits += 1
        self._begin()  # later writes in the same block start a new transaction (SQLAlchemy's autobegin)

    async def rollback(self) -> None:
        self._begin()
