"""JSON bodies nested deeper than 64 levels are refused before they are decoded (SPEC §6.6).

msgspec decodes recursively, so a body of a thousand nested arrays ends in a RecursionError; no
request of this API nests more than a few levels. The check runs as the app's `before_request` hook,
after the route's own limits and before its parameters are parsed. Written here because neither
msgspec nor Litestar offers a depth limit.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request

from icct26.domain.errors import DomainError, ErrorCode

MAX_DEPTH = 64
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_BRACKETS = re.compile(rb"[^\[\]{}]")


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in `body` (brackets inside strings do not count)."""
    structure = _NOT_BRACKETS.sub(b"", _STRINGS.sub(b"", body))
    depth = deepest = 0
    for byte in structure:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


async def refuse_deep_json(request: Request[Any, Any, Any]) -> None:
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        return
    body = await request.body()  # kept by the request: the parameters are parsed from it next
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and json_depth(body) > MAX_DEPTH:
        raise DomainError(
            ErrorCode.MALFORMED_REQUEST,
            f"The JSON body is nested more than {MAX_DEPTH} levels deep; no request of this API needs that.",
        )
