"""The sealed-file format: round trips in any piece sizes, and every kind of damage is caught."""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from icct26.adapters.storage.encryption import (
    DEVELOPMENT_KEY_FILE,
    MAGIC,
    IntegrityError,
    Keyring,
    Opener,
    Sealer,
    development_key,
    open_bytes,
    seal_bytes,
    seal_stream,
    sealed_key_id,
)

KEY_A = ("a", b"\x01" * 32)
KEY_B = ("b", b"\x02" * 32)
RING = Keyring([KEY_A])
SMALL_RECORD = 64


def seal_small(data: bytes, ring: Keyring = RING) -> bytes:
    """Sealed with tiny records, so short inputs still span many of them."""
    sealer = Sealer(ring, record_size=SMALL_RECORD)
    return b"".join([*sealer.feed(data), *sealer.finish()])


def open_in_pieces(sealed: bytes, piece: int, ring: Keyring = RING) -> bytes:
    opener = Opener(ring)
    out = [
        plain
        for start in range(0, len(sealed), piece)
        for plain in opener.feed(sealed[start : start + piece])
    ]
    return b"".join([*out, *opener.finish()])


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=700), piece=st.integers(1, 300))
def test_round_trip_in_any_piece_size(data: bytes, piece: int) -> None:
    sealed = seal_small(data)
    assert sealed.startswith(MAGIC) and sealed_key_id(sealed) == "a"
    assert open_in_pieces(sealed, piece) == data


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=1, max_size=400), position=st.integers(0, 10_000), bit=st.integers(0, 7))
def test_any_flipped_bit_is_caught(data: bytes, position: int, bit: int) -> None:
    sealed = bytearray(seal_small(data))
    sealed[position % len(sealed)] ^= 1 << bit
    with pytest.raises(IntegrityError):
        open_in_pieces(bytes(sealed), 50)


def test_truncation_at_a_record_boundary_and_extension_are_caught() -> None:
    data = os.urandom(SMALL_RECORD * 4)
    sealed = seal_small(data)
    header_length = len(sealed) - 4 * (SMALL_RECORD + 16)
    for records in range(4):
        with pytest.raises(IntegrityError):
            open_in_pieces(sealed[: header_length + records * (SMALL_RECORD + 16)], 1000)
    with pytest.raises(IntegrityError):
        open_in_pieces(sealed + sealed[-(SMALL_RECORD + 16) :], 1000)


def test_records_cannot_move_between_files() -> None:
    first, second = seal_small(b"x" * 200), seal_small(b"y" * 200)
    header_length = len(first) - (4 * 16 + 200)
    spliced = first[:header_length] + second[header_length:]
    with pytest.raises(IntegrityError):
        open_in_pieces(spliced, 1000)


def test_rotation_opens_old_files_and_seals_with_the_first_key() -> None:
    old = seal_bytes(Keyring([KEY_A]), b"sealed under a")
    rotated = Keyring([KEY_B, KEY_A])
    assert open_bytes(rotated, [old]) == b"sealed under a"
    assert sealed_key_id(seal_bytes(rotated, b"new")) == "b"
    with pytest.raises(IntegrityError, match="not configured"):
        open_bytes(Keyring([KEY_B]), [old])


def test_the_same_content_never_seals_the_same_way() -> None:
    assert seal_bytes(RING, b"same") != seal_bytes(RING, b"same")


def test_a_stream_seals_record_by_record() -> None:
    data = os.urandom(600_000)
    out = io.BytesIO()
    seal_stream(RING, io.BytesIO(data), out, piece=10_000)
    sealed = out.getvalue()
    assert open_in_pieces(sealed, 256 * 1024 + 16) == data
    assert all(data[i : i + 16] not in sealed for i in range(0, len(data) - 16, 4099))


def test_the_development_key_is_made_once_and_shared(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: development_key(tmp_path / "data"), range(16)))
    assert len(keys) == 1
    [(key_id, secret)] = keys
    assert key_id.startswith("dev-") and len(secret) == 32
    key_file = tmp_path / "data" / DEVELOPMENT_KEY_FILE
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "data").iterdir()] == [DEVELOPMENT_KEY_FILE]
