"""Small helpers for the raw ASGI layers: header access and problem+json answers sent before routing."""

from __future__ import annotations

from collections.abc import Iterable

from litestar.types import HTTPResponseStartEvent, Scope, Send

from icct26.adapters.http.problems import PROBLEM_MEDIA_TYPE, build_problem
from icct26.domain.errors import ErrorCode

RawHeaders = list[tuple[bytes, bytes]]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header `name` (lower-case bytes), decoded as latin-1."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


def header_values(scope: Scope, name: bytes) -> list[str]:
    return [value.decode("latin-1") for key, value in scope.get("headers", []) if key == name]


def set_headers(
    message: HTTPResponseStartEvent, headers: Iterable[tuple[bytes, bytes]], *, replace: bool = True
) -> None:
    """Add headers to an `http.response.start` message; `replace` drops existing ones of the same name."""
    new = list(headers)
    names = {name.lower() for name, _ in new}
    existing: RawHeaders = list(message.get("headers", []))
    if replace:
        existing = [(k, v) for k, v in existing if k.lower() not in names]
    else:
        present = {k.lower() for k, _ in existing}
        new = [(k, v) for k, v in new if k.lower() not in present]
    message["headers"] = existing + new


def add_vary(message: HTTPResponseStartEvent, name: bytes) -> None:
    """Add `name` to the response's `Vary` header, keeping what inner layers put there (gzip)."""
    existing: RawHeaders = list(message.get("headers", []))
    values = [v.strip() for k, v in existing if k.lower() == b"vary" for v in v.split(b",") if v.strip()]
    if name.lower() not in {v.lower() for v in values}:
        values.append(name)
    message["headers"] = [(k, v) for k, v in existing if k.lower() != b"vary"] + [
        (b"vary", b", ".join(values))
    ]


def request_id_of(scope: Scope) -> str | None:
    rid = (scope.get("state") or {}).get("request_id")
    return rid if isinstance(rid, str) else None


async def send_problem(
    scope: Scope,
    send: Send,
    code: ErrorCode,
    detail: str | None = None,
    *,
    headers: Iterable[tuple[bytes, bytes]] = (),
    close: bool = False,
) -> None:
    """Answer with the standard problem+json body from a layer that runs before Litestar routes.

    `close` adds `Connection: close`, so the server drops the connection instead of reading a body the
    client is still sending.
    """
    status, body = build_problem(
        code, detail, instance=scope.get("path", ""), request_id=request_id_of(scope)
    )
    raw: RawHeaders = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *headers,
    ]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
