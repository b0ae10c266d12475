"""Authentication: the key that signs admin tokens and links, and how long they are valid."""

from __future__ import annotations

from icct26.config.group import ConfigError, Group

DEFAULT_SECRET_KEY = "dev-only-change-me"


class AuthSettings(Group, frozen=True):
    secret_key: str = DEFAULT_SECRET_KEY
    jwt_expiry_hours: float = 8.0
    # As long as an admin token (JWT_EXPIRY_HOURS): links on an open review page keep working.
    signed_url_ttl_seconds: int = 8 * 3600

    def check_production(self) -> None:
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            raise ConfigError(
                "SECRET_KEY: set a random value of at least 32 characters in production "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
