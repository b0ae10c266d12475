"""Which database failures mean "the database is unavailable" (503) rather than a bug (500)."""

from __future__ import annotations

import asyncio

from sqlalchemy import exc as sa_exc


class DatabaseConnectTimeout(ConnectionError):
    """Opening a connection took longer than DB_CONNECT_TIMEOUT_SECONDS (server unreachable or hung).

    asyncpg reports this as a bare `TimeoutError`, indistinguishable from a slow statement; the engine
    raises this instead (see `engine.py`), so it is answered as an outage, not a request timeout.
    """


def is_database_unavailable(exc: BaseException) -> bool:
    """True for connection loss, refused or timed-out connections, pool exhaustion, server shutdown."""
    if isinstance(exc, (sa_exc.TimeoutError, DatabaseConnectTimeout)):  # pool checkout / connect timed out
        return True
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return True
        orig = exc.orig
        sqlstate = getattr(orig, "sqlstate", None) or getattr(
            getattr(orig, "__cause__", None), "sqlstate", None
        )
        # 08xxx connection exceptions, 57P01-57P03 admin shutdown / cannot connect now, 53300 too many conns
        if isinstance(sqlstate, str) and (
            sqlstate.startswith("08") or sqlstate in {"57P01", "57P02", "57P03", "53300"}
        ):
            return True
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return isinstance(cause, (OSError, ConnectionError, asyncio.TimeoutError))
    return isinstance(exc, (ConnectionRefusedError, ConnectionResetError)) or (
        isinstance(exc, OSError) and exc.errno in {111, 104, 113}
    )


def is_statement_timeout(exc: BaseException) -> bool:
    """PostgreSQL cancelled a statement (statement_timeout / lock_timeout)."""
    if isinstance(exc, sa_exc.DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None)
        return sqlstate in {"57014", "55P03"}
    return False


# A value PostgreSQL cannot take at all: a NUL character (22021, 22P05), a number outside the column's
# range (22003), or one the driver refuses to encode before sending it (22000, e.g. past int64).
_UNREPRESENTABLE_VALUE = frozenset({"22000", "22003", "22021", "22P05"})


def is_unrepresentable_value(exc: BaseException) -> bool:
    """True when a query failed because a request value cannot be stored or compared (client error)."""
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return sqlstate in _UNREPRESENTABLE_VALUE
