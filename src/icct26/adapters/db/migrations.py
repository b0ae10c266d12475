"""Alembic, driven from code (CLI, tests, startup checks). Schema changes only go through here."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from icct26.adapters.db.engine import to_async_url


def _script_location() -> Path:
    here = Path(__file__).resolve()
    candidates = [
        here.parents[4] / "alembic",  # source checkout: <repo>/alembic
        here.parents[2] / "migrations",  # wheel: packaged copy inside icct26/
    ]
    for candidate in candidates:
        if (candidate / "env.py").is_file():
            return candidate
    raise RuntimeError("alembic migrations directory not found")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_script_location()))
    # '%' must be doubled for configparser interpolation.
    cfg.set_main_option("sqlalchemy.url", to_async_url(url).replace("%", "%%"))
    cfg.attributes["configure_logging"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def head_revisions(url: str = "postgresql+asyncpg://unused/unused") -> set[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return set(script.get_heads())
