"""Every example in docs/API_REFERENCE.md, sent to a real app (real PostgreSQL, stored files), gets the
status the reference documents, and an answer of the shape the example shows.

The examples describe one small tournament (api_example_table's docstring); `build_world` creates it
and each example changes its own target, so they run one after another against the same data.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from icct26.adapters.http.api_example_table import EXAMPLES
from icct26.adapters.http.api_examples import Example, operations
from icct26.adapters.http.api_reference import example_for
from icct26.adapters.http.app import build_litestar
from icct26.bootstrap import Container
from icct26.config import Settings
from tests.support.api_reference_world import build_world, replay

pytestmark = pytest.mark.asyncio


def shape_mismatch(example: Example, response: httpx.Response) -> str | None:
    """Why the answer does not look like the example (top-level keys, or the CSV header), else None."""
    if example.response_type == "application/json":
        body: Any = response.json()
        if isinstance(example.response, dict) and set(body) != set(example.response):
            return f"keys {sorted(body)} but the example shows {sorted(example.response)}"
        return None
    if not response.headers["content-type"].startswith(example.response_type):
        return f"content type {response.headers['content-type']}"
    if example.response_type == "text/csv":
        shown, sent = str(example.response).splitlines()[0], response.text.splitlines()[0]
        return None if shown == sent else f"CSV header {sent!r}"
    return None


async def test_every_example_request_answers_the_documented_status(
    container: Container, client: httpx.AsyncClient, settings: Settings
) -> None:
    document = build_litestar(settings).openapi_schema.to_schema()
    world = await build_world(container, client)
    failures = []
    replayed = 0
    for operation in operations(document):
        example = example_for(document, operation)
        response = await replay(client, world, operation, example)
        replayed += 1
        label = f"{operation.method} {operation.path} ({operation.operation_id})"
        if response.status_code != example.status:
            failures.append(
                f"{label}: {response.status_code} instead of {example.status}: {response.text[:300]}"
            )
            continue
        mismatch = shape_mismatch(example, response)
        if mismatch:
            failures.append(f"{label}: {mismatch}")
    assert replayed == len(operations(document)) >= len(EXAMPLES)
    assert not failures, "\n".join(failures)
