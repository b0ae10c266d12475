"""Loopback mail servers for the email tests.

- `SmtpSink`: a real SMTP server (aiosmtpd `Controller`, its own thread) that keeps every message it
  accepts; recipients containing "bounce" are refused with 550; an optional delay before accepting.
- `ConnectionGate`: a TCP listener that counts connection attempts and either drops them at once
  (the mail server is "down") or forwards them to an upstream port (the server is "up").
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.server import free_port
from tests.support.tcp_proxy import splice


class _Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.delay = 0.0
        self.receiving = threading.Event()  # set when a DATA command starts

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if "bounce" in address:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.receiving.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self._handler = _Handler()
        self.port = port or free_port()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler.lock:
            return list(self._handler.messages)

    @property
    def receiving(self) -> threading.Event:
        return self._handler.receiving

    def set_delay(self, seconds: float) -> None:
        self._handler.delay = seconds

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """Block until `count` messages arrived (or the timeout passed); return what arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.02)
        return self.messages


class ConnectionGate:
    def __init__(self) -> None:
        self.port = 0
        self.connections = 0
        self.upstream_port: int | None = None  # None: drop every connection
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> ConnectionGate:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if self.upstream_port is None:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return

        splice(reader, writer, up_reader, up_writer, self._tasks)
