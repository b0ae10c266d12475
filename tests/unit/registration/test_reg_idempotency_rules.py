"""Idempotency-Key validation and request fingerprints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import body_fingerprint, check_idempotency_key, request_fingerprint


@pytest.mark.parametrize("key", ["a", "6f1c3c2e-8d0a-4c55-9a43-0d1f7b1c2a11", "x" * 255, "with space ~!"])
def test_printable_ascii_keys_up_to_255_are_accepted(key: str) -> None:
    assert check_idempotency_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "caf\u00e9", "new\nline", "\x7f"])
def test_other_keys_are_invalid(key: str) -> None:
    with pytest.raises(DomainError) as invalid:
        check_idempotency_key(key)
    assert invalid.value.code is ErrorCode.IDEMPOTENCY_KEY_INVALID


fields = st.dictionaries(st.text(max_size=20), st.text(max_size=40), max_size=8)
hashes = st.dictionaries(
    st.text(max_size=20), st.text("0123456789abcdef", min_size=64, max_size=64), max_size=5
)


@given(fields, hashes)
def test_fingerprint_ignores_part_order(text: dict[str, str], files: dict[str, str]) -> None:
    reordered = dict(reversed(list(text.items())))
    assert request_fingerprint(text, files) == request_fingerprint(
        reordered, dict(reversed(list(files.items())))
    )


def test_fingerprint_changes_with_any_field_or_file() -> None:
    base = request_fingerprint({"team_name": "Zion", "church_name": "CSI"}, {"pastor_letter": "a" * 64})
    assert base != request_fingerprint(
        {"team_name": "Zion ", "church_name": "CSI"}, {"pastor_letter": "a" * 64}
    )
    assert base != request_fingerprint(
        {"team_name": "Zion", "church_name": "CSI"}, {"pastor_letter": "b" * 64}
    )
    assert base != request_fingerprint({"team_name": "Zion", "church_name": "CSI"}, {"group_photo": "a" * 64})
    # Field/file boundaries cannot be shifted to forge the same fingerprint.
    assert request_fingerprint({"ab": "c"}) != request_fingerprint({"a": "bc"})
    assert request_fingerprint({"x": "1"}, {}) != request_fingerprint({}, {"x": "1"})
    assert len(base) == 64 and body_fingerprint(b"{}") != body_fingerprint(b"{ }")
