"""The composition root: builds adapters from settings and hands them to services and the HTTP app.

Nothing else constructs infrastructure. Tests build a `Container` the same way, with test settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any

from litestar import Litestar
from litestar.types import ASGIApp
from loguru import logger

from icct26.adapters.db.admin_uow import SqlAdminUnitOfWork
from icct26.adapters.db.document_access_repository import SqlDocumentAccessLog
from icct26.adapters.db.embedded import EmbeddedPostgres, resolve_database_url
from icct26.adapters.db.engine import Database
from icct26.adapters.db.gallery_repository import SqlGalleryUnitOfWork
from icct26.adapters.db.idempotency_repository import SqlIdempotencyStore
from icct26.adapters.db.lifecycle_repository import SqlLifecycleUnitOfWork
from icct26.adapters.db.outbox_repository import SqlOutboxStore
from icct26.adapters.db.registration_repository import SqlRegistrationUnitOfWork
from icct26.adapters.db.schedule_events import JournalSettings, PgScheduleEventHub
from icct26.adapters.db.schedule_repository import SqlScheduleUnitOfWork
from icct26.adapters.http.app import build_app
from icct26.adapters.http.auth import TokenService
from icct26.adapters.http.conditional import AnswerCache
from icct26.adapters.http.dependencies import SERVICES_STATE_KEY
from icct26.adapters.http.schedule_feed import match_event_json
from icct26.adapters.images.pillow_sanitizer import PillowImageSanitizer
from icct26.adapters.mail.composer import TemplateComposer
from icct26.adapters.mail.file import FileSender
from icct26.adapters.mail.worker import OutboxWorker, PeriodicJob
from icct26.adapters.observability.gc_tuning import freeze_startup_objects
from icct26.adapters.observability.logging import configure_logging
from icct26.adapters.ratelimit.memory import MemoryRateLimiter
from icct26.adapters.resilience import Backoff, BreakerRegistry
from icct26.adapters.security.captain_links import SignedCaptainLinks
from icct26.adapters.security.passwords import Argon2Passwords
from icct26.adapters.stop_signals import on_stop_signal
from icct26.adapters.storage.encrypted import EncryptedDocumentStore
from icct26.adapters.storage.encryption import Keyring, development_key
from icct26.adapters.storage.local import LocalDocumentStore
from icct26.adapters.storage.signing import LinkSigner
from icct26.config import ConfigError, Settings, load_settings
from icct26.domain.email import MailSender
from icct26.domain.ports import DocumentStore, RateLimiter
from icct26.domain.registration import ChurchLimitPolicy, RegistrationWindow, RosterRules
from icct26.domain.schedule import PointsRules
from icct26.services.admin_teams import TeamReviewService
from icct26.services.admin_users import AdminUserService, AuditLogService
from icct26.services.auth import AuthService
from icct26.services.churches import ChurchAdminService, ChurchService
from icct26.services.document_access import DocumentAccessService
from icct26.services.document_links import DocumentLinks
from icct26.services.documents import DocumentMaintenance
from icct26.services.exports import ExportService
from icct26.services.fixtures import FixtureService
from icct26.services.gallery import KEY_PREFIX as GALLERY_KEY_PREFIX
from icct26.services.gallery import GalleryService
from icct26.services.idempotency import IdempotencyService
from icct26.services.lifecycle import LifecyclePolicy, TeamLifecycleService
from icct26.services.live_schedule import LiveSchedule
from icct26.services.outbox import OutboxDelivery
from icct26.services.registration import RegistrationPolicy, RegistrationService, utc_now
from icct26.services.schedule import ScheduleService
from icct26.services.schedule_calendar import CalendarOptions, ScheduleCalendar
from icct26.services.waitlist import WaitingListPromoter, WaitlistPolicy

OUTBOX_TASK = "outbox-worker"
DOCUMENT_ACCESS_TASK = "document-access-writer"
REVIEW_LIST_SECONDS = 60  # how long a review list the database still calls current is kept


@dataclass
class Container:
    """Everything long-lived the app needs; one per process."""

    settings: Settings
    database: Database
    tokens: TokenService
    signer: LinkSigner
    storage: DocumentStore
    rate_limiter: RateLimiter
    # Use cases, each injected by name into the handlers that use it (adapters/http/dependencies.py).
    auth: AuthService
    users: AdminUserService
    review: TeamReviewService
    church_admin: ChurchAdminService
    audit: AuditLogService
    exports: ExportService
    registration: RegistrationService
    churches: ChurchService
    documents: DocumentMaintenance
    idempotency: IdempotencyService  # every idempotent write, public and admin
    schedule: ScheduleService
    fixtures: FixtureService  # knockout and round-robin generation over the schedule
    public_cache: AnswerCache  # polled public reads (schedule list), a few seconds
    review_list_cache: AnswerCache  # the review list per viewer and filters, keyed by its version
    schedule_events: PgScheduleEventHub  # LISTENs for schedule changes committed by any instance
    live_schedule: LiveSchedule  # the SSE streams of this process
    schedule_calendar: ScheduleCalendar
    gallery: GalleryService
    breakers: BreakerRegistry  # every circuit breaker (smtp, storage:*), read by health and metrics
    mail_sender: MailSender
    outbox_worker: OutboxWorker  # runs in the app when OUTBOX_WORKER=inprocess, else `icct26 worker`
    document_access: DocumentAccessService  # records document views in batches (a background task)
    lifecycle: TeamLifecycleService  # change requests, captain links, withdrawal, the deadline job
    embedded: EmbeddedPostgres | None = None
    # Background tasks started by the app (outbox worker, sweepers); stopped on shutdown.
    background: list[asyncio.Task[Any]] = field(default_factory=list)
    _restore_signals: Callable[[], None] | None = field(default=None, repr=False)

    @cached_property
    def schema_heads(self) -> set[str]:
        """The migration heads this code expects, read on the first readiness check: alembic is ~9 MB
        that a worker otherwise never uses."""
        from icct26.adapters.db.migrations import head_revisions

        return head_revisions()

    async def start(self) -> None:
        """Start the background work the settings ask for (called by the app's lifespan)."""
        freeze_startup_objects()  # startup is over: keep full GC passes off the request path
        running = {task.get_name() for task in self.background if not task.done()}
        if self.settings.outbox.worker == "inprocess" and OUTBOX_TASK not in running:
            self.background.append(asyncio.create_task(self.outbox_worker.run(), name=OUTBOX_TASK))
        if DOCUMENT_ACCESS_TASK not in running:
            self.background.append(asyncio.create_task(self.document_access.run(), name=DOCUMENT_ACCESS_TASK))
        await self.schedule_events.start()
        self.live_schedule.accept()
        # The server waits for open responses before shutting the app down; live streams end at once.
        if self._restore_signals is None:
            self._restore_signals = on_stop_signal(self.live_schedule.close_all)

    async def stop_background(self) -> None:
        """Stop background tasks; the outbox worker finishes its current send first."""
        if self._restore_signals is not None:
            self._restore_signals()
            self._restore_signals = None
        self.live_schedule.close_all()
        await self.schedule_events.stop()
        await self.idempotency.close()
        for task in self.background:
            task.cancel()
        for task in self.background:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception:
                logger.exception("background task failed while stopping")
        self.background.clear()
        try:
            await self.document_access.flush()  # the views of the last moments are recorded too
        except Exception:
            logger.exception("could not record the last document views")

    async def close(self, *, dispose_database: bool = True) -> None:
        await self.stop_background()
        close = getattr(self.rate_limiter, "close", None)  # the Redis store's connection pool
        if close is not None:
            await close()
        if dispose_database:
            await self.database.dispose()
        if self.embedded is not None:
            await asyncio.to_thread(self.embedded.stop)


async def build_container(settings: Settings) -> Container:
    url, embedded = await asyncio.to_thread(resolve_database_url, settings)
    return await build_container_with(settings, Database(url, settings.database), embedded)


async def build_container_with(
    settings: Settings, database: Database, embedded: EmbeddedPostgres | None = None
) -> Container:
    """Wire every adapter around an existing database (the server, the CLI and tests all come here)."""
    signer = LinkSigner(settings.auth.secret_key)
    breakers = BreakerRegistry()
    storage = build_document_store(settings, signer, breakers)
    mail_sender = build_mail_sender(settings, breakers)
    rate_limiter = build_rate_limiter(settings)
    schedule = build_schedule_service(settings, database)
    public_cache = AnswerCache(
        settings.http.public_cache_seconds,
        lambda: schedule.generation,
        gzip_min_bytes=settings.http.gzip_min_bytes,
    )
    schedule_events = PgScheduleEventHub(database, connect_timeout=settings.database.connect_timeout_seconds)
    # A change committed by another instance also makes this process's cached match list stale.
    schedule_events.on_delivered.append(public_cache.clear)
    captain_links = build_captain_links(settings)
    promoter = WaitingListPromoter(registration_policy(settings).waitlist, captain_links, utc_now)
    lifecycle = build_lifecycle_service(settings, database, storage, captain_links, promoter)
    return Container(
        settings=settings,
        database=database,
        tokens=TokenService(settings.auth.secret_key, settings.auth.jwt_expiry_hours),
        signer=signer,
        storage=storage,
        rate_limiter=rate_limiter,
        **build_admin_services(settings, database, storage, rate_limiter, promoter),
        **build_registration_services(settings, database, storage, captain_links),
        schedule=schedule,
        fixtures=build_fixture_service(settings, database, schedule),
        public_cache=public_cache,
        review_list_cache=AnswerCache(
            # The list's links are dated when it is built: a kept list hands out links at most this
            # much older than a fresh one would (their lifetime is 8 h by default).
            min(REVIEW_LIST_SECONDS, settings.auth.signed_url_ttl_seconds // 10),
            max_entries=8,  # ~0.5 MB each (the body and its gzip), a few organisers and filters
            gzip_min_bytes=settings.http.gzip_min_bytes,
        ),
        schedule_events=schedule_events,
        live_schedule=LiveSchedule(
            schedule_events,
            max_per_client=settings.schedule.sse_max_per_ip,
            heartbeat_seconds=settings.schedule.sse_heartbeat_seconds,
            replay_limit=settings.schedule.sse_replay_events,
        ),
        schedule_calendar=build_schedule_calendar(settings, database),
        gallery=build_gallery_service(settings, database, storage),
        breakers=breakers,
        mail_sender=mail_sender,
        outbox_worker=build_outbox_worker(settings, database, mail_sender, lifecycle),
        document_access=DocumentAccessService(
            SqlDocumentAccessLog(database), unrecorded_prefixes=(GALLERY_KEY_PREFIX,)
        ),
        lifecycle=lifecycle,
        embedded=embedded,
    )


def build_document_store(
    settings: Settings, signer: LinkSigner, breakers: BreakerRegistry | None = None
) -> EncryptedDocumentStore:
    """The DocumentStore of STORAGE_BACKEND, encrypting at rest; remote backends sit behind a
    "storage:<backend>" breaker."""
    inner: DocumentStore
    if settings.storage.backend == "s3":
        from icct26.adapters.storage.s3 import S3DocumentStore

        inner = S3DocumentStore.from_settings(settings.storage, breakers or BreakerRegistry())
    elif settings.storage.backend == "cloudinary":
        from icct26.adapters.storage.cloudinary import CloudinaryDocumentStore

        # Sealed documents are `raw` assets (Cloudinary cannot process them as images).
        inner = CloudinaryDocumentStore.from_settings(
            settings.storage, breakers or BreakerRegistry(), image_prefixes=(GALLERY_KEY_PREFIX,)
        )
    else:
        inner = LocalDocumentStore(
            settings.runtime.data_path / "documents", signer, settings.http.public_base_url
        )
    return EncryptedDocumentStore(
        inner,
        document_keyring(settings),
        signer=signer,
        scratch_root=settings.runtime.data_path / "tmp",
        base_url=settings.http.public_base_url,
        public_prefixes=(GALLERY_KEY_PREFIX,),  # published photos: plain, with the backend's public links
    )


def document_keyring(settings: Settings) -> Keyring:
    """DOCUMENT_ENCRYPTION_KEYS, or outside production a development key kept under DATA_DIR."""
    keys = settings.documents.keys
    if not keys:
        if settings.runtime.is_production:  # pragma: no cover - refused by the settings already
            raise RuntimeError("DOCUMENT_ENCRYPTION_KEYS is required in production")
        keys = [development_key(settings.runtime.data_path)]
    return Keyring(keys)


def build_mail_sender(settings: Settings, breakers: BreakerRegistry) -> MailSender:
    """SMTP (behind the "smtp" breaker) or `.eml` files under DATA_DIR/outbox (EMAIL_BACKEND)."""
    if settings.mail.effective_backend == "smtp":
        from icct26.adapters.mail.smtp import SmtpConfig, SmtpSender, recipient_refusal  # aiosmtplib

        smtp = settings.mail.smtp
        breaker = breakers.get(
            "smtp",
            fail_max=smtp.breaker_fail_max,
            reset_seconds=smtp.breaker_reset_seconds,
            exclude=[recipient_refusal],
        )
        return SmtpSender(SmtpConfig.from_settings(smtp), breaker)
    return FileSender(settings.runtime.data_path / "outbox")


def build_captain_links(settings: Settings) -> SignedCaptainLinks:
    """Captain links point at PUBLIC_BASE_URL (else this server's own address)."""
    base_url = settings.http.public_base_url or f"http://{settings.runtime.host}:{settings.runtime.port}"
    return SignedCaptainLinks(
        settings.auth.secret_key, lifetime_days=settings.registration.captain_link_days, base_url=base_url
    )


def build_lifecycle_service(
    settings: Settings,
    database: Database,
    storage: DocumentStore,
    links: SignedCaptainLinks,
    promoter: WaitingListPromoter,
) -> TeamLifecycleService:
    """Change requests, the captain portal's use cases and the deadline job."""
    return TeamLifecycleService(
        lambda: SqlLifecycleUnitOfWork(database),
        storage,
        links,
        promoter,
        LifecyclePolicy(
            settings.registration.changes_deadline_days,
            settings.limits.max_file_bytes,
            settings.tournament.timezone,
        ),
    )


def build_outbox_worker(
    settings: Settings, database: Database, sender: MailSender, lifecycle: TeamLifecycleService | None = None
) -> OutboxWorker:
    """The outbox worker: claims due emails, renders the templates and sends them; between rounds it
    runs the deadline job every DEADLINE_SWEEP_SECONDS."""
    delivery = OutboxDelivery(
        SqlOutboxStore(database),
        TemplateComposer.from_settings(settings),
        sender,
        max_attempts=settings.outbox.max_attempts,
        backoff=Backoff(settings.outbox.retry_base_seconds, settings.outbox.retry_max_seconds).delay,
        lease=timedelta(seconds=settings.outbox.lease_seconds),
    )
    jobs = (
        [PeriodicJob("deadline-sweep", settings.registration.deadline_sweep_seconds, lifecycle.sweep)]
        if lifecycle
        else []
    )
    return OutboxWorker(
        delivery, poll_seconds=settings.outbox.poll_seconds, batch_size=settings.outbox.batch_size, jobs=jobs
    )


def build_rate_limiter(settings: Settings) -> RateLimiter:
    """The configured rate-limit store: `memory` for one instance, `redis` shared by several."""
    if settings.rate_limit.store == "redis" and settings.rate_limit.redis_url:
        # Imported only here: the Redis client (with `cryptography`) is ~10 MiB a worker.
        from icct26.adapters.ratelimit.redis import RedisRateLimiter

        return RedisRateLimiter(settings.rate_limit.redis_url)
    return MemoryRateLimiter()


def build_admin_services(
    settings: Settings,
    database: Database,
    storage: DocumentStore,
    rate_limiter: RateLimiter,
    promoter: WaitingListPromoter | None = None,
) -> dict[str, Any]:
    """Review, exports, churches, staff accounts and login, over one admin unit of work."""

    def uow(*, read_only: bool = False) -> SqlAdminUnitOfWork:
        return SqlAdminUnitOfWork(database, read_only=read_only)

    passwords = Argon2Passwords()
    links = DocumentLinks(storage, settings.auth.signed_url_ttl_seconds)
    login_limit = settings.rate_limit.login_per_minute if settings.rate_limit.enabled else None
    return {
        "auth": AuthService(uow, passwords, rate_limiter, login_limit_per_minute=login_limit),
        "users": AdminUserService(uow, passwords),
        "review": TeamReviewService(uow, links, promoter=promoter),
        "church_admin": ChurchAdminService(uow),
        "audit": AuditLogService(uow),
        "exports": ExportService(
            uow, settings.tournament.timezone, waitlist=registration_policy(settings).waitlist
        ),
    }


def build_schedule_service(settings: Settings, database: Database) -> ScheduleService:
    """Matches, results and standings (points from POINTS_* settings)."""
    rules = settings.schedule
    points = PointsRules(win=rules.points_win, tie=rules.points_tie, no_result=rules.points_no_result)
    journal = schedule_journal(settings)
    return ScheduleService(
        lambda: SqlScheduleUnitOfWork(database, journal),
        settings.tournament.timezone,
        points,
        overs_per_innings=settings.schedule.overs_per_innings,
    )


def schedule_journal(settings: Settings) -> JournalSettings:
    """Live events: schedule writes journal each match they change, as its public JSON."""
    tz = settings.tournament.timezone
    return JournalSettings(
        render=lambda stored: match_event_json(stored, tz), keep=settings.schedule.sse_replay_events
    )


def build_fixture_service(
    settings: Settings, database: Database, schedule: ScheduleService
) -> FixtureService:
    """Fixture generation; a generated schedule makes the schedule's read caches reload and is
    announced to live streams like any other match change."""
    journal = schedule_journal(settings)
    return FixtureService(
        lambda: SqlScheduleUnitOfWork(database, journal),
        settings.tournament.timezone,
        settings.schedule.overs_per_innings,
        on_change=schedule.mark_changed,
    )


def build_schedule_calendar(settings: Settings, database: Database) -> ScheduleCalendar:
    """The calendar feed: the tournament's zone and name, CALENDAR_EVENT_MINUTES per match."""
    options = CalendarOptions(
        timezone=settings.tournament.timezone,
        match_length=timedelta(minutes=settings.schedule.calendar_event_minutes),
        name=settings.tournament.name,
        venue=settings.tournament.venue,
    )
    return ScheduleCalendar(lambda: SqlScheduleUnitOfWork(database), options)


def build_gallery_service(settings: Settings, database: Database, storage: DocumentStore) -> GalleryService:
    """Gallery uploads through the document store, decoded and cleaned by Pillow."""
    return GalleryService(
        lambda: SqlGalleryUnitOfWork(database),
        storage,
        PillowImageSanitizer(),
        settings.limits.max_gallery_bytes,
    )


def registration_policy(settings: Settings) -> RegistrationPolicy:
    """The tournament's registration rules from the settings (a bad window stops startup)."""
    rules, tournament = settings.registration, settings.tournament
    try:
        window = RegistrationWindow(
            rules.open, tournament.local(rules.opens_at), tournament.local(rules.closes_at)
        )
    except ValueError:
        raise ConfigError("REGISTRATION_CLOSES_AT: must be later than REGISTRATION_OPENS_AT") from None
    return RegistrationPolicy(
        window=window,
        roster=RosterRules(
            min_players=rules.min_players,
            max_players=rules.max_players,
            require_player_documents=rules.require_player_documents,
            max_file_bytes=settings.limits.max_file_bytes,
        ),
        church_limit=ChurchLimitPolicy(rules.max_teams_per_church),
        closed_registry=rules.church_registry == "closed",
        team_id_prefix=rules.team_id_prefix,
        timezone=tournament.timezone,
        waitlist=WaitlistPolicy(
            enabled=rules.waitlist_enabled,
            default_church_limit=rules.max_teams_per_church,
            max_total=rules.max_teams_total,
        ),
    )


def build_registration_services(
    settings: Settings,
    database: Database,
    storage: DocumentStore,
    captain_links: SignedCaptainLinks | None = None,
) -> dict[str, Any]:
    """Public registration, church slots, document housekeeping, and the shared idempotency store."""

    def uow() -> SqlRegistrationUnitOfWork:
        return SqlRegistrationUnitOfWork(database)

    policy = registration_policy(settings)
    # Running requests renew their claims; one unrenewed for half the in-flight wait was abandoned (its
    # process died, or the database was down when it let go), so a retry waiting on it takes it over
    # within its wait.
    lease = timedelta(seconds=max(settings.idempotency.wait_seconds / 2, 1.0))
    return dict(
        registration=RegistrationService(
            unit_of_work=uow, store=storage, policy=policy, captain_links=captain_links
        ),
        churches=ChurchService(unit_of_work=uow, limit_policy=policy.church_limit),
        documents=DocumentMaintenance(
            unit_of_work=uow,
            store=storage,
            orphan_grace=timedelta(minutes=settings.documents.orphan_grace_minutes),
            rejected_retention=timedelta(days=settings.documents.rejected_retention_days),
            documents_expire_at=settings.documents.expire_at(settings.tournament),
            resealer=storage if isinstance(storage, EncryptedDocumentStore) else None,
        ),
        idempotency=IdempotencyService(
            SqlIdempotencyStore(database),
            ttl=timedelta(hours=settings.idempotency.ttl_hours),
            wait_seconds=settings.idempotency.wait_seconds,
            lease=lease,
        ),
    )


def create_app(settings: Settings | None = None, container: Container | None = None) -> ASGIApp:
    """The ASGI app with its services. With a container, the caller owns its lifecycle (tests,
    benchmarks); without one, the app builds its own at startup and closes it at shutdown."""
    settings = settings or (container.settings if container else load_settings())

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        owned = container is None
        active = container or await build_container(settings)
        app.state[SERVICES_STATE_KEY] = active  # what the handlers' dependencies read
        await active.start()  # background work, e.g. the in-process outbox worker
        try:
            yield
        finally:
            if owned:
                await active.close()
            else:
                await active.stop_background()

    return build_app(settings, lifespan)


def create_app_from_env() -> ASGIApp:
    """Factory for the server (`uvicorn --factory icct26.bootstrap:create_app_from_env`)."""
    settings = load_settings()
    configure_logging(settings.logging.level, json=settings.logging.json, log_file=settings.logging.file)
    return create_app(settings)
