"""Live schedule for spectators: one stream of match events per browser, resumable, bounded per client.

Events come from an `EventSource` port (`adapters/db/schedule_events.py`: a journal table written in
each change's transaction and announced with PostgreSQL NOTIFY, so every instance sees every change).
This module decides the policy around it: how many streams one client may hold, what a reconnecting
client receives (the events after its `Last-Event-ID`, from the journal), when a quiet stream sends a
heartbeat, and that every stream ends when the server stops.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from icct26.domain.errors import DomainError, ErrorCode

# Event kinds, which are also the SSE event names.
MATCH_CHANGED = "match"
MATCH_DELETED = "match_deleted"


@dataclass(frozen=True, slots=True)
class ScheduleEvent:
    """One journal entry: `id` is the same on every instance; `data` is the JSON text to send."""

    id: int
    kind: str
    data: str


@dataclass(frozen=True, slots=True)
class Replay:
    """The journal after a client's last event, read when it reconnects."""

    events: list[ScheduleEvent]
    head: int  # the newest event id in the journal at the time of reading (0 when empty)
    complete: bool  # False when events after the client's last one were already pruned


class Heartbeat:
    """Nothing happened for a while: the HTTP layer sends a comment so proxies keep the stream open."""


class Resync:
    """Events this client missed are no longer kept: it should reload the match list."""


HEARTBEAT = Heartbeat()
RESYNC = Resync()
StreamItem = ScheduleEvent | Heartbeat | Resync


class Subscription(Protocol):
    """This process's feed of new events for one stream, in journal order."""

    async def next(self) -> ScheduleEvent | None:
        """The next event; None when the stream must end (closed, or it fell too far behind)."""
        ...

    def close(self) -> None:
        """Stop receiving; a pending `next()` returns None. Safe to call twice."""
        ...


class EventSource(Protocol):
    """Where events come from (implemented by `adapters/db/schedule_events.py`)."""

    def subscribe(self) -> Subscription: ...

    async def replay(self, after_id: int, limit: int) -> Replay:
        """Events with an id above `after_id`, oldest first, at most `limit`."""
        ...


def parse_last_event_id(raw: str | None) -> int | None:
    """`Last-Event-ID` as sent back by EventSource; anything that is not one of our ids is ignored."""
    if raw is None or not raw.strip().isdigit():
        return None
    value = int(raw.strip())
    return value if value < 2**63 else None


class LiveSchedule:
    """Opens and tracks live streams; one per process (`Container.live_schedule`)."""

    def __init__(
        self,
        source: EventSource,
        *,
        max_per_client: int,
        heartbeat_seconds: float,
        replay_limit: int,
    ) -> None:
        self._source = source
        self.max_per_client = max_per_client
        self.heartbeat_seconds = heartbeat_seconds
        self.replay_limit = replay_limit
        self._per_client: Counter[str] = Counter()
        self._streams: weakref.WeakSet[LiveStream] = weakref.WeakSet()
        self._closing = False

    @property
    def open_streams(self) -> int:
        return sum(self._per_client.values())

    def open(self, client: str, last_event_id: str | None = None) -> LiveStream:
        """A stream for `client` (its IP), resuming after `last_event_id` when given.

        Raises RATE_LIMIT_EXCEEDED when the client already holds `max_per_client` streams, and
        SERVICE_UNAVAILABLE once the server is stopping (the browser reconnects elsewhere).
        """
        if self._closing:
            raise DomainError(
                ErrorCode.SERVICE_UNAVAILABLE, "The server is restarting; reconnect shortly", retry_after=1
            )
        if self._per_client[client] >= self.max_per_client:
            raise DomainError(
                ErrorCode.RATE_LIMIT_EXCEEDED,
                f"At most {self.max_per_client} live schedule streams per client; close one first",
                retry_after=max(1, round(self.heartbeat_seconds)),  # a hint: slots free on close
            )
        self._per_client[client] += 1
        stream = LiveStream(self, client, self._source.subscribe(), parse_last_event_id(last_event_id))
        self._streams.add(stream)
        return stream

    def accept(self) -> None:
        """Accept streams again (the app started, possibly again after `close_all`)."""
        self._closing = False

    def close_all(self) -> None:
        """The server is stopping: end every open stream now and refuse new ones. (An HTTP server
        waits for open responses before it shuts the app down, and a live stream never ends alone.)"""
        self._closing = True
        for stream in list(self._streams):
            stream.close()

    def _release(self, client: str) -> None:
        self._per_client[client] -= 1
        if self._per_client[client] <= 0:
            del self._per_client[client]

    async def _replay(self, after_id: int) -> Replay:
        return await self._source.replay(after_id, self.replay_limit)


class LiveStream:
    """One client's stream: the missed events first (when resuming), then new ones as they come,
    a `HEARTBEAT` after each quiet period. Iterate `events()` once; `close()` (or dropping the stream)
    frees the client's slot."""

    def __init__(
        self, owner: LiveSchedule, client: str, subscription: Subscription, last_event_id: int | None
    ) -> None:
        self._owner = owner
        self._subscription = subscription
        self._last_event_id = last_event_id
        # Frees the client's slot even if the HTTP layer never starts iterating (client gone at once).
        self._finalizer = weakref.finalize(self, _release, owner, client, subscription)

    def close(self) -> None:
        self._finalizer()  # runs once

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    async def events(self) -> AsyncIterator[StreamItem]:
        try:
            seen = 0
            if self._last_event_id is not None:
                # Subscribed first, replayed second: an event committed in between is in both, and
                # `seen` drops the copy.
                replay = await self._owner._replay(self._last_event_id)
                if not replay.complete:
                    yield RESYNC
                for missed in replay.events:
                    yield missed
                    seen = missed.id
                if not replay.events and self._last_event_id <= replay.head:
                    seen = self._last_event_id
            while not self.closed:
                try:
                    async with asyncio.timeout(self._owner.heartbeat_seconds):
                        event = await self._subscription.next()
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                if event is None:
                    return
                if event.id > seen:
                    seen = event.id
                    yield event
        finally:
            self.close()


def _release(owner: LiveSchedule, client: str, subscription: Subscription) -> None:
    subscription.close()
    owner._release(client)
