"""The `icct26` command: serve, worker, database, admin users, churches, documents, config."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from icct26.adapters.observability.logging import configure_logging
from icct26.config import ConfigError, Settings, load_settings, masked

# Imports of the application (bootstrap, the database layer, alembic) stay inside the commands that use
# them: `serve` supervises uvicorn workers that import the app themselves, so the supervisor stays small.

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
    from icct26.adapters.db.embedded import resolve_database_url

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
    """Serve the HTTP API (uvicorn). SIGTERM stops accepting and finishes in-flight requests.

    In-flight requests get SHUTDOWN_GRACE_SECONDS; then the app's lifespan stops background tasks and
    closes the database pool, and the process exits with status 0.
    """
    import uvicorn

    from icct26.serving import fork_workers, hide_unused_packages

    settings = _settings()
    hide_unused_packages()
    fork_workers()
    _exit_cleanly_on_stop_signals()
    configure_logging(settings.logging.level, json=settings.logging.json, log_file=settings.logging.file)
    with database_url(settings) as url:
        # Workers read settings from the environment; hand them the resolved database.
        os.environ["DATABASE_URL"] = url
        uvicorn.run(
            "icct26.bootstrap:create_app_from_env",
            factory=True,
            host=host or settings.runtime.host,
            port=port or settings.runtime.port,
            workers=workers or settings.runtime.workers,
            log_config=None,
            access_log=False,
            proxy_headers=False,  # client IPs are resolved by the app from FORWARDED_ALLOW_IPS
            server_header=False,
            timeout_graceful_shutdown=settings.runtime.shutdown_grace_seconds,
            # Slow and greedy clients (docs/DEPLOYMENT.md: the proxy adds read timeouts, per-IP caps).
            timeout_keep_alive=settings.http.keepalive_timeout_seconds,
            limit_concurrency=settings.http.max_concurrent_connections or None,
            h11_max_incomplete_event_size=settings.http.max_header_bytes,
            http=settings.http.parser,
            backlog=settings.http.listen_backlog,
        )


@main.command()
def worker() -> None:
    """Deliver outbox emails until SIGTERM/SIGINT (run with OUTBOX_WORKER=off on the app instances).

    Several workers may run at once. On a stop signal the current send finishes, the rest of the
    claimed emails go straight back to the outbox, and the process exits with status 0.
    """
    settings = _settings()
    configure_logging(settings.logging.level, json=settings.logging.json, log_file=settings.logging.file)

    async def run(container: Any) -> None:
        outbox = container.outbox_worker
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, outbox.request_stop)
        await outbox.run()

    run_with_container(settings, run)


def _exit_cleanly_on_stop_signals() -> None:
    """uvicorn re-raises SIGTERM/SIGINT once its graceful shutdown is done, which would kill the process
    with the signal (status 143) and skip our cleanup (the embedded database). Our handler turns that,
    and a signal arriving before the server is up, into a normal exit with status 0.
    """

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)


@main.group()
def db() -> None:
    """Database schema (alembic)."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the schema up to REVISION (default: head)."""
    from icct26.adapters.db import migrations

    settings = _settings()
    configure_logging(settings.logging.level, json=settings.logging.json)
    with database_url(settings) as url:
        migrations.upgrade(url, revision)
    click.echo(f"database upgraded to {revision}")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION (e.g. -1 or base)."""
    from icct26.adapters.db import migrations

    settings = _settings()
    with database_url(settings) as url:
        migrations.downgrade(url, revision)
    click.echo(f"database downgraded to {revision}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database and the latest one available."""
    from icct26.adapters.db import migrations
    from icct26.adapters.db.engine import Database

    settings = _settings()
    with database_url(settings) as url:

        async def read() -> set[str]:
            database = Database(url, settings.database)
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


def api_reference_markdown() -> str:
    """docs/API_REFERENCE.md from the app's OpenAPI document, built with default settings (not this
    machine's environment), so every checkout renders the same file."""
    from icct26.adapters.http.api_reference import access_from_guards, render_api_reference
    from icct26.adapters.http.app import build_litestar

    settings = load_settings({}, env_file=None)
    app = build_litestar(settings)  # no lifespan: no database, no services
    return render_api_reference(app.openapi_schema.to_schema(), settings, access_from_guards(app))


@docs.command("api")
@click.option("--output", type=click.Path(path_type=Path), default=Path("docs/API_REFERENCE.md"))
def docs_api(output: Path) -> None:
    """Write docs/API_REFERENCE.md from the served OpenAPI document."""
    output.write_text(api_reference_markdown(), encoding="utf-8")
    click.echo(f"wrote {output}")


@main.group()
def admin() -> None:
    """Staff accounts (admins change things; viewers only read)."""


@admin.command("create")
@click.option("--email", required=True, help="Login email of the new account.")
@click.option("--role", type=click.Choice(["admin", "viewer"]), default="admin", show_default=True)
@click.option(
    "--password",
    default=None,
    help="Password (else ICCT26_ADMIN_PASSWORD, else a prompt; options are visible to `ps`).",
)
def admin_create(email: str, role: str, password: str | None) -> None:
    """Create a staff account."""
    from icct26.domain.admin.users import StaffRole
    from icct26.domain.audit import Actor
    from icct26.domain.errors import DomainError

    settings = _settings()
    secret = password or os.environ.get("ICCT26_ADMIN_PASSWORD") or ""
    if not secret:
        secret = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def create(container: Any) -> Any:
        actor = Actor(user_id=None, email="cli")
        return await container.users.create_user(email, StaffRole(role), secret, actor)

    try:
        user = run_with_container(settings, create)
    except DomainError as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"created {user.role.value} account {user.email} (id {user.id})")


