"""OpenAPI documentation of an operation's error responses, taken from the error catalogue.

`problem_responses(*codes)` documents the codes a route itself can answer plus `SURROUNDING`: what the
layers around every route (middleware/stack.py) and an unexpected failure can answer on any operation.
Every error is `application/problem+json` with the `Problem` schema; codes sharing a status are listed
together in that status's description.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.openapi import ResponseSpec

from icct26.adapters.http.problems import CATALOGUE, PROBLEM_MEDIA_TYPE, Problem
from icct26.domain.errors import ErrorCode

C = ErrorCode
# Body limit, rate limit, request deadline, database outage, and a bug: possible on every operation.
SURROUNDING: tuple[ErrorCode, ...] = (
    C.BODY_TOO_LARGE,
    C.RATE_LIMIT_EXCEEDED,
    C.REQUEST_TIMEOUT,
    C.DATABASE_UNAVAILABLE,
    C.INTERNAL_ERROR,
)
# Health probes are never rate limited (their routes declare the `unmetered` policy).
UNMETERED_ERRORS: tuple[ErrorCode, ...] = tuple(c for c in SURROUNDING if c is not C.RATE_LIMIT_EXCEEDED)
# Operations with parameters or a body: input that does not parse (400) or breaks its schema (422).
REQUEST_ERRORS: tuple[ErrorCode, ...] = (C.MALFORMED_REQUEST, C.VALIDATION_FAILED)


def problem_responses(
    *codes: ErrorCode, surrounding: Iterable[ErrorCode] = SURROUNDING
) -> dict[int, ResponseSpec]:
    """One problem+json response per status; codes sharing a status are listed together."""
    by_status: dict[int, list[ErrorCode]] = {}
    for code in dict.fromkeys([*codes, *surrounding]):  # de-duplicated, in order
        by_status.setdefault(CATALOGUE[code].status, []).append(code)
    return {
        status: ResponseSpec(
            data_container=Problem,
            description="; ".join(f"`{c.value}`: {CATALOGUE[c].description}" for c in group),
            media_type=PROBLEM_MEDIA_TYPE,
            generate_examples=False,
        )
        for status, group in sorted(by_status.items())
    }


def success_response(container: type[Any], description: str, status: int = 200) -> dict[int, ResponseSpec]:
    """A documented success answer. No generated examples: they are random, and the document must be
    the same on every start."""
    return {status: ResponseSpec(generate_examples=False, data_container=container, description=description)}
