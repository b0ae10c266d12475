"""The answer cache: entries expire, a moved generation drops them, the entry count is bounded, and
the conditional answer (200, gzip, 304) is built from an entry."""

from __future__ import annotations

import asyncio
import gzip

import pytest

from icct26.adapters.http.conditional import (
    AnswerCache,
    CachedAnswer,
    conditional_answer,
    strong_etag,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Generation:
    def __init__(self) -> None:
        self.value = 0

    def __call__(self) -> int:
        return self.value


def test_hit_until_expiry() -> None:
    clock = FakeClock()
    cache = AnswerCache(2.0, clock=clock)
    entry = cache.put("k", b"[1]", cache.generation())
    assert entry.etag == strong_etag(b"[1]")
    assert cache.get("k") == entry
    clock.now += 1.9
    assert cache.get("k") is not None
    clock.now += 0.2
    assert cache.get("k") is None


def test_a_new_generation_misses() -> None:
    generation = Generation()
    cache = AnswerCache(60.0, generation, clock=FakeClock())
    cache.put("k", b"old", cache.generation())
    generation.value += 1
    assert cache.get("k") is None
    assert cache.get("other") is None


def test_a_change_committed_while_loading_is_not_masked() -> None:
    generation = Generation()
    cache = AnswerCache(60.0, generation, clock=FakeClock())
    seen = cache.generation()  # the handler reads it before its query
    generation.value += 1  # an organiser's change commits meanwhile
    cache.put("k", b"loaded before the change", seen)
    assert cache.get("k") is None


def test_zero_ttl_disables_it() -> None:
    cache = AnswerCache(0.0, clock=FakeClock())
    cache.put("k", b"x", 0)
    assert cache.get("k") is None


def test_it_never_holds_more_than_its_entries() -> None:
    cache = AnswerCache(60.0, max_entries=3, clock=FakeClock())
    for n in range(10):
        cache.put(n, b"x", 0)
        assert sum(cache.get(k) is not None for k in range(10)) <= 3
    assert cache.get(9) is not None  # the newest is always kept


def test_large_bodies_are_compressed_once_small_ones_never() -> None:
    large = CachedAnswer.of(b"[" + b"1," * 1000 + b"1]", gzip_min_bytes=1024)
    assert large.gzipped is not None and gzip.decompress(large.gzipped) == large.body
    assert CachedAnswer.of(b"[]", gzip_min_bytes=1024).gzipped is None


@pytest.mark.parametrize(
    ("if_none_match", "accept_encoding", "status", "encoding"),
    [
        (None, None, 200, None),
        (None, "br, gzip;q=0.8", 200, "gzip"),
        ('"stale"', "gzip", 200, "gzip"),
        ("*", None, 304, None),
    ],
)
def test_conditional_answer(
    if_none_match: str | None, accept_encoding: str | None, status: int, encoding: str | None
) -> None:
    entry = CachedAnswer.of(b'{"data":"' + b"x" * 2000 + b'"}', gzip_min_bytes=1024)
    got_status, headers, body = conditional_answer(entry, if_none_match, accept_encoding)
    named = dict(headers)
    assert got_status == status
    assert named[b"etag"] == entry.etag.encode()
    assert named[b"vary"] == b"Accept-Encoding"
    assert named.get(b"content-encoding") == (encoding.encode() if encoding else None)
    expected = b"" if status == 304 else entry.gzipped if encoding else entry.body
    assert body == expected


@pytest.mark.asyncio
async def test_polls_that_miss_together_load_once() -> None:
    cache = AnswerCache(60.0)
    loads = 0
    release = asyncio.Event()

    async def load() -> bytes:
        nonlocal loads
        loads += 1
        await release.wait()
        return b"[1]"

    polls = [asyncio.create_task(cache.get_or_load("k", load)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    entries = await asyncio.gather(*polls)
    assert loads == 1
    assert {entry.body for entry in entries} == {b"[1]"}


@pytest.mark.asyncio
async def test_a_failed_load_leaves_the_next_poll_to_load() -> None:
    cache = AnswerCache(60.0)
    attempts: list[str] = []
    release = asyncio.Event()

    async def failing() -> bytes:
        attempts.append("failing")
        await release.wait()
        raise ConnectionError("database down")

    async def working() -> bytes:
        attempts.append("working")
        return b"[2]"

    first = asyncio.create_task(cache.get_or_load("k", failing))
    await asyncio.sleep(0)
    waiter = asyncio.create_task(cache.get_or_load("k", working))
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(ConnectionError):
        await first
    assert (await waiter).body == b"[2]"
    assert attempts == ["failing", "working"]


@pytest.mark.asyncio
async def test_without_a_ttl_every_poll_loads() -> None:
    cache = AnswerCache(0.0)
    loads = 0

    async def load() -> bytes:
        nonlocal loads
        loads += 1
        await asyncio.sleep(0)
        return b"[3]"

    await asyncio.gather(*(cache.get_or_load("k", load) for _ in range(3)))
    assert loads == 3
