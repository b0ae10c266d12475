"""Settings: typed parsing, one-line errors naming the variable, production guard, masking."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import msgspec
import pytest

from icct26.config import ENV_NAMES, VARIABLES, ConfigError, Group, Settings, load_settings, masked
from icct26.config.loader import SECRET_FIELDS, URL_FIELDS_WITH_CREDENTIALS

REPO = Path(__file__).resolve().parents[2]
KEY = base64.b64encode(bytes(range(32))).decode()
DOCUMENT_KEYS = f"k2:{KEY}, k1:{base64.b64encode(bytes(32)).decode()}"


def test_defaults_and_types() -> None:
    s = load_settings({"MAX_FILE_BYTES": "1024", "REGISTRATION_OPEN": "false"}, env_file=None)
    assert s.limits.max_file_bytes == 1024 and s.registration.open is False
    assert s.registration.min_players == 11 and s.registration.max_players == 15
    # Document links live as long as an admin token, so a review page opened at login keeps working.
    assert s.auth.signed_url_ttl_seconds == s.auth.jwt_expiry_hours * 3600 == 8 * 3600


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"MAX_FILE_BYTES": "lots"}, "MAX_FILE_BYTES"),
        ({"CHURCH_REGISTRY": "sometimes"}, "CHURCH_REGISTRY"),
        ({"TOURNAMENT_TIMEZONE": "Mars/Olympus"}, "TOURNAMENT_TIMEZONE"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"MAX_PLAYERS": "5"}, "MAX_PLAYERS"),
        ({"REGISTRATION_OPENS_AT": "tomorrow"}, "REGISTRATION_OPENS_AT"),
        ({"MAX_CONCURRENT_CONNECTIONS": "-1"}, "MAX_CONCURRENT_CONNECTIONS"),
        ({"KEEPALIVE_TIMEOUT_SECONDS": "0"}, "KEEPALIVE_TIMEOUT_SECONDS"),
        ({"MAX_HEADER_BYTES": "0"}, "MAX_HEADER_BYTES"),
        ({"HTTP_PARSER": "fast"}, "HTTP_PARSER"),
        ({"DB_POOL_SIZE": "0"}, "DB_POOL_SIZE"),
        ({"OVERS_PER_INNINGS": "51"}, "OVERS_PER_INNINGS"),
        ({"SMTP_BREAKER_FAIL_MAX": "0"}, "SMTP_BREAKER_FAIL_MAX"),  # a group inside a group
        ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET"),
        ({"RATE_LIMIT_STORE": "redis"}, "REDIS_URL"),
        ({"OUTBOX_BATCH_SIZE": "20"}, "OUTBOX_LEASE_SECONDS"),
    ],
)
def test_bad_value_names_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(env, env_file=None)
    message = str(info.value)
    assert message.startswith(name) and "\n" not in message


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 40, "CORS_ORIGINS": "https://a.example"}, "DATABASE_URL"),
        ({"SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql://db/x"}, "CORS_ORIGINS"),
        (
            {
                "SECRET_KEY": "x" * 40,
                "DATABASE_URL": "postgresql://db/x",
                "CORS_ORIGINS": "https://a.example",
            },
            "DOCUMENT_ENCRYPTION_KEYS",
        ),
        (
            {
                "SECRET_KEY": "x" * 40,
                "DATABASE_URL": "postgresql://db/x",
                "CORS_ORIGINS": "https://a.example",
                "DOCUMENT_ENCRYPTION_KEYS": DOCUMENT_KEYS,
                "ALLOWED_HOSTS": "*",
            },
            "ALLOWED_HOSTS",
        ),
    ],
)
def test_production_guard(env: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError, match=f"^{name}"):
        load_settings({"ENVIRONMENT": "production", **env}, env_file=None)


def test_production_with_safe_values_starts() -> None:
    s = load_settings(
        {
            "ENVIRONMENT": "production",
            "SECRET_KEY": "k" * 48,
            "DATABASE_URL": "postgresql://u:p@db/icct26",
            "CORS_ORIGINS": "https://icct26.example",
            "DOCUMENT_ENCRYPTION_KEYS": DOCUMENT_KEYS,
        },
        env_file=None,
    )
    assert s.runtime.is_production
    assert [key_id for key_id, _ in s.documents.keys] == ["k2", "k1"]
    assert all(len(secret) == 32 for _, secret in s.documents.keys)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("k1", "not `id:base64key`"),
        ("bad id:" + "A" * 44, "not `id:base64key`"),
        ("k1:not base64!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "must be 32 bytes"),
        (f"k1:{KEY},k1:{KEY}", "appears twice"),
    ],
)
def test_bad_document_keys_are_refused_without_echoing_them(value: str, reason: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings({"DOCUMENT_ENCRYPTION_KEYS": value}, env_file=None)
    message = str(info.value)
    assert message.startswith("DOCUMENT_ENCRYPTION_KEYS: ") and reason in message
    assert KEY not in message


def test_documents_expire_after_the_tournament_in_tournament_time() -> None:
    s = load_settings(
        {"TOURNAMENT_ENDS_AT": "2027-02-01T18:00:00", "DOCUMENT_RETENTION_AFTER_DAYS": "30"}, env_file=None
    )
    expire_at = s.documents.expire_at(s.tournament)
    assert expire_at is not None and expire_at.isoformat() == "2027-03-03T18:00:00+05:30"
    unset = load_settings({}, env_file=None)
    assert unset.documents.expire_at(unset.tournament) is None


def test_allowed_hosts_default_to_loopback_and_the_public_base_url() -> None:
    s = load_settings({"PUBLIC_BASE_URL": "https://API.icct26.example:8443/base"}, env_file=None)
    assert s.http.allowed_host_list == ["127.0.0.1", "localhost", "[::1]", "api.icct26.example"]
    assert load_settings({"ALLOWED_HOSTS": "a.example, B.example"}, env_file=None).http.allowed_host_list == [
        "a.example",
        "b.example",
    ]


def test_env_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("MAX_TEAMS_PER_CHURCH=3\nTEAM_ID_PREFIX=CUP\n")
    s = load_settings({"TEAM_ID_PREFIX": "ENV"}, env_file=env_file)
    assert s.registration.max_teams_per_church == 3 and s.registration.team_id_prefix == "ENV"


def test_masking_hides_secrets() -> None:
    s = load_settings(
        {
            "SECRET_KEY": "supersecret",
            "DATABASE_URL": "postgresql://u:hunter2@db/x",
            "SMTP_PASSWORD": "pw",
            "DOCUMENT_ENCRYPTION_KEYS": DOCUMENT_KEYS,
        },
        env_file=None,
    )
    shown = masked(s)
    assert shown["SECRET_KEY"] == "****" and shown["SMTP_PASSWORD"] == "****"
    assert shown["DOCUMENT_ENCRYPTION_KEYS"] == "****"
    assert "hunter2" not in shown["DATABASE_URL"]


def _env_example() -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.M)


def _leaf_fields(cls: type[msgspec.Struct]) -> list[msgspec.structs.FieldInfo]:
    found = []
    for info in msgspec.structs.fields(cls):
        if isinstance(info.type, type) and issubclass(info.type, Group):
            found += _leaf_fields(info.type)
        else:
            found.append(info)
    return found


def test_every_field_has_its_own_variable_and_env_example_lists_exactly_those() -> None:
    variables = [info.encode_name for info in _leaf_fields(Settings)]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]+", name) for name in variables), variables
    assert len(variables) == len(set(variables)), "two fields read the same variable"
    assert set(variables) == ENV_NAMES == set(VARIABLES)
    listed = _env_example()
    assert len(listed) == len(set(listed)), ".env.example lists a variable twice"
    assert set(listed) == ENV_NAMES
    assert SECRET_FIELDS | URL_FIELDS_WITH_CREDENTIALS <= ENV_NAMES


def test_the_root_holds_only_frozen_groups() -> None:
    for info in msgspec.structs.fields(Settings):
        assert isinstance(info.type, type) and issubclass(info.type, Group), info.name
        assert info.type.__struct_config__.frozen, info.name


def _as_environment(settings: Settings) -> dict[str, str]:
    """The settings written back as variables, found through VARIABLES (what the loader reads)."""
    tree = msgspec.to_builtins(settings)
    environment = {}
    for name, path in VARIABLES.items():
        node = tree
        for key in path:
            node = node[key]
        value = node[name]
        if value is not None:
            environment[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return environment


def test_every_variable_is_read_back_into_its_own_field() -> None:
    changed = {
        "PORT": "8100",
        "HTTP_PARSER": "h11",
        "DATABASE_URL": "postgresql://u:p@db/x",
        "DB_MAX_OVERFLOW": "3",
        "LOG_JSON": "false",
        "TOURNAMENT_TIMEZONE": "Europe/Paris",
        "TOURNAMENT_ENDS_AT": "2027-02-01T18:00:00+01:00",
        "REGISTRATION_OPEN": "false",
        "MAX_TEAMS_TOTAL": "40",
        "POINTS_TIE": "2",
        "IDEMPOTENCY_WAIT_SECONDS": "4.5",
        "RATE_LIMIT_STORE": "redis",
        "REDIS_URL": "redis://cache:6379/0",
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "documents",
        "CLOUDINARY_API_KEY": "key",
        "DOCUMENT_ENCRYPTION_KEYS": DOCUMENT_KEYS,
        "ORPHAN_GRACE_MINUTES": "15",
        "MAIL_FROM": "Cup <cup@example.org>",
        "SMTP_HOST": "smtp.example.org",
        "SMTP_BREAKER_FAIL_MAX": "2",
        "OUTBOX_WORKER": "off",
    }
    settings = load_settings(changed, env_file=None)
    environment = _as_environment(settings)
    assert changed.items() <= environment.items()
    assert load_settings(environment, env_file=None) == settings
    assert settings.storage.s3.bucket == "documents" and settings.mail.smtp.breaker_fail_max == 2
    assert settings.documents.orphan_grace_minutes == 15 and settings.http.parser == "h11"
