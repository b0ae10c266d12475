"""Stream policy of the live schedule: slots per client, resume without gaps or repeats, heartbeats,
resync when the journal no longer has what a client missed, and streams ending on shutdown."""

from __future__ import annotations

import asyncio
import gc

import pytest

from icct26.domain.errors import DomainError, ErrorCode
from icct26.services.live_schedule import (
    HEARTBEAT,
    RESYNC,
    LiveSchedule,
    Replay,
    ScheduleEvent,
    StreamItem,
    parse_last_event_id,
)

pytestmark = pytest.mark.asyncio


class FakeSubscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[ScheduleEvent | None] = asyncio.Queue()
        self.closed = False

    async def next(self) -> ScheduleEvent | None:
        return None if self.closed else await self.queue.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)


class FakeSource:
    """The journal as a list; `replay` can deliver events to subscribers while it "reads"."""

    def __init__(self, journal: list[ScheduleEvent], oldest: int | None = None) -> None:
        self.journal = journal
        self.oldest = oldest
        self.subscriptions: list[FakeSubscription] = []
        self.during_replay: list[ScheduleEvent] = []

    def subscribe(self) -> FakeSubscription:
        self.subscriptions.append(FakeSubscription())
        return self.subscriptions[-1]

    def publish(self, event: ScheduleEvent) -> None:
        self.journal.append(event)
        for subscription in self.subscriptions:
            if not subscription.closed:
                subscription.queue.put_nowait(event)

    async def replay(self, after_id: int, limit: int) -> Replay:
        for event in self.during_replay:  # committed while the replay query runs: in both
            self.publish(event)
        events = [e for e in self.journal if e.id > after_id][:limit]
        oldest = self.oldest if self.oldest is not None else (self.journal[0].id if self.journal else None)
        head = self.journal[-1].id if self.journal else 0
        return Replay(events, head, oldest is None or after_id >= oldest - 1)


def ev(event_id: int) -> ScheduleEvent:
    return ScheduleEvent(event_id, "match", f'{{"id": {event_id}}}')


def live(source: FakeSource, *, per_client: int = 2, heartbeat: float = 5.0) -> LiveSchedule:
    return LiveSchedule(source, max_per_client=per_client, heartbeat_seconds=heartbeat, replay_limit=100)


async def take(items: object, count: int) -> list[StreamItem]:
    out: list[StreamItem] = []
    async with asyncio.timeout(2):
        async for item in items:  # type: ignore[attr-defined]
            out.append(item)
            if len(out) == count:
                break
    return out


async def test_a_client_gets_at_most_its_quota_of_streams_and_closing_one_frees_a_slot() -> None:
    feed = live(FakeSource([]), per_client=2)
    held = [feed.open("10.0.0.1"), feed.open("10.0.0.1")]  # streams are held by their responses
    with pytest.raises(DomainError) as refused:
        feed.open("10.0.0.1")
    assert refused.value.code is ErrorCode.RATE_LIMIT_EXCEEDED
    assert refused.value.retry_after is not None
    held.append(feed.open("10.0.0.2"))  # another client has its own quota
    held[0].close()
    held[0].close()  # twice is harmless and frees one slot only
    held.append(feed.open("10.0.0.1"))
    assert feed.open_streams == 3
    with pytest.raises(DomainError):
        feed.open("10.0.0.1")


async def test_a_stream_that_is_never_iterated_frees_its_slot_when_dropped() -> None:
    source = FakeSource([])
    feed = live(source, per_client=1)
    feed.open("10.0.0.1")  # the response never started: nobody holds the stream
    gc.collect()
    kept = feed.open("10.0.0.1")
    assert source.subscriptions[0].closed and not kept.closed


async def test_resume_sends_the_missed_events_then_live_ones_without_repeats() -> None:
    source = FakeSource([ev(1), ev(2), ev(3)])
    source.during_replay = [ev(4)]  # arrives by NOTIFY and is in the replay read as well
    stream = live(source).open("10.0.0.1", last_event_id="1")
    items = stream.events()
    got = await take(items, 3)
    source.publish(ev(5))
    got += await take(items, 1)
    assert got == [ev(2), ev(3), ev(4), ev(5)]


async def test_a_client_that_is_up_to_date_gets_only_new_events() -> None:
    source = FakeSource([ev(1), ev(2)])
    stream = live(source).open("10.0.0.1", last_event_id="2")
    items = stream.events()
    source.publish(ev(3))
    assert await take(items, 1) == [ev(3)]


async def test_an_unknown_last_event_id_does_not_hide_new_events() -> None:
    source = FakeSource([ev(1)])
    items = live(source).open("10.0.0.1", last_event_id="999").events()
    source.publish(ev(2))
    assert await take(items, 1) == [ev(2)]


async def test_a_client_whose_missed_events_were_pruned_is_told_to_resync() -> None:
    source = FakeSource([ev(50), ev(51)], oldest=50)
    items = live(source).open("10.0.0.1", last_event_id="10").events()
    assert await take(items, 3) == [RESYNC, ev(50), ev(51)]


async def test_a_quiet_stream_sends_heartbeats() -> None:
    items = live(FakeSource([]), heartbeat=0.05).open("10.0.0.1").events()
    assert await take(items, 2) == [HEARTBEAT, HEARTBEAT]


async def test_close_all_ends_open_streams_and_refuses_new_ones() -> None:
    source = FakeSource([])
    feed = live(source, heartbeat=30)
    stream = feed.open("10.0.0.1")

    async def drain() -> list[StreamItem]:
        return [item async for item in stream.events()]

    reading = asyncio.create_task(drain())
    await asyncio.sleep(0.01)
    feed.close_all()
    assert await asyncio.wait_for(reading, 1) == []
    assert feed.open_streams == 0
    with pytest.raises(DomainError) as refused:
        feed.open("10.0.0.1")
    assert refused.value.code is ErrorCode.SERVICE_UNAVAILABLE
    feed.accept()  # the app started again
    assert not feed.open("10.0.0.1").closed


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), ("", None), ("42", 42), (" 7 ", 7), ("-1", None), ("abc", None), ("9" * 30, None)],
)
async def test_last_event_id_parsing(raw: str | None, expected: int | None) -> None:
    assert parse_last_event_id(raw) == expected
