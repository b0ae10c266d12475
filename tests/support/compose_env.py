"""What environment a docker-compose service's container really gets, by Compose's precedence rules.

Lowest to highest: the image's `ENV` (Dockerfile, last stage) < the service's `env_file` entries <
the service's `environment:` entries. `${...}` in the compose file is interpolated from the shell
environment, then the project's `.env` (the shell wins). Enough of the Compose specification for our
file: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`, `$VAR`, `$$`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    """A `${VAR:?message}` whose variable is missing: Compose refuses the file."""


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("braced") or match.group("plain")
        op, arg = match.group("op"), match.group("arg") or ""
        present = name in variables
        current = variables.get(name, "")
        # With a colon, an empty value counts as missing; without, only an unset one.
        missing = not current if op in (":-", ":?") else not present
        if op in (":-", "-"):
            return arg if missing else current
        if op in (":?", "?"):
            if missing:
                raise InterpolationError(f"{name}: {arg}")
            return current
        return current

    return _VARIABLE.sub(one, value)


def env_file_values(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, comments and blanks skipped (values taken literally)."""
    return {k: v or "" for k, v in dotenv_values(path, interpolate=False).items()}


def image_environment(dockerfile: Path) -> dict[str, str]:
    """`ENV` of the Dockerfile's last stage (`ENV A=1 \\ B=2` forms)."""
    text = dockerfile.read_text(encoding="utf-8").replace("\\\n", " ")
    last_stage = re.split(r"^FROM\s", text, flags=re.M)[-1]
    env: dict[str, str] = {}
    for line in last_stage.splitlines():
        if line.startswith("ENV "):
            for key, value in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)', line[4:]):
                env[key] = value.strip('"')
    return env


def service_environment(
    project: Path, service: str, *, shell: Mapping[str, str] | None = None, dotenv: Path | None = None
) -> dict[str, str]:
    """The environment `service` of `project`/docker-compose.yml runs with, its `.env` being `dotenv`
    (default: `project/.env`)."""
    compose: dict[str, Any] = yaml.safe_load((project / "docker-compose.yml").read_text(encoding="utf-8"))
    dotenv = dotenv or project / ".env"
    project_env = env_file_values(dotenv) if dotenv.exists() else {}
    variables = {**project_env, **(shell or {})}
    spec = compose["services"][service]

    env = image_environment(project / "Dockerfile") if "build" in spec else {}
    env_files = spec.get("env_file", [])
    for name in [env_files] if isinstance(env_files, str) else env_files:
        path = dotenv if name == ".env" else project / interpolate(name, variables)
        env.update(env_file_values(path))
    declared = spec.get("environment", {})
    if isinstance(declared, list):
        declared = dict(item.split("=", 1) if "=" in item else (item, None) for item in declared)
    for key, value in declared.items():
        if value is None:  # `- KEY` alone: passed through from the shell / .env when set
            if key in variables:
                env[key] = variables[key]
        else:
            env[key] = interpolate(str(value), variables)
    return env
