"""Settings: typed parsing, one-line errors naming the variable, production guard, masking."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from icct26.config import ENV_NAMES, ConfigError, load_settings, masked

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


def test_env_example_lists_every_variable() -> None:
    text = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, flags=re.M))
    assert listed == ENV_NAMES
