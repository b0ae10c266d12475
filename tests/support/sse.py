"""A small Server-Sent Events reader for tests: what a browser's EventSource would dispatch.

async with open_events(client, "/api/schedule/events") as events:
    event = await events.next_event(timeout=5)     # skips heartbeats unless asked for
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class SseMessage:
    """One dispatched block: an event (`data` set) or only comments (e.g. a heartbeat)."""

    event: str | None = None
    id: str | None = None
    data: str | None = None
    retry: int | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


class SseReader:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next_message(self, timeout: float = 10.0) -> SseMessage:
        async with asyncio.timeout(timeout):
            message = SseMessage()
            data: list[str] = []
            async for line in self._lines:
                if line == "":
                    if data:
                        message.data = "\n".join(data)
                    if message.data is not None or message.comments or message.retry is not None:
                        return message
                    continue
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "":
                    message.comments.append(value)
                elif name == "data":
                    data.append(value)
                elif name == "event":
                    message.event = value
                elif name == "id":
                    message.id = value
                elif name == "retry":
                    message.retry = int(value)
            raise EOFError("the stream ended")

    async def next_event(self, timeout: float = 10.0) -> SseMessage:
        """The next message that carries data (comments and heartbeats are skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.next_message(timeout)
                if message.data is not None:
                    return message

    async def rest(self, timeout: float = 10.0) -> list[SseMessage]:
        """Every message until the server ends the stream."""
        messages = []
        async with asyncio.timeout(timeout):
            while True:
                try:
                    messages.append(await self.next_message(timeout))
                except EOFError:
                    return messages


@asynccontextmanager
async def open_events(
    client: httpx.AsyncClient, path: str = "/api/schedule/events", headers: dict[str, str] | None = None
) -> AsyncIterator[SseReader]:
    """Open the stream and read its first message (the `connected` comment), so the subscription
    exists when this returns."""
    async with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = SseReader(response)
        first = await reader.next_message()
        assert first.comments == ["connected"], first
        yield reader
