"""Captain links: bound to team and version, signed, expiring; anything else reads as None."""

from __future__ import annotations

import time

import pytest
from itsdangerous.timed import TimestampSigner

from icct26.adapters.security.captain_links import SignedCaptainLinks

DAY = 24 * 3600


def links(secret: str = "s" * 40, days: int = 90) -> SignedCaptainLinks:
    return SignedCaptainLinks(secret, lifetime_days=days, base_url="https://icct26.example/")


def test_a_link_carries_team_and_version() -> None:
    url = links().url("ICCT-004", 3)
    assert url.startswith("https://icct26.example/portal/")
    assert links().read(url.rsplit("/", 1)[1]) == ("ICCT-004", 3)


@pytest.mark.parametrize(
    "token",
    ["", "x" * 600, "not.a.token", "WyJJQ0NULTAwNCIsM10.invalid.signature"],
)
def test_garbage_is_none(token: str) -> None:
    assert links().read(token) is None


def test_another_secret_or_a_tampered_token_is_none() -> None:
    token = links().token("ICCT-004", 1)
    assert links(secret="t" * 40).read(token) is None
    assert links().read(token[:-1] + ("A" if token[-1] != "A" else "B")) is None


def test_links_expire_after_captain_link_days(monkeypatch: pytest.MonkeyPatch) -> None:
    minted_at = int(time.time()) - 91 * DAY
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: minted_at)
    old = links().token("ICCT-004", 1)
    monkeypatch.undo()
    assert links(days=90).read(old) is None
    assert links(days=120).read(old) == ("ICCT-004", 1)
