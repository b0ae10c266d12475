"""The root `Settings`, and loading it from the environment and an optional `.env` file.

Every variable maps to exactly one field of one group: the groups' encoded field names are the
variables (group.py), so the loader sorts the flat environment into groups by those names alone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec
from dotenv import dotenv_values

from icct26.config.auth import AuthSettings
from icct26.config.database import DatabaseSettings
from icct26.config.documents import DocumentSettings
from icct26.config.group import ConfigError, Group
from icct26.config.http import HttpSettings
from icct26.config.idempotency import IdempotencySettings
from icct26.config.limits import LimitsSettings
from icct26.config.mail import MailSettings
from icct26.config.observability import LoggingSettings
from icct26.config.outbox import OutboxSettings
from icct26.config.rate_limit import RateLimitSettings
from icct26.config.registration import RegistrationSettings
from icct26.config.runtime import RuntimeSettings
from icct26.config.schedule import ScheduleSettings
from icct26.config.storage import StorageSettings
from icct26.config.tournament import TournamentSettings


def _group(cls: type[Group]) -> Any:
    return msgspec.field(default_factory=cls)


class Settings(msgspec.Struct, kw_only=True, frozen=True):
    """Every setting, one frozen group per concern: `settings.database.pool_size` is DB_POOL_SIZE.

    Groups are checked in this order, so the first refusal production meets is the secret key's.
    """

    runtime: RuntimeSettings = _group(RuntimeSettings)
    auth: AuthSettings = _group(AuthSettings)
    database: DatabaseSettings = _group(DatabaseSettings)
    http: HttpSettings = _group(HttpSettings)
    logging: LoggingSettings = _group(LoggingSettings)
    tournament: TournamentSettings = _group(TournamentSettings)
    registration: RegistrationSettings = _group(RegistrationSettings)
    schedule: ScheduleSettings = _group(ScheduleSettings)
    limits: LimitsSettings = _group(LimitsSettings)
    idempotency: IdempotencySettings = _group(IdempotencySettings)
    rate_limit: RateLimitSettings = _group(RateLimitSettings)
    storage: StorageSettings = _group(StorageSettings)
    documents: DocumentSettings = _group(DocumentSettings)
    mail: MailSettings = _group(MailSettings)
    outbox: OutboxSettings = _group(OutboxSettings)


def _fields(cls: type[msgspec.Struct], path: tuple[str, ...] = ()) -> Iterator[tuple[str, tuple[str, ...]]]:
    """(variable, encoded names of the groups from the root down to its field) for every field."""
    for info in msgspec.structs.fields(cls):
        if isinstance(info.type, type) and issubclass(info.type, Group):
            yield from _fields(info.type, (*path, info.encode_name))
        else:
            yield info.encode_name, path


def _groups(node: msgspec.Struct) -> Iterator[Group]:
    for name in node.__struct_fields__:
        value = getattr(node, name)
        if isinstance(value, Group):
            yield value
            yield from _groups(value)


# Every environment variable the app reads, in declaration order, with the groups holding its field.
VARIABLES: dict[str, tuple[str, ...]] = dict(_fields(Settings))
ENV_NAMES = frozenset(VARIABLES)
SECRET_FIELDS = frozenset(
    {
        "SECRET_KEY",
        "SMTP_PASSWORD",
        "S3_SECRET_ACCESS_KEY",
        "CLOUDINARY_API_SECRET",
        "DOCUMENT_ENCRYPTION_KEYS",
    }
)
URL_FIELDS_WITH_CREDENTIALS = frozenset({"DATABASE_URL", "REDIS_URL"})


def _read_env(environ: Mapping[str, str], env_file: Path | None) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(environ)  # the real environment wins over the file
    # Empty strings mean "unset", so optional values can be blanked in `.env`.
    return {k: v for k, v in values.items() if k in ENV_NAMES and v != ""}


def _nested(raw: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for name, value in raw.items():
        node = tree
        for key in VARIABLES[name]:
            node = node.setdefault(key, {})
        node[name] = value
    return tree


def _variable_of(error: msgspec.ValidationError) -> str:
    # msgspec points at `$.group.VARIABLE`; the last step is the variable.
    match = re.search(r"`\$(?:\.\w+)*\.(\w+)`", str(error))
    return match.group(1) if match else "configuration"


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | str | None = ".env") -> Settings:
    """Parse settings; raise `ConfigError` with one line naming the offending variable."""
    raw = _read_env(os.environ if environ is None else environ, Path(env_file) if env_file else None)
    try:
        settings = msgspec.convert(_nested(raw), Settings, strict=False)
    except msgspec.ValidationError as exc:
        name = _variable_of(exc)
        reason = str(exc).split(" - at ")[0]
        raise ConfigError(f"{name}: invalid value {raw.get(name, '')!r} ({reason})") from None
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    groups = list(_groups(settings))
    for group in groups:
        group.check()
    # A claimed batch must be sent within its lease, or another worker would send it again.
    batch_seconds = settings.outbox.batch_size * 2 * settings.mail.smtp.timeout_seconds
    if settings.outbox.lease_seconds <= batch_seconds:
        raise ConfigError(
            "OUTBOX_LEASE_SECONDS: must exceed OUTBOX_BATCH_SIZE x 2 x SMTP_TIMEOUT_SECONDS "
            f"({batch_seconds:g})"
        )
    if settings.runtime.is_production:
        for group in groups:
            group.check_production()


def mask_url(url: str) -> str:
    return re.sub(r"(//[^:/@]+:)[^@]*@", r"\1****@", url)


def masked(settings: Settings) -> dict[str, Any]:
    """The effective configuration by variable, secrets masked (for `config show`)."""
    tree = msgspec.to_builtins(settings)
    shown: dict[str, Any] = {}
    for name, path in VARIABLES.items():
        node = tree
        for key in path:
            node = node[key]
        value = node[name]
        if name in SECRET_FIELDS and value:
            value = "****"
        elif name in URL_FIELDS_WITH_CREDENTIALS and value:
            value = mask_url(str(value))
        shown[name] = value
    return shown
