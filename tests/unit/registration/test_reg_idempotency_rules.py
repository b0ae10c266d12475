"""Idempotency-Key validation and request fingerprints."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from icct26.adapters.http.middleware.idempotency import BodyFingerprint
from icct26.domain.errors import DomainError, ErrorCode
from icct26.domain.idempotency import check_idempotency_key


@pytest.mark.parametrize("key", ["a", "6f1c3c2e-8d0a-4c55-9a43-0d1f7b1c2a11", "x" * 255, "with space ~!"])
def test_printable_ascii_keys_up_to_255_are_accepted(key: str) -> None:
    assert check_idempotency_key(key) == key


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "caf\u00e9", "new\nline", "\x7f"])
def test_other_keys_are_invalid(key: str) -> None:
    with pytest.raises(DomainError) as invalid:
        check_idempotency_key(key)
    assert invalid.value.code is ErrorCode.IDEMPOTENCY_KEY_INVALID


def fingerprint(body: list[bytes], *, path: str = "/api/register/team", content_type: str = "") -> str:
    scope: Any = {
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [(b"content-type", content_type.encode())] if content_type else [],
    }
    prints = BodyFingerprint(scope)
    for chunk in body:
        prints.feed(chunk)
    return prints.hexdigest()


def multipart(boundary: str, fields: dict[str, str]) -> bytes:
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


FORM = {"team_name": "Zion", "church_name": "CSI St. Peter's Church", "captain_name": "John"}


@given(st.integers(min_value=1, max_value=400), st.text("abcdefghij0123456789", min_size=8, max_size=40))
def test_a_retried_form_with_a_new_boundary_has_the_same_fingerprint(chunk: int, boundary: str) -> None:
    first = multipart("----formdata-a1b2c3d4e5", FORM)
    again = multipart(boundary, FORM)
    chunks = [again[i : i + chunk] for i in range(0, len(again), chunk)]
    assert fingerprint(chunks, content_type=f"multipart/form-data; boundary={boundary}") == fingerprint(
        [first], content_type="multipart/form-data; boundary=----formdata-a1b2c3d4e5"
    )


def test_fingerprint_changes_with_the_body_the_path_or_a_field() -> None:
    json = "application/json"
    base = fingerprint([b'{"name":"Zion"}'], content_type=json)
    assert base == fingerprint([b'{"name":', b'"Zion"}'], content_type=json)
    assert base != fingerprint([b'{"name":"Zion "}'], content_type=json)
    assert base != fingerprint([b'{"name":"Zion"}'], content_type=json, path="/api/register/other")
    form = "multipart/form-data; boundary=xyz123"
    assert fingerprint([multipart("xyz123", FORM)], content_type=form) != fingerprint(
        [multipart("xyz123", {**FORM, "team_name": "Zion 2"})], content_type=form
    )


@given(
    st.lists(st.sampled_from([b"--bnd", b"-", b"--", b"b", b"nd", b"x" * 7, b"\x00"]), max_size=40),
    st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=20),
)
def test_a_multipart_fingerprint_is_the_body_with_its_boundaries_blanked_however_it_is_split(
    pieces: list[bytes], cuts: list[int]
) -> None:
    body = b"".join(pieces)
    chunks, at = [], 0
    for size in cuts * (len(body) // sum(cuts) + 1):
        if at >= len(body):
            break
        chunks.append(body[at : at + size])
        at += size
    expected = hashlib.sha256(
        b"POST /api/register/team?\nmultipart/form-data\n" + body.replace(b"--bnd", b"\x00")
    ).hexdigest()
    assert fingerprint(chunks, content_type="multipart/form-data; boundary=bnd") == expected