@admin.command("list")
def admin_list() -> None:
    """List staff accounts."""

    async def users(container: Any) -> Any:
        return await container.users.list_users()

    for user in run_with_container(_settings(), users):
        state = "active" if user.is_active else "inactive"
        click.echo(f"{user.id}\t{user.email}\t{user.role.value}\t{state}")


@main.group()
def churches() -> None:
    """Participating churches."""


@churches.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def churches_import(file: Path) -> None:
    """Add the churches of FILE (one name per line); names already known are left as they are."""
    lines = file.read_text(encoding="utf-8-sig").splitlines()

    async def run(container: Any) -> Any:
        return await container.churches.import_names(lines)

    report = run_with_container(_settings(), run)
    for problem in report.invalid:
        click.echo(f"skipped {problem}", err=True)
    click.echo(
        f"added {report.added}, already present {report.already_present}, "
        f"repeated in file {report.repeated_in_file}, invalid {len(report.invalid)}"
    )


@main.group()
def documents() -> None:
    """Stored registration documents."""


@documents.command("sweep")
def documents_sweep() -> None:
    """Delete stored files no registration or gallery image points to (older than ORPHAN_GRACE_MINUTES)."""

    from icct26.adapters.http.multipart import remove_stale_spools

    async def run(container: Any) -> Any:
        return await container.documents.sweep_orphans()

    settings = _settings()
    report = run_with_container(settings, run)
    click.echo(f"scanned {report.scanned} stored objects, deleted {report.deleted} orphans")
    # Upload temp files of requests whose process was killed mid-request.
    spools = remove_stale_spools(
        settings.runtime.data_path / "tmp", settings.documents.orphan_grace_minutes * 60
    )
    click.echo(f"removed {spools} stale upload spools")


@documents.command("purge")
def documents_purge() -> None:
    """Delete documents kept no longer: of teams rejected or withdrawn more than
    REJECTED_DOCUMENT_RETENTION_DAYS ago, and of every team once DOCUMENT_RETENTION_AFTER_DAYS after
    TOURNAMENT_ENDS_AT have passed (teams, players and results stay)."""

    async def run(container: Any) -> Any:
        return await container.documents.purge()

    report = run_with_container(_settings(), run)
    which = (
        "teams (the retention after the tournament has passed)"
        if report.every_team
        else "rejected or withdrawn teams"
    )
    click.echo(f"purged {report.files} documents of {report.teams} {which}")
    if report.failed_teams:
        click.echo(f"{report.failed_teams} teams could not be purged; run again later", err=True)
        sys.exit(1)


@documents.command("reencrypt")
def documents_reencrypt() -> None:
    """Encrypt every stored document under the first DOCUMENT_ENCRYPTION_KEYS key.

    Documents stored before encryption, or under an older key, are rewritten; the others are only
    checked. Safe while the app serves; interrupt it at any time and run it again to carry on.
    Once it reports no failures, older keys may be removed from DOCUMENT_ENCRYPTION_KEYS.
    """

    async def run(container: Any) -> Any:
        maintenance = container.documents
        total = await maintenance.document_count()
        with click.progressbar(length=total, label="re-encrypting documents", file=sys.stderr) as bar:
            done = 0

            def advance(progress: Any) -> None:
                nonlocal done
                bar.update(progress.done - done)
                done = progress.done

            return await maintenance.reencrypt(advance)

    report = run_with_container(_settings(), run)
    click.echo(
        f"checked {report.checked} documents: {report.rewritten} re-encrypted, "
        f"{report.checked - report.rewritten - report.failed} already under the newest key, "
        f"{report.failed} failed"
    )
    if report.failed:
        click.echo("some documents are missing or damaged (see the log); keep the old keys", err=True)
        sys.exit(1)


@documents.command("generate-key")
@click.option("--id", "key_id", default=None, help="Key id (default: k<YYYYMMDD>).")
def documents_generate_key(key_id: str | None) -> None:
    """Print a new `id:base64key` entry for DOCUMENT_ENCRYPTION_KEYS (put it first to rotate)."""
    from datetime import UTC, datetime

    from icct26.adapters.storage.encryption import new_key_entry
    from icct26.config import parse_document_keys

    entry = new_key_entry(key_id or f"k{datetime.now(UTC):%Y%m%d}")
    try:
        parse_document_keys(entry)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--id") from None
    click.echo(entry)


@main.group()
def idempotency() -> None:
    """Stored Idempotency-Key answers."""


@idempotency.command("purge")
def idempotency_purge() -> None:
    """Delete Idempotency-Key entries older than IDEMPOTENCY_TTL_HOURS."""

    async def run(container: Any) -> Any:
        return await container.idempotency.purge_expired()

    click.echo(f"deleted {run_with_container(_settings(), run)} expired idempotency keys")


if __name__ == "__main__":  # pragma: no cover
    main()
