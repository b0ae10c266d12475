"""Typed settings, loaded once from the environment and an optional `.env` file.

`Settings` holds one frozen group per concern (`settings.database.pool_size`); the environment
variables are the same flat names documented in `.env.example` (DB_POOL_SIZE). A bad value stops
startup with one line naming the variable (`ConfigError`); `ENVIRONMENT=production` refuses unsafe
defaults.
"""

from icct26.config.auth import DEFAULT_SECRET_KEY, AuthSettings
from icct26.config.database import DatabaseSettings
from icct26.config.documents import DocumentSettings, parse_document_keys
from icct26.config.group import ConfigError, Group
from icct26.config.http import HttpSettings
from icct26.config.idempotency import IdempotencySettings
from icct26.config.limits import LimitsSettings
from icct26.config.loader import ENV_NAMES, VARIABLES, Settings, load_settings, mask_url, masked
from icct26.config.mail import MailSettings, SmtpSettings
from icct26.config.observability import LoggingSettings
from icct26.config.outbox import OutboxSettings
from icct26.config.rate_limit import RateLimitSettings
from icct26.config.registration import RegistrationSettings
from icct26.config.runtime import RuntimeSettings
from icct26.config.schedule import ScheduleSettings
from icct26.config.storage import CloudinarySettings, S3Settings, StorageSettings
from icct26.config.tournament import TournamentSettings

__all__ = [
    "DEFAULT_SECRET_KEY",
    "ENV_NAMES",
    "VARIABLES",
    "AuthSettings",
    "CloudinarySettings",
    "ConfigError",
    "DatabaseSettings",
    "DocumentSettings",
    "Group",
    "HttpSettings",
    "IdempotencySettings",
    "LimitsSettings",
    "LoggingSettings",
    "MailSettings",
    "OutboxSettings",
    "RateLimitSettings",
    "RegistrationSettings",
    "RuntimeSettings",
    "S3Settings",
    "ScheduleSettings",
    "Settings",
    "SmtpSettings",
    "StorageSettings",
    "TournamentSettings",
    "load_settings",
    "mask_url",
    "masked",
    "parse_document_keys",
]
