"""One real server for the contract tests, its data removed when the package is done."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.contract_server import ContractServer, contract_server
from tests.support.empty_database import empty_tables


async def _truncate(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        await empty_tables(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="package")
def contract(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ContractServer]:
    try:
        with contract_server(database_url, tmp_path_factory.mktemp("contract")) as server:
            yield server
    finally:
        asyncio.run(_truncate(database_url))
