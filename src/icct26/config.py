"""Typed settings, loaded once from the environment and an optional `.env` file.

Every variable is documented in `.env.example`. A bad value stops startup with one line naming the
variable (`ConfigError`); `ENVIRONMENT=production` refuses unsafe defaults.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import os
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec
from dotenv import dotenv_values

DEFAULT_SECRET_KEY = "dev-only-change-me"
MIB = 1024 * 1024


class ConfigError(Exception):
    """Configuration is invalid; the message is one line naming the variable."""


class Settings(msgspec.Struct, kw_only=True, frozen=True, rename="upper"):
    # --- runtime -------------------------------------------------------------------------------
    environment: Literal["development", "test", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    data_dir: str = "./data"
    public_base_url: str = ""  # absolute URL clients use to reach the API (document links)
    docs_enabled: bool = True
    shutdown_grace_seconds: int = 30
    # --- HTTP server (uvicorn): what it can do against slow or greedy clients; the proxy does the rest
    keepalive_timeout_seconds: int = 5  # an idle keep-alive connection is closed after this
    max_concurrent_connections: int = 1000  # per process; beyond it new requests get 503 (0 = no cap)
    max_header_bytes: int = 16 * 1024  # request line + headers (enforced by the h11 parser)
    http_parser: Literal["auto", "h11", "httptools"] = "auto"  # auto: httptools when installed
    listen_backlog: int = 2048
    # --- database ------------------------------------------------------------------------------
    database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout_seconds: float = 10.0
    db_statement_timeout_ms: int = 30_000
    db_connect_timeout_seconds: float = 5.0
    # --- security ------------------------------------------------------------------------------
    secret_key: str = DEFAULT_SECRET_KEY
    jwt_expiry_hours: float = 8.0
    cors_origins: str = "*"
    forwarded_allow_ips: str = ""
    allowed_hosts: str = ""  # Host names served; empty: loopback names plus PUBLIC_BASE_URL's host
    # As long as an admin token (JWT_EXPIRY_HOURS): links on an open review page keep working.
    signed_url_ttl_seconds: int = 8 * 3600
    # --- logging -------------------------------------------------------------------------------
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    log_file: str | None = None
    # --- tournament and registration rules ------------------------------------------------------
    tournament_name: str = "ICCT26 Church Cricket Tournament"
    tournament_dates: str = ""
    tournament_venue: str = ""
    tournament_contact: str = ""
    tournament_timezone: str = "Asia/Kolkata"
    team_id_prefix: str = "ICCT"
    min_players: int = 11
    max_players: int = 15
    max_teams_per_church: int = 2
    max_teams_total: int | None = None
    waitlist_enabled: bool = True
    changes_deadline_days: int = 5
    captain_link_days: int = 90
    deadline_sweep_seconds: float = 10.0
    church_registry: Literal["open", "closed"] = "open"
    require_player_documents: bool = True
    registration_open: bool = True
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    points_win: int = 2
    points_tie: int = 1
    points_no_result: int = 1
    overs_per_innings: int = 20  # a match's quota unless it sets its own (net run rate)
    # --- limits --------------------------------------------------------------------------------
    max_file_bytes: int = 5 * MIB
    max_registration_bytes: int = 170 * MIB
    max_body_bytes: int = 1 * MIB
    max_gallery_bytes: int = 10 * MIB
    max_multipart_parts: int = 120
    request_timeout_seconds: float = 60.0
    registration_timeout_seconds: float = 110.0
    idempotency_ttl_hours: int = 24
    idempotency_wait_seconds: float = 10.0
    gzip_min_bytes: int = 1024
    public_cache_seconds: float = 2.0
    # --- live schedule (SSE) and calendar -------------------------------------------------------
    sse_max_per_ip: int = 20
    sse_heartbeat_seconds: float = 15.0
    sse_replay_events: int = 100
    calendar_event_minutes: int = 180
    # --- rate limits ---------------------------------------------------------------------------
    rate_limit_enabled: bool = True
    rate_limit_store: Literal["memory", "redis"] = "memory"
    redis_url: str | None = None
    rate_limit_default_per_minute: int = 100
    rate_limit_registration_per_minute: int = 10
    rate_limit_login_per_minute: int = 5
    rate_limit_admin_per_minute: int = 600
    # --- documents -----------------------------------------------------------------------------
    storage_backend: Literal["local", "s3", "cloudinary"] = "local"
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    cloudinary_cloud_name: str = ""
    cloudinary_api_key: str = ""
    cloudinary_api_secret: str = ""
    cloudinary_api_base_url: str = "https://api.cloudinary.com"
    cloudinary_delivery_base_url: str = "https://res.cloudinary.com"
    storage_timeout_seconds: float = 30.0
    storage_breaker_fail_max: int = 5
    storage_breaker_reset_seconds: float = 30.0
    rejected_document_retention_days: int = 30
    orphan_grace_minutes: int = 60
    # `id:base64key` list (32-byte keys): the first encrypts new files, every one decrypts.
    document_encryption_keys: str = ""
    tournament_ends_at: datetime | None = None
    document_retention_after_days: int = 30
    # --- email ---------------------------------------------------------------------------------
    email_backend: Literal["auto", "smtp", "file"] = "auto"
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "ICCT26 <no-reply@icct26.local>"
    outbox_worker: Literal["inprocess", "off"] = "inprocess"
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 8
    outbox_batch_size: int = 10
    outbox_lease_seconds: float = 300.0
    outbox_retry_base_seconds: float = 60.0
    outbox_retry_max_seconds: float = 3600.0
    smtp_breaker_fail_max: int = 5
    smtp_breaker_reset_seconds: float = 60.0

    # --- derived -------------------------------------------------------------------------------
    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.tournament_timezone)

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def allowed_host_list(self) -> list[str]:
        if self.allowed_hosts.strip():
            return [h.strip().lower() for h in self.allowed_hosts.split(",") if h.strip()]
        hosts = ["127.0.0.1", "localhost", "[::1]"]
        if public := urlsplit(self.public_base_url).hostname:
            hosts.append(f"[{public}]" if ":" in public else public)
        return hosts

    @property
    def trusted_proxies(self) -> list[str]:
        return [p.strip() for p in self.forwarded_allow_ips.split(",") if p.strip()]

    @property
    def document_keys(self) -> list[tuple[str, bytes]]:
        """DOCUMENT_ENCRYPTION_KEYS as (id, 32-byte key) pairs, newest (the encrypting one) first."""
        return parse_document_keys(self.document_encryption_keys)

    @property
    def documents_expire_at(self) -> datetime | None:
        """When every team's documents are due for purging (TOURNAMENT_ENDS_AT + retention), if set."""
        if self.tournament_ends_at is None:
            return None
        ends = self.tournament_ends_at
        if ends.tzinfo is None:  # a naive time is tournament time, like every other input time
            ends = ends.replace(tzinfo=self.timezone)
        return ends + timedelta(days=self.document_retention_after_days)

    @property
    def effective_email_backend(self) -> Literal["smtp", "file"]:
        if self.email_backend == "auto":
            return "smtp" if self.smtp_host else "file"
        return self.email_backend


