"""`Idempotency-Key` for every state-changing route: one layer, declared per route (`Idempotent` in
the handler's `opt`, see `policy.py`), SPEC §4.3 and §6.6.

- scope: (principal, method, route template) — the principal is the bearer token's user, else
  "public"; the fingerprint covers the method, the path (so its parameters), the query and the body;
- the key is claimed once the whole body has been read — before the handler runs for bodies the
  handler does not stream, inside the handler's last `receive` for uploads (registration streams up
  to 170 MiB, so it is fingerprinted as it arrives, never buffered); every side effect of a handler
  happens after its body is read, so after the claim;
- a finished repeat is answered from what the first request left, with `Idempotent-Replayed: true`;
  the same key with another body → 422 IDEMPOTENCY_KEY_REUSED; still running → wait, then 409;
- the answer (4xx included) is kept; a 5xx or an exception lets go of the key so a retry runs afresh.

A route whose use case records its own answer in the transaction of its change (registration) gives
`Idempotent(replay_result=...)`: the handler passes `idempotency_claim(request)` to the use case, and a
repeat is rendered by that function from the bytes the use case recorded.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

import msgspec
from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, ReceiveMessage, Scope, Send

from icct26.adapters.http.middleware.asgi import header, set_headers
from icct26.adapters.http.middleware.connection import has_body
from icct26.adapters.http.middleware.policy import IDEMPOTENT, Idempotent, route_opt
from icct26.adapters.http.middleware.rate_limit import bearer_user
from icct26.domain.idempotency import IdempotencyClaim, check_idempotency_key
from icct26.services.idempotency import IdempotencyService, Replay

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = b"idempotent-replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_CLAIM_STATE = "idempotency_claim"
# Answers this layer stores start with a NUL byte, which no use case's JSON record ever does.
_STORED_BY_LAYER = b"\x00"


class StoredAnswer(msgspec.Struct, array_like=True):
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def idempotency_claim(request: Request[Any, Any, Any]) -> IdempotencyClaim | None:
    """The claim this request runs under (None without a key), for use cases that record their
    answer with their change. Read it after the body: the claim is made when the body ends."""
    claim = request.scope["state"].get(_CLAIM_STATE)
    return claim if isinstance(claim, IdempotencyClaim) else None


class BodyFingerprint:
    """sha256 over method, path, query and body. A multipart body is hashed with its boundary
    blanked out: a browser retrying the same form picks a new random boundary."""

    def __init__(self, scope: Scope) -> None:
        self._hash = hashlib.sha256(
            b"%s %s?%s\n" % (str(scope.get("method")).encode(), scope["path"].encode(), scope["query_string"])
        )
        media_type, _, params = (header(scope, b"content-type") or "").partition(";")
        self._hash.update(media_type.strip().lower().encode() + b"\n")
        boundary = None
        if media_type.strip().lower().startswith("multipart/"):
            for param in params.split(";"):
                name, _, value = param.strip().partition("=")
                if name.lower() == "boundary" and value:
                    boundary = b"--" + value.strip('"').encode("latin-1")
        self._boundary = boundary
        self._carry = b""

    def feed(self, chunk: bytes) -> None:
        if self._boundary is None:
            self._hash.update(chunk)
            return
        # The same bytes as hashing `body.replace(boundary, b"\x00")` whole, but the chunk is hashed in
        # place between the boundaries (a registration is megabytes; copies of it cost more than the
        # hash). The tail that could be the start of a boundary split across chunks waits for the next.
        boundary = self._boundary
        data = self._carry + chunk if self._carry else chunk
        view = memoryview(data)
        start = 0
        while (found := data.find(boundary, start)) >= 0:
            self._hash.update(view[start:found])
            self._hash.update(b"\x00")
            start = found + len(boundary)
        cut = max(start, len(data) - (len(boundary) - 1))
        self._hash.update(view[start:cut])
        self._carry = bytes(view[cut:])

    def hexdigest(self) -> str:
        self._hash.update(self._carry)
        self._carry = b""
        return self._hash.hexdigest()


class _Settled(BaseException):
    """Raised out of `receive` when the key turns out to be answered already: it stops the handler.
    A BaseException, so the exception handler Litestar puts around each handler lets it through."""

    def __init__(self, outcome: Replay) -> None:
        self.outcome = outcome


@dataclass
class _Captured:
    status: int = 0
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


class IdempotencyMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        policy = route_opt(scope).get(IDEMPOTENT)
        raw_key = header(scope, IDEMPOTENCY_KEY_HEADER.lower().encode())
        services = scope["app"].state.get("services")
        method = scope.get("method", "")
        if (
            not isinstance(policy, Idempotent)
            or method not in WRITE_METHODS
            or raw_key is None
            or not services
        ):
            await next_app(scope, receive, send)
            return
        key = check_idempotency_key(raw_key)
        service: IdempotencyService = services.idempotency
        user = bearer_user(scope, services.tokens)
        principal = f"user:{user}" if user is not None else "public"
        operation = f"{principal} {method} {scope.get('path_template', scope['path'])}"[:120]
        fingerprint = BodyFingerprint(scope)
        claim: IdempotencyClaim | None = None

        async def begin() -> None:
            nonlocal claim
            outcome = await service.begin(operation, key, fingerprint.hexdigest())
            if isinstance(outcome, Replay):
                raise _Settled(outcome)
            claim = outcome
            scope["state"][_CLAIM_STATE] = claim

        async def fingerprinting_receive() -> ReceiveMessage:
            message = await receive()
            if message["type"] == "http.request" and claim is None:
                fingerprint.feed(message.get("body", b""))
                if not message.get("more_body", False):
                    await begin()
            return message

        captured = _Captured()

        async def capturing_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.status = message["status"]
                captured.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            elif message["type"] == "http.response.body":
                captured.body += message.get("body", b"")
            await send(message)

        try:
            if not has_body(scope):
                await begin()
            await next_app(scope, fingerprinting_receive, capturing_send)
        except _Settled as settled:
            await self._replay(scope, receive, send, policy, settled.outcome.answer)
            return
        except BaseException:
            # Errors of the handler itself arrive as answers (Litestar renders them around it);
            # what comes here is a cancellation, a timeout or a failure of the layers around it.
            if claim is not None:
                await asyncio.shield(service.abandon(claim))  # even when the request was cancelled
            raise
        if claim is None:
            return  # the handler answered before reading its body: nothing happened to remember
        if captured.status >= 500:
            await service.abandon(claim)
        elif policy.replay_result is not None and captured.status < 300:
            await service.finish(claim, None)  # recorded by the use case with its change
        else:
            stored = StoredAnswer(captured.status, captured.headers, bytes(captured.body))
            await service.finish(claim, _STORED_BY_LAYER + msgspec.msgpack.encode(stored))

    @staticmethod
    async def _replay(scope: Scope, receive: Receive, send: Send, policy: Idempotent, answer: bytes) -> None:
        if answer.startswith(_STORED_BY_LAYER):
            stored = msgspec.msgpack.decode(answer[1:], type=StoredAnswer)
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": stored.status,
                "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored.headers],
            }
            set_headers(start, [(REPLAYED_HEADER, b"true")])
            await send(start)
            await send({"type": "http.response.body", "body": stored.body, "more_body": False})
            return
        assert policy.replay_result is not None  # only such routes let their use case record answers
        request: Request[Any, Any, Any] = Request(scope, receive)
        response = policy.replay_result(request, answer)
        response.headers[REPLAYED_HEADER.decode()] = "true"
        await response.to_asgi_response(app=None, request=request)(scope, receive, send)
