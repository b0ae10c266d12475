"""The public read cache: entries expire, and any committed change in this process drops them."""

from __future__ import annotations

from icct26.adapters.http.conditional import PublicReadCache, strong_etag


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_hit_until_expiry() -> None:
    clock = FakeClock()
    cache = PublicReadCache(2.0, clock)
    etag = cache.put("k", 0, b"[1]")
    assert etag == strong_etag(b"[1]")
    assert cache.get("k", 0) == (b"[1]", etag)
    clock.now += 1.9
    assert cache.get("k", 0) is not None
    clock.now += 0.2
    assert cache.get("k", 0) is None


def test_a_new_generation_misses() -> None:
    cache = PublicReadCache(60.0, FakeClock())
    cache.put("k", 3, b"old")
    assert cache.get("k", 4) is None
    assert cache.get("other", 3) is None


def test_zero_ttl_disables_it() -> None:
    cache = PublicReadCache(0.0, FakeClock())
    cache.put("k", 0, b"x")
    assert cache.get("k", 0) is None
