"""Live schedule events through PostgreSQL: a journal table, NOTIFY, and one LISTEN connection per process.

Writing (`SqlMatchEventJournal`, inside the schedule unit of work): each match change appends a row to
`schedule_events` with the match's public JSON and sends `pg_notify` with the row's id. PostgreSQL
delivers a notification only when its transaction commits, so a change that rolls back announces
nothing. Appends take a transaction-level advisory lock, so ids are handed out in commit order: a
listener that has seen id N has seen every committed id below N, and "everything after N" is a
correct resume point on every instance. The journal is pruned to the last `keep` rows.

Reading (`PgScheduleEventHub`, one per process): a dedicated asyncpg connection (outside the pool,
which recycles connections) LISTENs on the channel; a notification wakes it to read the rows after the
last one it delivered and hand them to this process's subscribers. If the connection drops, it
reconnects with backoff and catches up from the journal, so nothing committed meanwhile is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import msgspec
from loguru import logger
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.engine import Database
from icct26.adapters.db.models import ScheduleEventRecord
from icct26.domain.schedule.ports import StoredMatch
from icct26.services.live_schedule import MATCH_CHANGED, MATCH_DELETED, Replay, ScheduleEvent

CHANNEL = "icct26_schedule_events"
# pg_advisory_xact_lock key of journal appends ("ICCT26SE" as a 64-bit number).
JOURNAL_LOCK = int.from_bytes(b"ICCT26SE", "big") - 2**63
LISTENER_APPLICATION_NAME = "icct26-listener"

_Events = ScheduleEventRecord.__table__


@dataclass(frozen=True, slots=True)
class JournalSettings:
    """How events are written: `render` gives the public JSON of a match, `keep` rows are retained."""

    render: Callable[[StoredMatch], str]
    keep: int


class SqlMatchEventJournal:
    """`MatchEventJournal` on the unit of work's session (the change's own transaction)."""

    def __init__(self, session: AsyncSession, settings: JournalSettings) -> None:
        self._session = session
        self._settings = settings

    async def match_changed(self, stored: StoredMatch) -> None:
        await self._append(MATCH_CHANGED, stored.id, self._settings.render(stored))

    async def match_deleted(self, match_id: int) -> None:
        await self._append(MATCH_DELETED, match_id, msgspec.json.encode({"id": match_id}).decode())

    async def _append(self, kind: str, match_id: int, payload: str) -> None:
        session = self._session
        # Held until commit: the next append waits, so ids become visible in id order.
        await session.execute(select(func.pg_advisory_xact_lock(JOURNAL_LOCK)))
        event_id = await session.scalar(
            insert(ScheduleEventRecord)
            .values(kind=kind, match_id=match_id, payload=payload)
            .returning(ScheduleEventRecord.id)
        )
        assert event_id is not None
        await session.execute(
            delete(ScheduleEventRecord).where(_Events.c.id <= event_id - self._settings.keep)
        )
        await session.execute(select(func.pg_notify(CHANNEL, str(event_id))))


class _Subscription:
    """One stream's queue in this process. Ends (returns None) when closed or when it falls more than
    `capacity` events behind; the client then resumes from the journal with `Last-Event-ID`."""

    def __init__(self, hub: PgScheduleEventHub, capacity: int) -> None:
        self._hub = hub
        self._capacity = capacity
        self._queue: asyncio.Queue[ScheduleEvent | None] = asyncio.Queue()
        self._closed = False

    def push(self, event: ScheduleEvent) -> None:
        if self._closed:
            return
        if self._queue.qsize() >= self._capacity:
            self.close()
            return
        self._queue.put_nowait(event)

    async def next(self) -> ScheduleEvent | None:
        if self._closed:
            return None
        return await self._queue.get()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._hub._subscribers.discard(self)
        self._queue.put_nowait(None)


class PgScheduleEventHub:
    """This process's view of the journal: LISTEN, read what is new, fan it out to subscribers.

    `EventSource` of `services/live_schedule.py`. `start()` at app startup, `stop()` at shutdown.
    """

    def __init__(
        self,
        database: Database,
        *,
        connect_timeout: float = 5.0,
        ping_seconds: float = 15.0,
        query_timeout: float = 5.0,
        backoff: tuple[float, float] = (0.2, 5.0),
        subscriber_capacity: int = 500,
    ) -> None:
        self._database = database
        self._connect_timeout = connect_timeout
        self._ping_seconds = ping_seconds
        self._query_timeout = query_timeout
        self._backoff = backoff
        self._capacity = subscriber_capacity
        self._subscribers: set[_Subscription] = set()
        self._last_id: int | None = None  # the newest event delivered (None until first connected)
        self._wake = asyncio.Event()
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # Called after new events were delivered (e.g. to drop cached copies of the match list).
        self.on_delivered: list[Callable[[], None]] = []

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    async def start(self, wait_seconds: float = 5.0) -> None:
        """Start listening; wait (bounded) for the first LISTEN so streams opened right after startup
        miss nothing. An unreachable database does not block startup: the hub keeps retrying."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="schedule-event-listener")
        try:
            async with asyncio.timeout(wait_seconds):
                await self._listening.wait()
        except TimeoutError:
            logger.warning(
                "schedule event listener not connected after {}s; retrying in the background", wait_seconds
            )

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for subscription in list(self._subscribers):
            subscription.close()

    def subscribe(self) -> _Subscription:
        subscription = _Subscription(self, self._capacity)
        self._subscribers.add(subscription)
        return subscription

    async def replay(self, after_id: int, limit: int) -> Replay:
        """Read through the pool (the LISTEN connection is busy listening)."""
        async with self._database.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(_Events.c.id, _Events.c.kind, _Events.c.payload)
                    .where(_Events.c.id > after_id)
                    .order_by(_Events.c.id)
                    .limit(limit)
                )
            ).all()
            oldest, newest = (
                await conn.execute(select(func.min(_Events.c.id), func.max(_Events.c.id)))
            ).one()
        events = [ScheduleEvent(row.id, row.kind, row.payload) for row in rows]
        complete = oldest is None or after_id >= oldest - 1
        return Replay(events=events, head=newest or 0, complete=complete)

    # --- the listener ------------------------------------------------------------------------------

    async def _run(self) -> None:
        delay = self._backoff[0]
        while True:
            conn: asyncpg.Connection | None = None
            try:
                conn = await self._connect()
                await conn.add_listener(CHANNEL, self._on_notify)
                conn.add_termination_listener(self._on_terminated)
                await self._catch_up(conn)
                self._listening.set()
                delay = self._backoff[0]
                await self._listen(conn)
                logger.warning("schedule event listener lost its database connection; reconnecting")
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                logger.warning("schedule event listener: {}: {}; reconnecting", type(exc).__name__, exc)
            except Exception:  # a bug must not silence live updates for the life of the process
                logger.exception("schedule event listener failed; restarting it")
            finally:
                self._listening.clear()
                if conn is not None:
                    await self._close(conn)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._backoff[1])

    async def _connect(self) -> asyncpg.Connection:
        engine = self._database.engine
        _, params = engine.dialect.create_connect_args(engine.url)
        connection: asyncpg.Connection = await asyncpg.connect(
            **params,
            timeout=self._connect_timeout,
            server_settings={"application_name": LISTENER_APPLICATION_NAME},
        )
        return connection

    async def _listen(self, conn: asyncpg.Connection) -> None:
        """Deliver on every wake-up; ping when quiet (a silently dead connection fails the ping)."""
        while not conn.is_closed():
            try:
                async with asyncio.timeout(self._ping_seconds):
                    await self._wake.wait()
            except TimeoutError:
                await conn.execute("SELECT 1", timeout=self._query_timeout)
                continue
            self._wake.clear()  # before reading: a notification during the read wakes us again
            if not conn.is_closed():
                await self._catch_up(conn)

    async def _catch_up(self, conn: asyncpg.Connection) -> None:
        if self._last_id is None:  # first connection: only what happens from now on
            self._last_id = int(
                await conn.fetchval(
                    "SELECT coalesce(max(id), 0) FROM schedule_events", timeout=self._query_timeout
                )
            )
            return
        rows = await conn.fetch(
            "SELECT id, kind, payload FROM schedule_events WHERE id > $1 ORDER BY id",
            self._last_id,
            timeout=self._query_timeout,
        )
        if not rows:
            await self._check_for_restart(conn)
            return
        if rows[0]["id"] > self._last_id + 1 and not self._listening.is_set():
            # Reconnected after a gap: events we never read may have been pruned meanwhile (or an id
            # was rolled back). Streams end and resume from the journal, which tells them to reload
            # if something is really gone, rather than silently skip it.
            for subscription in list(self._subscribers):
                subscription.close()
        for row in rows:
            event = ScheduleEvent(row["id"], row["kind"], row["payload"])
            for subscription in list(self._subscribers):
                subscription.push(event)
        self._last_id = rows[-1]["id"]
        for callback in self.on_delivered:
            callback()

    async def _check_for_restart(self, conn: asyncpg.Connection) -> None:
        """Woken with nothing new: an old notification, or a journal that starts below our position
        (a restored backup). Then every stream ends; browsers reconnect and get the new events."""
        head = int(
            await conn.fetchval(
                "SELECT coalesce(max(id), 0) FROM schedule_events", timeout=self._query_timeout
            )
        )
        assert self._last_id is not None
        if head < self._last_id:
            logger.warning(
                "schedule event journal restarted at {} (was {}); ending live streams", head, self._last_id
            )
            self._last_id = head
            for subscription in list(self._subscribers):
                subscription.close()

    def _on_notify(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        self._wake.set()

    def _on_terminated(self, conn: Any) -> None:
        self._wake.set()

    async def _close(self, conn: asyncpg.Connection) -> None:
        try:
            await conn.close(timeout=self._query_timeout)
        except Exception:  # closing a dead connection may fail in many ways; it is gone either way
            conn.terminate()
