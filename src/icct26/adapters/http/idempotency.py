"""`Idempotency-Key` for any POST/PUT handler: validate the header, run once, replay the answer.

Usage in a controller::

    key = idempotency_key(request)              # before reading a large body: fail fast
    ...
    return await respond_idempotently(
        request, container.registration.idempotency, key=key,
        scope="POST /api/register/team", fingerprint=request_fingerprint(fields, file_hashes),
        produce=lambda: ...,                     # async, returns a SavedResponse (see json_answer)
    )

`produce` may raise DomainError: a 4xx is rendered with the one problem+json builder and stored like
any other answer (a retry gets the same refusal); a 5xx or any other exception is not stored, so a
retry runs afresh. Scope should name the operation and its target (and the user for admin calls).

`respond_idempotently_claimed` gives `produce` the claim (None without a key), for use cases that
record their answer in the transaction of their change (see `IdempotentAnswers`); such a `produce`
returns `RecordedResponse(answer)` so that nothing writes the answer a second time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import msgspec
from litestar import Request, Response

from icct26.adapters.http.errors import request_id_of
from icct26.adapters.http.problems import PROBLEM_MEDIA_TYPE, problem_for_domain_error
from icct26.domain.errors import DomainError
from icct26.domain.idempotency import (
    IdempotencyClaim,
    Outcome,
    SavedResponse,
    check_idempotency_key,
    response_of,
)
from icct26.services.idempotency import IdempotencyService

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
JSON_MEDIA_TYPE = "application/json"


def idempotency_key(request: Request[Any, Any, Any]) -> str | None:
    """The request's key, None when absent; IDEMPOTENCY_KEY_INVALID when malformed."""
    raw = request.headers.get(IDEMPOTENCY_KEY_HEADER)
    return None if raw is None else check_idempotency_key(raw)


def json_answer(status: int, body: Any, headers: Mapping[str, str] | None = None) -> SavedResponse:
    """A JSON answer (msgspec struct or builtins) in the storable form."""
    return SavedResponse(
        status, msgspec.json.encode(body), {"content-type": JSON_MEDIA_TYPE, **(headers or {})}
    )


def to_response(answer: SavedResponse, *, replayed: bool = False) -> Response[bytes]:
    headers = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return Response(
        content=answer.body,
        status_code=answer.status,
        headers=headers,
        media_type=answer.headers.get("content-type", JSON_MEDIA_TYPE),
    )


async def respond_idempotently(
    request: Request[Any, Any, Any],
    service: IdempotencyService,
    *,
    key: str | None,
    scope: str,
    fingerprint: str,
    produce: Callable[[], Awaitable[SavedResponse]],
) -> Response[bytes]:
    """Run `produce` under the key (or plainly when the client sent none)."""
    return await respond_idempotently_claimed(
        request, service, key=key, scope=scope, fingerprint=fingerprint, produce=lambda _claim: produce()
    )


async def respond_idempotently_claimed(
    request: Request[Any, Any, Any],
    service: IdempotencyService,
    *,
    key: str | None,
    scope: str,
    fingerprint: str,
    produce: Callable[[IdempotencyClaim | None], Awaitable[Outcome]],
) -> Response[bytes]:
    """`respond_idempotently`, with `produce` given the claim it runs under (None without a key).

    `produce` returns a `RecordedResponse` when it committed its answer under the claim itself."""
    if key is None:
        return to_response(response_of(await produce(None)))

    async def answer(claim: IdempotencyClaim) -> Outcome:
        try:
            return await produce(claim)
        except DomainError as exc:
            status, body, headers = problem_for_domain_error(
                exc, instance=request.url.path, request_id=request_id_of(request)
            )
            if status >= 500:
                raise
            return SavedResponse(status, body, {"content-type": PROBLEM_MEDIA_TYPE, **headers})

    result = await service.execute_claimed(scope, key, fingerprint, answer)
    return to_response(result.response, replayed=result.replayed)
