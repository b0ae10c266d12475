"""`provide()`: handlers receive the named services, resolved one after another (no task group)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import litestar._kwargs.kwargs_model as kwargs_model
import pytest
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.testing import TestClient

from icct26.adapters.http.dependencies import SERVICES_STATE_KEY, provide


@get("/three", dependencies=provide("first", "second", "third"))
async def uses_three(
    first: NamedDependency[Any], second: NamedDependency[Any], third: NamedDependency[Any]
) -> str:
    return f"{first} {second} {third}"


@get("/last", dependencies=provide("first", "second", "third"))
async def uses_the_last(third: NamedDependency[Any]) -> str:
    return str(third)


def _app() -> Litestar:
    services = SimpleNamespace(first="one", second="two", third="three")
    return Litestar(
        [uses_three, uses_the_last], state=State({SERVICES_STATE_KEY: services}), logging_config=None
    )


def test_each_handler_gets_the_services_it_names() -> None:
    with TestClient(_app()) as client:
        assert client.get("/three").text == "one two three"
        assert client.get("/last").text == "three"
        # Not taken for query parameters either.
        assert client.get("/last", params={"_earlier": "x"}).text == "three"


def test_services_are_resolved_without_a_task_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """Litestar resolves sibling dependencies in an anyio task group (~100 µs a request for three
    attribute reads); chained, there are no siblings to resolve together."""

    def refused() -> Any:
        raise AssertionError("dependencies resolved concurrently")

    monkeypatch.setattr(kwargs_model, "create_task_group", refused)
    with TestClient(_app()) as client:
        assert client.get("/three").text == "one two three"
