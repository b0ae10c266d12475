"""Document links: the lifetime travels inside the signature and cannot be stretched."""

from __future__ import annotations

import base64

import pytest
from itsdangerous.timed import TimestampSigner

from icct26.adapters.storage.signing import PUBLIC_LINK_TTL_SECONDS, LinkSigner, SignedLink
from icct26.domain.audit import Actor
from icct26.domain.errors import NotFound


def _at(monkeypatch: pytest.MonkeyPatch, when: int) -> None:
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: when)


def test_private_link_uses_default_lifetime(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = LinkSigner("k" * 40)
    _at(monkeypatch, 1_000_000)
    token = signer.sign("teams/a/receipt.pdf")
    _at(monkeypatch, 1_000_000 + 299)
    assert signer.verify(token, 300) == "teams/a/receipt.pdf"
    _at(monkeypatch, 1_000_000 + 301)
    with pytest.raises(NotFound, match="expired"):
        signer.verify(token, 300)


def test_public_link_lives_long_but_not_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = LinkSigner("k" * 40)
    _at(monkeypatch, 1_000_000)
    token = signer.sign("gallery/x.jpg", PUBLIC_LINK_TTL_SECONDS)
    _at(monkeypatch, 1_000_000 + 3 * 24 * 3600)
    assert signer.verify(token, 300) == "gallery/x.jpg"
    _at(monkeypatch, 1_000_000 + PUBLIC_LINK_TTL_SECONDS + 1)
    with pytest.raises(NotFound):
        signer.verify(token, 300)


def test_tampered_or_foreign_tokens_fail() -> None:
    signer = LinkSigner("k" * 40)
    token = signer.sign("teams/a/receipt.pdf", 60)
    with pytest.raises(NotFound, match="not valid"):
        signer.verify(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), 300)
    with pytest.raises(NotFound, match="not valid"):
        LinkSigner("other" * 10).verify(token, 300)


def test_links_keep_the_itsdangerous_format_both_ways() -> None:
    """Links minted before the cheaper signer (zlib-compressed payloads) still open, and new links
    are ordinary itsdangerous tokens."""
    from itsdangerous import URLSafeTimedSerializer

    stock = URLSafeTimedSerializer("k" * 40, salt="icct26.document-link")
    long_key = "teams/" + "a" * 64 + "/receipt.pdf"  # repetitive: the stock serializer compresses it
    old_token = stock.dumps([long_key, 300])
    assert old_token.startswith(".")  # a compressed payload
    signer = LinkSigner("k" * 40)
    assert signer.verify(old_token, 300) == long_key
    new_token = signer.sign(long_key, 300)
    assert not new_token.startswith(".")
    assert stock.loads(new_token, max_age=300) == [long_key, 300]


def test_a_link_names_the_staff_account_it_was_minted_for_and_nothing_more() -> None:
    signer = LinkSigner("k" * 40)
    admin = Actor(user_id=7, email="organiser@example.org", ip="10.0.0.1", request_id="r1")
    token = signer.sign("teams/a/aadhar.jpg", 60, admin)
    assert signer.verify_link(token, 300) == SignedLink("teams/a/aadhar.jpg", 7)
    assert signer.verify(token, 300) == "teams/a/aadhar.jpg"
    payload = base64.urlsafe_b64decode(token.split(".")[0] + "==")
    assert b"organiser" not in payload and b"10.0.0.1" not in payload  # the link shows no person
    # Links minted before they named a viewer still open, without one.
    assert signer.verify_link(signer.sign("teams/a/aadhar.jpg", 60), 300) == SignedLink("teams/a/aadhar.jpg")


def test_a_link_is_reused_within_its_bucket_then_minted_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dashboard's ~900 links per page are signed once per bucket (a tenth of the lifetime, at most
    5 minutes); the same URL lets a browser reuse what it cached, and a reused link still expires."""
    signer, admin, viewer = LinkSigner("k" * 40), Actor(1, "a@example.org"), Actor(2, "v@example.org")
    bucket = LinkSigner.REUSE_SECONDS
    start = 1_000_200  # a bucket starts here (a multiple of 300)
    _at(monkeypatch, start + 10)
    first = signer.sign("teams/a/receipt.pdf", 8 * 3600, admin)
    assert signer.sign("teams/a/receipt.pdf", 8 * 3600, viewer) != first  # each link names its viewer
    assert signer.sign("teams/a/letter.pdf", 8 * 3600, admin) != first
    _at(monkeypatch, start + bucket - 1)
    assert signer.sign("teams/a/receipt.pdf", 8 * 3600, admin) == first
    _at(monkeypatch, start + bucket)
    fresh = signer.sign("teams/a/receipt.pdf", 8 * 3600, admin)
    assert fresh != first
    assert signer.verify_link(fresh, 300) == SignedLink("teams/a/receipt.pdf", 1)
    _at(monkeypatch, start + 8 * 3600 - 1)
    assert signer.verify(first, 300) == "teams/a/receipt.pdf"
    _at(monkeypatch, start + 8 * 3600 + 1)  # dated its bucket's start: handed out 10 s later, it
    with pytest.raises(NotFound, match="expired"):  # still lives at least `ttl - bucket`
        signer.verify(first, 300)


def test_every_process_mints_the_same_link_within_a_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers (or instances) with the same secret hand a reloading browser the same URLs."""
    worker_1, worker_2, admin = LinkSigner("k" * 40), LinkSigner("k" * 40), Actor(1, "a@example.org")
    _at(monkeypatch, 1_000_200 + 17)
    minted_first = worker_1.sign("teams/a/receipt.pdf", 8 * 3600, admin)
    _at(monkeypatch, 1_000_200 + 251)
    assert worker_2.sign("teams/a/receipt.pdf", 8 * 3600, admin) == minted_first
    _at(monkeypatch, 1_000_200 + 300)
    assert worker_2.sign("teams/a/receipt.pdf", 8 * 3600, admin) != minted_first


def test_short_lived_links_are_minted_every_time(monkeypatch: pytest.MonkeyPatch) -> None:
    signer = LinkSigner("k" * 40)
    _at(monkeypatch, 1_000_000)
    first = signer.sign("teams/a/receipt.pdf", 9)
    _at(monkeypatch, 1_000_001)
    assert signer.sign("teams/a/receipt.pdf", 9) != first
