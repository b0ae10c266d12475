"""A loopback TCP proxy to PostgreSQL that a test can cut and restore (database outage drills)."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import parse_qs, urlparse


async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        while data := await src.read(65536):
            dst.write(data)
            await dst.drain()
    with contextlib.suppress(Exception):
        dst.close()


def splice(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    up_reader: asyncio.StreamReader,
    up_writer: asyncio.StreamWriter,
    tasks: set[asyncio.Task[None]],
) -> None:
    """Copy bytes both ways between a client and its upstream; the tasks are kept in `tasks`."""
    for task in (
        asyncio.create_task(_pipe(reader, up_writer)),
        asyncio.create_task(_pipe(up_reader, writer)),
    ):
        tasks.add(task)
        task.add_done_callback(tasks.discard)


class TcpProxy:
    def __init__(self, upstream_url: str) -> None:
        parsed = urlparse(upstream_url.replace("postgresql+asyncpg://", "postgresql://"))
        socket_dir = parse_qs(parsed.query).get("host", [None])[0]
        self.database = parsed.path.lstrip("/")
        self.user = parsed.username or "postgres"
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 5432
        self.upstream_socket = f"{socket_dir}/.s.PGSQL.5432" if socket_dir else None
        self.port = 0
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones, like a database going away."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.upstream_socket:
                up_reader, up_writer = await asyncio.open_unix_connection(self.upstream_socket)
            else:
                up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})

        splice(reader, writer, up_reader, up_writer, self._pipes)
