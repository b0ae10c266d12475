"""PasswordHasher: readable "hashes" and a log of which check ran (real verify or the dummy one)."""

from __future__ import annotations


class FakePasswordHasher:
    def __init__(self) -> None:
        self.calls: list[str] = []  # "verify" / "dummy", in order

    def hash(self, password: str) -> str:
        return f"hash:{password}"

    def verify(self, password_hash: str, password: str) -> bool:
        self.calls.append("verify")
        return password_hash == self.hash(password)

    def verify_dummy(self, password: str) -> None:
        self.calls.append("dummy")

    def needs_rehash(self, password_hash: str) -> bool:
        return False
