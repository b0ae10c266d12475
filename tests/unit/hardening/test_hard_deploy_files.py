"""The deployment files say what DEPLOYMENT.md promises (CI runs `docker-compose config` and hadolint):
compose runs production unless `.env` deliberately says otherwise, images are pinned, and the image,
CI and `make` install the locked dependency tree."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from icct26.adapters.storage.encryption import new_key_entry
from icct26.config import ConfigError, Settings, load_settings
from tests.support.compose_env import service_environment

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


# --- production by default ---------------------------------------------------------------------------

APP_SERVICES = ("app", "worker", "migrate")
STRONG_SECRET = "s3cr3t-" + "x" * 40


def deployment(tmp_path: Path, *extra_lines: str) -> Path:
    """A project directory as a deployer has it: the compose file, the Dockerfile and `.env` copied
    from the template (plus `extra_lines`, as if appended with an editor)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name in ("docker-compose.yml", "Dockerfile"):
        shutil.copy(REPO / name, tmp_path / name)
    template = (REPO / ".env.example").read_text(encoding="utf-8")
    (tmp_path / ".env").write_text(template + "\n".join(extra_lines) + "\n", encoding="utf-8")
    return tmp_path


def effective_settings(project: Path, service: str) -> Settings:
    return load_settings(service_environment(project, service), env_file=None)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_runs_production_even_though_the_template_says_development(
    tmp_path: Path, service: str
) -> None:
    project = deployment(tmp_path)
    assert "ENVIRONMENT=development" in (project / ".env").read_text()  # the template, for `make run`
    env = service_environment(project, service)
    assert env["ENVIRONMENT"] == "production"
    # ... so the template's defaults are refused instead of served.
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_settings(env, env_file=None)


@pytest.mark.parametrize("service", APP_SERVICES)
def test_compose_refuses_a_wildcard_cors_and_starts_once_the_deployer_sets_the_secrets(
    tmp_path: Path, service: str
) -> None:
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        effective_settings(deployment(tmp_path / "a", f"SECRET_KEY={STRONG_SECRET}"), service)
    secrets = (f"SECRET_KEY={STRONG_SECRET}", "CORS_ORIGINS=https://icct26.example")
    with pytest.raises(ConfigError, match="DOCUMENT_ENCRYPTION_KEYS"):
        effective_settings(deployment(tmp_path / "b", *secrets), service)
    project = deployment(tmp_path / "c", *secrets, f"DOCUMENT_ENCRYPTION_KEYS={new_key_entry('k1')}")
    settings = effective_settings(project, service)
    assert settings.runtime.is_production
    assert settings.database.url == "postgresql+asyncpg://icct26:icct26@db:5432/icct26"
    assert (settings.runtime.host, settings.runtime.data_dir, settings.outbox.worker) == (
        "0.0.0.0",
        "/data",
        "off",
    )


def test_another_environment_needs_a_deliberate_line_in_env(tmp_path: Path) -> None:
    # A later ENVIRONMENT line in .env still does not change what compose runs ...
    project = deployment(tmp_path / "a", "ENVIRONMENT=development")
    assert service_environment(project, "app")["ENVIRONMENT"] == "production"
    # ... DEPLOY_ENVIRONMENT does, and so does the operator's shell.
    project = deployment(tmp_path / "b", "DEPLOY_ENVIRONMENT=development")
    assert effective_settings(project, "app").runtime.environment == "development"
    shell = service_environment(deployment(tmp_path / "c"), "app", shell={"DEPLOY_ENVIRONMENT": "test"})
    assert shell["ENVIRONMENT"] == "test"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_itself_resolves_production(tmp_path: Path) -> None:
    project = deployment(tmp_path)
    result = subprocess.run(
        ["docker-compose", "-f", str(project / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=project,
    )
    assert result.returncode == 0, result.stderr
    resolved = yaml.safe_load(result.stdout)["services"]
    for service in APP_SERVICES:
        assert resolved[service]["environment"]["ENVIRONMENT"] == "production"
        assert (
            service_environment(project, service)["DATABASE_URL"]
            == resolved[service]["environment"]["DATABASE_URL"]
        )


# --- pinned images and a locked dependency tree --------------------------------------------------------


def test_every_image_is_pinned_by_version() -> None:
    services = compose()["services"]
    images = {name: str(spec["image"]) for name, spec in services.items() if "image" in spec}
    for name, image in images.items():
        _, _, tag = image.rpartition(":")
        assert tag and tag != "latest" and any(ch.isdigit() for ch in tag), (name, image)
    version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert services["app"]["image"] == f"icct26:{version}"
    bases = re.findall(r"^FROM\s+(\S+)", (REPO / "Dockerfile").read_text(), flags=re.M)
    assert bases and all(re.search(r":\d+\.\d+\.\d+", base) for base in bases), bases


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of a `pip-compile --generate-hashes`-style lock file."""
    pins: dict[str, tuple[str, int]] = {}
    text = path.read_text(encoding="utf-8")
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s;\\]+)", block)
        if match:
            pins[canonicalize_name(match.group(1))] = (match.group(2), block.count("--hash=sha256:"))
    return pins


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.txt", ()), ("requirements-dev.txt", ("dev", "embedded"))]
)
def test_lock_files_pin_every_dependency_of_pyproject_with_hashes(lock: str, extras: tuple[str, ...]) -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    for extra in extras:
        wanted += [Requirement(r) for r in project["optional-dependencies"][extra]]
    pins = locked(REPO / lock)
    assert pins and all(hashes > 0 for _, hashes in pins.values()), "every pin carries its hashes"
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        if name == "icct26":
            continue  # the project's own extras, listed above
        assert name in pins, f"{requirement} is not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), (requirement, pins[name][0])


def test_image_ci_and_make_install_from_the_lock_files() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.txt" in dockerfile
    assert "--no-deps ." in dockerfile
    makefile = (REPO / "Makefile").read_text()
    assert "--require-hashes -r requirements-dev.txt" in makefile and "--no-deps -e ." in makefile
    assert "make install" in (REPO / ".ci" / "run").read_text()
