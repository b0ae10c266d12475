"""The `icct26` command: serve, worker, database, admin users, churches, documents, config."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from icct26.adapters.db import migrations
from icct26.adapters.observability.logging import configure_logging
from icct26.bootstrap import resolve_database_url
from icct26.config import ConfigError, Settings, load_settings, masked

T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        click.echo(f"Configuration error: {exc}", err=True)
        sys.exit(2)


@contextmanager
def database_url(settings: Settings) -> Any:
    """Yield a database URL, running the embedded server for the duration when needed."""
    url, embedded = resolve_database_url(settings)
    try:
        yield url
    finally:
        if embedded is not None:
            embedded.stop()


def run_with_container(settings: Settings, fn: Callable[[Any], Awaitable[T]]) -> T:
    """Run an async use case with a fully wired container (commands share the app's wiring)."""
    from icct26.bootstrap import build_container

    async def main() -> T:
        container = await build_container(settings)
        try:
            return await fn(container)
        finally:
            await container.close()

    return asyncio.run(main())


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


@click.group()
def main() -> None:
    """ICCT26 tournament backend."""


@main.command()
@click.option("--host", default=None, help="Bind address (default HOST).")
@click.option("--port", type=int, default=None, help="Port (default PORT).")
@click.option("--workers", type=int, default=None, help="Worker processes (default WORKERS).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the HTTP API (uvicorn). SIGTERM stops accepting and finishes in-flight requests."""
    import uvicorn

    settings = _settings()
    configure_logging(settings.log_level, json=settings.log_json, log_file=settings.log_file)
    with database_url(settings) as url:
        # Workers read settings from the environment; hand them the resolved database.
        os.environ["DATABASE_URL"] = url
        uvicorn.run(
            "icct26.adapters.http.app:create_app_from_env",
            factory=True,
            host=host or settings.host,
            port=port or settings.port,
            workers=workers or settings.workers,
            log_config=None,
            access_log=False,
            proxy_headers=False,  # client IPs are resolved by the app from FORWARDED_ALLOW_IPS
            server_header=False,
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
        )


@main.group()
def db() -> None:
    """Database schema (alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the schema up to REVISION (default: head)."""
    settings = _settings()
    configure_logging(settings.log_level, json=settings.log_json)
    with database_url(settings) as url:
        migrations.upgrade(url, revision)
    click.echo(f"database upgraded to {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION (e.g. -1 or base)."""
    settings = _settings()
    with database_url(settings) as url:
        migrations.downgrade(url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the latest one available."""
    from icct26.adapters.db.engine import Database

    settings = _settings()
    with database_url(settings) as url:

        async def read() -> set[str]:
            database = Database(url, settings)
            try:
                return await database.schema_revisions(timeout=5)
            except Exception:
                return set()
            finally:
                await database.dispose()

        current = run_async(read())
    heads = migrations.head_revisions()
    state = "up to date" if current == heads else "OUT OF DATE: run `icct26 db upgrade`"
    click.echo(f"current: {', '.join(sorted(current)) or '(none)'}")
    click.echo(f"head:    {', '.join(sorted(heads))} ({state})")
    if current != heads:
        sys.exit(1)


@main.group()
def config() -> None:
    """Configuration."""


@config.command("show")
def config_show() -> None:
    """Print the effective configuration, secrets masked."""
    for key, value in masked(_settings()).items():
        click.echo(f"{key}={'' if value is None else value}")


@main.group()
def docs() -> None:
    """Generated documentation."""


@docs.command("error-codes")
@click.option("--output", type=click.Path(path_type=Path), default=Path("docs/ERROR_CODES.md"))
def docs_error_codes(output: Path) -> None:
    """Write docs/ERROR_CODES.md from the error catalogue."""
    from icct26.adapters.http.problems import render_error_codes_markdown

    output.write_text(render_error_codes_markdown(), encoding="utf-8")
    click.echo(f"wrote {output}")


if __name__ == "__main__":  # pragma: no cover
    main()
