"""A minimal HTTP/1.1 client over a raw socket, for what httpx cannot do on purpose: send a body that
never ends, trickle one slowly, or see exactly when the server answers and closes."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body)


async def open_raw(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", port)


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


async def read_response(reader: asyncio.StreamReader, timeout: float = 30.0) -> RawResponse:
    async with asyncio.timeout(timeout):
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
    return RawResponse(int(status_line.split()[1]), headers, body)


async def closed_by_peer(reader: asyncio.StreamReader, timeout: float = 10.0) -> bool:
    """True when the server closes the connection (EOF or reset) within `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            return await reader.read(1) == b""
    except ConnectionError:
        return True
    except TimeoutError:
        return False
