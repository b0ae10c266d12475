"""Embedded PostgreSQL under DATA_DIR, so `make run` and `make test` need no database server."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from loguru import logger

from icct26.config import Settings

DATABASE_NAME = "icct26"


class EmbeddedPostgres:
    """Starts (or reuses) a private PostgreSQL cluster in `<data_dir>/pgdata`."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = data_dir / "pgdata"
        self._server: Any = None

    def start(self) -> str:
        """Start the server if needed and return a postgresql+asyncpg URL to the app database."""
        try:
            import pgserver
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise RuntimeError(
                "DATABASE_URL is not set and the embedded PostgreSQL is not installed "
                "(pip install 'icct26[embedded]')"
            ) from exc
        self.pgdata.mkdir(parents=True, exist_ok=True)
        # "stop" leaves the data in place and stops the server when the last user exits.
        self._server = pgserver.get_server(  # type: ignore[attr-defined]
            self.pgdata, cleanup_mode="stop"
        )
        self._server.psql("SELECT 1;")  # fail fast if the cluster does not answer
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608 - constant
        if "(0 rows)" in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        logger.info("embedded PostgreSQL ready in {}", self.pgdata)
        return self.url_for(DATABASE_NAME)

    def url_for(self, database: str) -> str:
        uri = urlparse(self._server.get_uri())
        host = parse_qs(uri.query).get("host", [str(self.pgdata)])[0]
        return f"postgresql+asyncpg://postgres@/{database}?host={host}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None


def resolve_database_url(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """`DATABASE_URL`, or the embedded server under DATA_DIR when it is unset (blocking)."""
    if settings.database.url:
        return settings.database.url, None
    embedded = EmbeddedPostgres(settings.runtime.data_path)
    return embedded.start(), embedded
