"""Count the SQL statements an app sends, for N+1 and query-budget assertions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from icct26.bootstrap import Container


@contextmanager
def counted_statements(container: Container) -> Iterator[list[str]]:
    """Collect every statement the container's engine executes inside the block."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = container.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
