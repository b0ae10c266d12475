"""Header helpers for the raw ASGI messages the shell's middleware looks at."""

from __future__ import annotations

from collections.abc import Iterable

from litestar.types import HTTPResponseStartEvent, Scope

RawHeaders = list[tuple[bytes, bytes]]


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of request header `name` (lower-case bytes), decoded as latin-1."""
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


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


def request_id_of(scope: Scope) -> str | None:
    rid = (scope.get("state") or {}).get("request_id")
    return rid if isinstance(rid, str) else None