SECRET_FIELDS = frozenset(
    {
        "SECRET_KEY",
        "SMTP_PASSWORD",
        "S3_SECRET_ACCESS_KEY",
        "CLOUDINARY_API_SECRET",
        "DOCUMENT_ENCRYPTION_KEYS",
    }
)
DOCUMENT_KEY_BYTES = 32  # AES-256
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def parse_document_keys(spec: str) -> list[tuple[str, bytes]]:
    """Parse `id:base64key,id:base64key`; raise ValueError saying what is wrong (never the key)."""
    keys: list[tuple[str, bytes]] = []
    for number, entry in enumerate((e.strip() for e in spec.split(",") if e.strip()), start=1):
        key_id, sep, encoded = entry.partition(":")
        if not sep or not _KEY_ID.fullmatch(key_id):
            raise ValueError(f"entry {number} is not `id:base64key` (id: 1-32 of A-Z a-z 0-9 _ -)")
        try:
            secret = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"key {key_id!r} is not valid base64") from None
        if len(secret) != DOCUMENT_KEY_BYTES:
            raise ValueError(f"key {key_id!r} must be {DOCUMENT_KEY_BYTES} bytes, got {len(secret)}")
        if any(known == key_id for known, _ in keys):
            raise ValueError(f"key id {key_id!r} appears twice")
        keys.append((key_id, secret))
    return keys


