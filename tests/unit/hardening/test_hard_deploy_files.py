"""The deployment files say what DEPLOYMENT.md promises (CI runs `docker-compose config` and hadolint)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))
    return data


def test_compose_has_every_service_with_optional_redis_and_minio() -> None:
    services = compose()["services"]
    assert {"db", "migrate", "app", "worker", "mailpit", "redis", "minio"} <= services.keys()
    assert "profiles" not in services["app"] and "profiles" not in services["worker"]
    assert services["redis"]["profiles"] == ["redis"]
    assert services["minio"]["profiles"] == ["minio"]
    assert "healthcheck" in services["db"]


def test_app_starts_after_migrations_and_leaves_email_to_the_worker() -> None:
    services = compose()["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("app", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["environment"]["OUTBOX_WORKER"] == "off"
    assert services["worker"]["command"] == ["worker"]
    # Docker's stop timeout must outlast the app's own grace period (30 s by default).
    assert int(services["app"]["stop_grace_period"].rstrip("s")) > 30


def test_dockerfile_is_multi_stage_non_root_with_an_exec_form_entrypoint() -> None:
    lines = [line.strip() for line in (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()]
    assert sum(line.startswith("FROM ") for line in lines) >= 2
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and all(not u.startswith(("root", "0")) for u in users)
    entrypoint = next(line for line in lines if line.startswith("ENTRYPOINT "))
    assert json.loads(entrypoint.removeprefix("ENTRYPOINT ")) == ["icct26"]


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_compose_file_validates(tmp_path: Path) -> None:
    shutil.copy(REPO / "docker-compose.yml", tmp_path / "docker-compose.yml")
    shutil.copy(REPO / ".env.example", tmp_path / ".env")  # what a deployment has after `cp`
    result = subprocess.run(
        ["docker-compose", "-f", str(tmp_path / "docker-compose.yml"), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
