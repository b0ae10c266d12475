"""Small admin building blocks: rate windows, password hashing and rules, sniffing, CSV safety."""

from __future__ import annotations

from typing import Any

import pytest
from argon2 import PasswordHasher as Argon2

from icct26.adapters.http.documents import content_type_of
from icct26.adapters.ratelimit.memory import MemoryRateLimiter
from icct26.adapters.security.passwords import Argon2Passwords
from icct26.domain.admin.users import AdminUser, StaffRole, check_password_policy, parse_role
from icct26.domain.admin.views import DocumentRef
from icct26.domain.errors import ValidationFailed
from icct26.services.document_links import player_document_filename, team_document_filename
from icct26.services.exports import _csv_safe

pytestmark = pytest.mark.asyncio


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_fixed_window_allows_the_limit_then_refuses_until_reset() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    decisions = [await limiter.hit("k", 5, 60) for _ in range(6)]
    assert [d.allowed for d in decisions] == [True] * 5 + [False]
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0, 0]
    assert decisions[-1].reset_after == 60
    clock.now += 45
    refused = await limiter.hit("k", 5, 60)
    assert not refused.allowed and refused.reset_after == 15
    assert (await limiter.hit("other", 5, 60)).allowed  # keys are independent
    clock.now += 15
    assert (await limiter.hit("k", 5, 60)).allowed  # a new window


async def test_expired_windows_are_swept() -> None:
    clock = Clock()
    limiter = MemoryRateLimiter(clock)
    for i in range(2000):
        await limiter.hit(f"key-{i}", 5, 1)
        clock.now += 0.01
    clock.now += 5
    for _ in range(1100):
        await limiter.hit("hot", 10_000, 60)
    assert set(limiter._windows) == {"hot"}


def test_argon2_hashes_verify_and_resist_garbage() -> None:
    passwords = Argon2Passwords(Argon2(time_cost=1, memory_cost=8, parallelism=1))
    hashed = passwords.hash("correct horse battery")
    assert hashed.startswith("$argon2id$") and "correct" not in hashed
    assert passwords.verify(hashed, "correct horse battery")
    assert not passwords.verify(hashed, "correct horse batterY")
    assert not passwords.verify("not-a-hash", "correct horse battery")
    passwords.verify_dummy("anything")  # costs a verification, never raises
    assert not passwords.needs_rehash(hashed)
    assert Argon2Passwords().needs_rehash(hashed)  # weaker parameters than the defaults


def test_password_policy_and_roles() -> None:
    assert check_password_policy("ten chars!") == "ten chars!"
    for bad in ("short", "x" * 257):
        with pytest.raises(ValidationFailed) as info:
            check_password_policy(bad)
        assert info.value.errors[0].field == "password"
    assert parse_role(" Viewer ") == StaffRole.VIEWER
    with pytest.raises(ValidationFailed):
        parse_role("owner")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7 ...", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<html><script>", "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_served_content_type_comes_from_the_bytes(head: bytes, expected: str) -> None:
    assert content_type_of(head) == expected


def test_document_filenames_end_in_the_real_extension() -> None:
    assert team_document_filename(DocumentRef("payment_receipt", "k", "pdf")) == "payment_receipt.pdf"
    assert (
        player_document_filename("ICCT-001-P01", DocumentRef("aadhar", "k", "jpg"))
        == "ICCT-001-P01-aadhar.jpg"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+91", "'+91"),
        ("-x", "'-x"),
        ("@cmd", "'@cmd"),
        ("Lions", "Lions"),
        (12, 12),
    ],
)
def test_csv_cells_never_start_a_formula(value: object, expected: object) -> None:
    assert _csv_safe(value) == expected


@pytest.mark.parametrize(
    ("change", "revokes"),
    [
        ({"role": None, "is_active": None, "password_changed": True}, True),
        ({"role": StaffRole.ADMIN, "is_active": None, "password_changed": False}, True),
        ({"role": None, "is_active": False, "password_changed": False}, True),
        ({"role": StaffRole.VIEWER, "is_active": True, "password_changed": False}, False),  # no change
        ({"role": None, "is_active": None, "password_changed": False}, False),
    ],
)
def test_access_changes_revoke_sessions(change: dict[str, Any], revokes: bool) -> None:
    viewer = AdminUser(id=1, email="v@example.org", role=StaffRole.VIEWER, is_active=True, password_hash="h")
    assert viewer.revoked_by(**change) is revokes