URL_FIELDS_WITH_CREDENTIALS = frozenset({"DATABASE_URL", "REDIS_URL"})
_ENV_NAMES = frozenset(Settings.__struct_encode_fields__)


def _read_env(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(environ)  # the real environment wins over the file
    # Empty strings mean "unset", so optional values can be blanked in `.env`.
    return {k: v for k, v in values.items() if k in _ENV_NAMES and v != ""}


def _field_of(error: msgspec.ValidationError) -> str:
    match = re.search(r"`\$\.(\w+)`", str(error))
    return match.group(1) if match else "configuration"


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | str | None = ".env") -> Settings:
    """Parse settings; raise `ConfigError` with one line naming the offending variable."""
    raw = _read_env(os.environ if environ is None else environ, Path(env_file) if env_file else None)
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        name = _field_of(exc)
        reason = str(exc).split(" - at ")[0]
        raise ConfigError(f"{name}: invalid value {raw.get(name, '')!r} ({reason})") from None
    _check(settings)
    return settings


def _check(s: Settings) -> None:
    try:
        ZoneInfo(s.tournament_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TOURNAMENT_TIMEZONE: unknown time zone {s.tournament_timezone!r}") from None
    positive = {
        "PORT": s.port,
        "WORKERS": s.workers,
        "MIN_PLAYERS": s.min_players,
        "MAX_TEAMS_PER_CHURCH": s.max_teams_per_church,
        "MAX_TEAMS_TOTAL": s.max_teams_total or 1,
        "CHANGES_DEADLINE_DAYS": s.changes_deadline_days,
        "CAPTAIN_LINK_DAYS": s.captain_link_days,
        "DEADLINE_SWEEP_SECONDS": s.deadline_sweep_seconds,
        "MAX_FILE_BYTES": s.max_file_bytes,
        "MAX_REGISTRATION_BYTES": s.max_registration_bytes,
        "MAX_BODY_BYTES": s.max_body_bytes,
        "DB_POOL_SIZE": s.db_pool_size,
        "OUTBOX_MAX_ATTEMPTS": s.outbox_max_attempts,
        "OUTBOX_BATCH_SIZE": s.outbox_batch_size,
        "OUTBOX_POLL_SECONDS": s.outbox_poll_seconds,
        "OUTBOX_LEASE_SECONDS": s.outbox_lease_seconds,
        "SMTP_BREAKER_FAIL_MAX": s.smtp_breaker_fail_max,
        "KEEPALIVE_TIMEOUT_SECONDS": s.keepalive_timeout_seconds,
        "MAX_HEADER_BYTES": s.max_header_bytes,
        "LISTEN_BACKLOG": s.listen_backlog,
        "STORAGE_BREAKER_FAIL_MAX": s.storage_breaker_fail_max,
        "SSE_MAX_PER_IP": s.sse_max_per_ip,
        "SSE_HEARTBEAT_SECONDS": s.sse_heartbeat_seconds,
        "SSE_REPLAY_EVENTS": s.sse_replay_events,
        "CALENDAR_EVENT_MINUTES": s.calendar_event_minutes,
    }
    for name, value in positive.items():
        if value <= 0:
            raise ConfigError(f"{name}: must be a positive number, got {value}")
    # A claimed batch must be sent within its lease, or another worker would send it again.
    batch_seconds = s.outbox_batch_size * 2 * s.smtp_timeout_seconds
    if s.outbox_lease_seconds <= batch_seconds:
        raise ConfigError(
            "OUTBOX_LEASE_SECONDS: must exceed OUTBOX_BATCH_SIZE x 2 x SMTP_TIMEOUT_SECONDS "
            f"({batch_seconds:g})"
        )
    if s.max_concurrent_connections < 0:
        raise ConfigError("MAX_CONCURRENT_CONNECTIONS: must be 0 (no cap) or a positive number")
    if not 1 <= s.overs_per_innings <= 50:
        raise ConfigError(f"OVERS_PER_INNINGS: must be between 1 and 50, got {s.overs_per_innings}")
    if s.max_players < s.min_players:
        raise ConfigError(f"MAX_PLAYERS: must be at least MIN_PLAYERS ({s.min_players})")
    if s.database_url and not s.database_url.startswith(("postgresql", "postgres")):
        raise ConfigError("DATABASE_URL: must be a PostgreSQL URL (postgresql+asyncpg://...)")
    if s.rate_limit_store == "redis" and not s.redis_url:
        raise ConfigError("REDIS_URL: required when RATE_LIMIT_STORE=redis")
    for proxy in s.trusted_proxies:
        try:
            if proxy != "*":
                ipaddress.ip_network(proxy, strict=False)
        except ValueError:
            raise ConfigError(
                f"FORWARDED_ALLOW_IPS: {proxy!r} is not an IP address or CIDR block (e.g. 10.0.0.0/8)"
            ) from None
    if s.storage_backend == "s3" and not s.s3_bucket:
        raise ConfigError("S3_BUCKET: required when STORAGE_BACKEND=s3")
    if s.storage_backend == "cloudinary" and not (
        s.cloudinary_cloud_name and s.cloudinary_api_key and s.cloudinary_api_secret
    ):
        raise ConfigError("CLOUDINARY_CLOUD_NAME: cloud name, API key and secret are required")
    try:
        keys = s.document_keys
    except ValueError as exc:
        raise ConfigError(f"DOCUMENT_ENCRYPTION_KEYS: {exc}") from None
    if s.document_retention_after_days < 0:
        raise ConfigError("DOCUMENT_RETENTION_AFTER_DAYS: must be zero or more days")
    if s.email_backend == "smtp" and not s.smtp_host:
        raise ConfigError("SMTP_HOST: required when EMAIL_BACKEND=smtp")
    if s.is_production:
        if s.secret_key == DEFAULT_SECRET_KEY or len(s.secret_key) < 32:
            raise ConfigError(
                "SECRET_KEY: set a random value of at least 32 characters in production "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        if not s.database_url:
            raise ConfigError("DATABASE_URL: the embedded database is not allowed in production")
        if "*" in s.allowed_host_list:
            raise ConfigError(
                "ALLOWED_HOSTS: list the host names this server answers for in production, not *"
            )
        if "*" in s.cors_origin_list:
            raise ConfigError("CORS_ORIGINS: list the frontend origins explicitly in production, not *")
        if not keys:
            raise ConfigError(
                "DOCUMENT_ENCRYPTION_KEYS: set at least one key in production (`icct26 documents "
                "generate-key` prints one; see docs/DEPLOYMENT.md)"
            )


def mask_url(url: str) -> str:
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1****@", url)


def masked(settings: Settings) -> dict[str, Any]:
    """The effective configuration as a dict of env names, secrets masked (for `config show`)."""
    data: dict[str, Any] = msgspec.to_builtins(settings)
    for key, value in data.items():
        if key in SECRET_FIELDS and value:
            data[key] = "****"
        elif key in URL_FIELDS_WITH_CREDENTIALS and value:
            data[key] = mask_url(str(value))
    return data
