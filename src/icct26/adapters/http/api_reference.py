"""docs/API_REFERENCE.md, rendered from the served OpenAPI document (`icct26 docs api`).

The document gives the operations, parameters, bodies and error codes; the Litestar app's guards say
which role may call each operation (the document only says "bearer token"); settings give the numbers
(token lifetime, quotas); `api_example_table.EXAMPLES` gives one example per operation, or one is
built from the schema (`api_examples.example_from_schema`). Same inputs, same bytes: a test compares
the committed file with a fresh rendering.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute

from icct26.adapters.http.api_example_table import EXAMPLES
from icct26.adapters.http.api_examples import (
    BASE_URL,
    NO_BODY,
    TOKEN_PLACEHOLDER,
    Example,
    ExampleRequest,
    Operation,
    SchemaExamples,
    example_from_schema,
    example_request,
    operations,
)
from icct26.adapters.http.auth import READ_METHODS, admin_guard, staff_guard
from icct26.adapters.http.openapi_docs import SURROUNDING
from icct26.config import Settings

_CODE = re.compile(r"`([A-Z][A-Z0-9_]+)`")
_INDEXED_FIELD = re.compile(r"^([a-z]+)_(\d+)_(\w+)$")


class Access(Enum):
    """Who may call an operation."""

    PUBLIC = "Anyone; no token."
    PUBLIC_OR_STAFF = "Anyone; with a staff token (`admin` or `viewer`) the answer is the admin view."
    STAFF = "Staff: bearer token of an `admin` or a `viewer`."
    ADMIN = "`admin` only (bearer token); a `viewer` gets 403 `FORBIDDEN`."


def access_from_guards(app: Litestar) -> dict[str, Access]:
    """Operation id → access, from the guards on each handler (router guards included)."""
    found: dict[str, Access] = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not isinstance(handler.operation_id, str):
                continue
            guards = handler.resolve_guards()
            reads_only = set(handler.http_methods) <= READ_METHODS
            if admin_guard in guards or (staff_guard in guards and not reads_only):
                found[handler.operation_id] = Access.ADMIN
            elif staff_guard in guards:
                found[handler.operation_id] = Access.STAFF
    return found


def access_of(operation: Operation, from_guards: Mapping[str, Access]) -> Access:
    if operation.operation_id in from_guards:
        return from_guards[operation.operation_id]
    if operation.needs_token:  # guards unknown: staff may read, admins write
        return Access.STAFF if operation.method in READ_METHODS else Access.ADMIN
    return Access.PUBLIC_OR_STAFF if operation.spec.get("security") else Access.PUBLIC


def example_for(document: Mapping[str, Any], operation: Operation) -> Example:
    return EXAMPLES.get(operation.operation_id) or example_from_schema(document, operation)


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def operation_heading(operation: Operation) -> str:
    return f"`{operation.method} {operation.path}`"


# --- pieces of one operation ----------------------------------------------------------------------


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def curl(request: ExampleRequest) -> str:
    method = "" if request.method == "GET" else f"-X {request.method} "
    lines = [f"curl {method}{_quote(BASE_URL + request.target)}"]
    for name, value in request.headers.items():
        header = f"{name}: {value}"
        # Double quotes let the shell fill in the token variable.
        lines.append(f'-H "{header}"' if TOKEN_PLACEHOLDER in value else f"-H {_quote(header)}")
    if request.json is not NO_BODY:
        lines.append(f"-d {_quote(json.dumps(request.json, ensure_ascii=False))}")
    lines += [f"-F {_quote(f'{name}={value}')}" for name, value in request.form.items()]
    lines += [f"-F {_quote(f'{name}=@{path}')}" for name, path in request.files.items()]
    return " \\\n  ".join(lines)


def _cell(text: Any) -> str:
    return str(text or "").replace("|", "\\|").replace("\n", " ").strip()


def type_of(schema: Mapping[str, Any], values: SchemaExamples) -> str:
    if "$ref" in schema:
        return "`" + str(schema["$ref"]).rsplit("/", 1)[-1] + "`"
    for combinator in ("oneOf", "anyOf"):
        if combinator in schema:
            return " or ".join(type_of(option, values) for option in schema[combinator])
    if schema.get("enum"):
        return " \\| ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        return " or ".join(kind)
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}), values)}"
    if schema.get("format") == "binary":
        return "file"
    return str(kind) + (f" ({schema['format']})" if "format" in schema else "")


def _limits(schema: Mapping[str, Any]) -> str:
    bounds = [
        f"{label} {schema[key]}"
        for key, label in (
            ("minimum", "≥"),
            ("maximum", "≤"),
            ("minLength", "length ≥"),
            ("maxLength", "length ≤"),
        )
        if key in schema
    ]
    if "default" in schema:
        bounds.append(f"default `{json.dumps(schema['default'])}`")
    return "; ".join(bounds)


def parameters_table(operation: Operation, values: SchemaExamples) -> list[str]:
    parameters = operation.spec.get("parameters", [])
    if not parameters:
        return []
    rows = ["| name | in | type | required | description |", "| --- | --- | --- | --- | --- |"]
    for p in parameters:
        schema = p.get("schema", {})
        description = _cell(p.get("description")).rstrip(".")  # "; length ≤ 40" may follow it
        note = "; ".join(part for part in (description, _limits(schema)) if part)
        required = "yes" if p.get("required") else "no"
        rows.append(f"| `{p['name']}` | {p['in']} | {type_of(schema, values)} | {required} | {note} |")
    return ["**Parameters**", "", *rows, ""]


def _field_rows(schema: Mapping[str, Any], values: SchemaExamples) -> list[str]:
    """One row per field; numbered multipart fields (player_0_name ... player_14_name) as one row."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    groups: dict[tuple[str, str], list[int]] = {}
    for name in properties:
        numbered = _INDEXED_FIELD.match(name)
        if numbered:
            groups.setdefault((numbered.group(1), numbered.group(3)), []).append(int(numbered.group(2)))
    rows = ["| field | type | required | description |", "| --- | --- | --- | --- |"]
    for name, prop in properties.items():
        prop = values.resolve(prop)
        numbered = _INDEXED_FIELD.match(name)
        if numbered:
            prefix, suffix = numbered.group(1), numbered.group(3)
            indices = groups[(prefix, suffix)]
            if int(numbered.group(2)) != min(indices):
                continue  # the group's first field stands for all of them
            needed = sum(f"{prefix}_{i}_{suffix}" in required for i in indices)
            label, need = f"`{prefix}_{{i}}_{suffix}`", f"for i < {needed}" if needed else "no"
            text = re.sub(r"^\w+ \d+'s ", "", str(prop.get("description", "")))
            description = f"i = {min(indices)}..{max(indices)}, no gaps. {text[:1].upper()}{text[1:]}"
        else:
            label, need = f"`{name}`", "yes" if name in required else "no"
            description = str(prop.get("description", ""))
        note = "; ".join(part for part in (_cell(description), _limits(prop)) if part)
        rows.append(f"| {label} | {type_of(prop, values)} | {need} | {note} |")
    return rows


def body_section(operation: Operation, values: SchemaExamples) -> list[str]:
    body = operation.spec.get("requestBody")
    if not body:
        return []
    lines: list[str] = []
    for media_type, media in body.get("content", {}).items():
        schema = media.get("schema", {})
        options = [o for o in schema.get("oneOf", []) if o.get("type") != "null"]
        optional = len(options) < len(schema.get("oneOf", options))
        shown = options[0] if options else schema
        name = f", schema {type_of(shown, values)}" if "$ref" in shown else ""
        lines += [f"**Body** `{media_type}`{name}{' (optional)' if optional else ''}", ""]
        resolved = values.resolve(shown)
        if resolved.get("description"):
            lines += [_cell(resolved["description"]), ""]
        if resolved.get("properties"):
            lines += [*_field_rows(resolved, values), ""]
    return lines


def error_lines(operation: Operation) -> list[str]:
    surrounding = {code.value for code in SURROUNDING}
    rows = []
    for status, response in sorted(operation.spec.get("responses", {}).items()):
        if status[0] not in "45":
            continue
        codes = [c for c in _CODE.findall(response.get("description", "")) if c not in surrounding]
        if codes:
            rows.append(f"| {status} | {', '.join(f'`{c}`' for c in codes)} |")
    intro = "**Errors** (problem+json; meanings in [ERROR_CODES.md](ERROR_CODES.md))"
    tail = "plus those [every operation can answer](#errors)."
    if not rows:
        return [f"{intro}: only those [every operation can answer](#errors).", ""]
    return [f"{intro}, {tail}", "", "| status | error_code |", "| --- | --- |", *rows, ""]


def response_block(operation: Operation, example: Example) -> list[str]:
    answer = operation.spec.get("responses", {}).get(str(example.status), {})
    schema = answer.get("content", {}).get(example.response_type, {}).get("schema", {})
    named = f", `{str(schema['$ref']).rsplit('/', 1)[-1]}`" if "$ref" in schema else ""
    kind = f"{example.response_type}{named}"
    lines = [f"**Response** `{example.status}` ({kind}): {_cell(answer.get('description'))}", ""]
    if example.response_type == "application/json":
        lines += ["```json", json.dumps(example.response, indent=2, ensure_ascii=False), "```"]
    else:
        lines += ["```text", str(example.response).rstrip("\r\n").replace("\r\n", "\n"), "```"]
    if example.note:
        lines += ["", example.note]
    return [*lines, ""]


def render_operation(
    document: Mapping[str, Any], operation: Operation, access: Access, values: SchemaExamples
) -> list[str]:
    spec = operation.spec
    example = example_for(document, operation)
    lines = [f"### {operation_heading(operation)}", "", f"{_cell(spec.get('summary'))}.", ""]
    if spec.get("description"):
        lines += [str(spec["description"]).strip(), ""]
    lines += [f"- operationId: `{operation.operation_id}`", f"- Who may call it: {access.value}"]
    if operation.accepts_idempotency_key:
        lines.append("- Accepts `Idempotency-Key` (see [Idempotency](#idempotency)).")
    lines.append("")
    lines += parameters_table(operation, values)
    lines += body_section(operation, values)
    origin = "" if example.curated else " (built from the schema)"
    lines += [f"**Example**{origin}", "", "```sh", curl(example_request(operation, example)), "```", ""]
    lines += response_block(operation, example)
    lines += error_lines(operation)
    return lines


# --- the whole reference -------------------------------------------------------------------------


_INTRODUCTION = """# API reference

Generated from the OpenAPI document the server serves at `/schema/openapi.json` (interactive at
`/docs`) by `icct26 docs api` (also run by `make docs`); do not edit by hand.
`tests/unit/test_api_reference.py` fails when this file is out of date, and
`tests/e2e/test_api_reference_examples.py` sends every example request below to a real app and
checks the status it documents. Numbers are the defaults; each names the setting that changes it.

The examples use the base URL `{base}` (no trailing slash, no version prefix) and, for
staff operations, a token in the shell variable `TOKEN` (see [Authentication](#authentication)).
Maintainers of the existing React frontend: read [FRONTEND.md](FRONTEND.md).

## Authentication

- Log in with `POST /api/auth/login` and `{{"email", "password"}}` of a staff account (created with
  `icct26 admin create`). The answer carries `access_token`, `token_type: "bearer"`, `expires_in`
  (seconds) and `role`.
- Send the token on every staff request: `Authorization: Bearer <access_token>`. For the examples:

  ```sh
  TOKEN=$(curl -s -X POST {base}/api/auth/login -H 'Content-Type: application/json' \\
    -d '{{"email": "organiser@example.org", "password": "…"}}' | jq -r .access_token)
  ```
- Roles: `admin` may do everything; `viewer` may only read (GET). Each operation below says who
  may call it.
- Lifetime: {hours} hours (`JWT_EXPIRY_HOURS`). There is no refresh: log in again. The account is
  checked on every request: a deactivated or deleted account is refused at once, and a role change
  applies to the next request.
- A missing, expired or invalid token answers 401 `UNAUTHORIZED`; a role that may not do this,
  403 `FORBIDDEN`; a wrong email or password at login, 401 `INVALID_CREDENTIALS`. Login attempts
  are limited to {login} per minute per client IP and email (`RATE_LIMIT_LOGIN_PER_MINUTE`).
- Public operations need no token. `GET /api/teams/{{team_id}}` answers the admin view when a
  valid staff token is sent.

## Errors

Every error is `application/problem+json` (RFC 9457): `type`, `title`, `status`, `detail` (a
sentence for people), `instance`, plus `success: false`, `error_code` (stable, UPPER_SNAKE),
`message` (same text as `detail`), `request_id` (also in the `X-Request-ID` header), and for
validation errors `errors: [{{field, code, message}}]`, every field error at once. Show `detail`
(or `message`) to people; branch on `error_code`. The catalogue: [ERROR_CODES.md](ERROR_CODES.md).

Any operation can also answer:
- 413 `BODY_TOO_LARGE`: the body is over the route's limit ({body} `MAX_BODY_BYTES`; registration
  {registration} `MAX_REGISTRATION_BYTES`; gallery uploads {gallery} `MAX_GALLERY_BYTES`);
- 429 `RATE_LIMIT_EXCEEDED` (see [Rate limits](#rate-limits));
- 503 `REQUEST_TIMEOUT` after {timeout} s (`REQUEST_TIMEOUT_SECONDS`; registration {registration_timeout} s,
  `REGISTRATION_TIMEOUT_SECONDS`), the request's changes rolled back;
- 503 `DATABASE_UNAVAILABLE` and 500 `INTERNAL_ERROR`.

Each operation lists the other codes it can answer.

## Idempotency

Writes marked "Accepts `Idempotency-Key`" below take `Idempotency-Key: <1-255 printable
characters, e.g. a UUID v4>`: send a new key per user action and the same key for every retry of
that action (login takes none).
- A repeat with the same key and the same request gets the first answer again, with
  `Idempotent-Replayed: true`; nothing happens twice. Answers are kept {idempotency_hours} hours
  (`IDEMPOTENCY_TTL_HOURS`).
- The same key with a different request (another body or target) → 422 `IDEMPOTENCY_KEY_REUSED`.
- A repeat while the first is still running waits up to {idempotency_wait} s, then answers 409
  `IDEMPOTENCY_IN_PROGRESS`: retry later with the same key.
- A malformed key → 400 `IDEMPOTENCY_KEY_INVALID`.

## Rate limits

Answers carry the IETF draft headers `RateLimit-Policy: "<policy>";q=<limit>;w=60` and
`RateLimit: "<policy>";r=<remaining>;t=<seconds until the window resets>`. One policy applies to
each request, counted per minute:

| policy | applies to | limit | setting |
| --- | --- | --- | --- |
| `registration` | `POST /api/register/team`, per IP | {reg} | `RATE_LIMIT_REGISTRATION_PER_MINUTE` |
| `admin` | requests with a valid staff token, per account | {admin_rate} | `RATE_LIMIT_ADMIN_PER_MINUTE` |
| `default` | everything else, per IP | {default_rate} | `RATE_LIMIT_DEFAULT_PER_MINUTE` |

Over the limit: 429 `RATE_LIMIT_EXCEEDED` with `Retry-After: <seconds>`. `/health*`, `/metrics`
and CORS preflights are not counted.

## Other headers

- `X-Request-ID`: on every answer (yours when you send a valid one); quote it when reporting a
  problem.
- `GET /api/schedule/matches` answers with a strong `ETag` and `Cache-Control: public, max-age=10`;
  send `If-None-Match` to get 304 when nothing changed. Answers with personal data carry
  `Cache-Control: no-store`.
- Answers of 1 KiB or more are gzip-compressed for clients that send `Accept-Encoding: gzip`.
- CORS: allowed origins come from `CORS_ORIGINS`. Browsers may send `Authorization`,
  `Content-Type`, `Idempotency-Key`, `X-Request-ID` and `If-None-Match`, and scripts may read
  `X-Request-ID`, `Retry-After`, `RateLimit`, `RateLimit-Policy`, `Idempotent-Replayed`,
  `Location`, `ETag` and `Content-Disposition`.
"""


def _introduction(settings: Settings) -> list[str]:
    return _INTRODUCTION.format(
        base=BASE_URL,
        hours=f"{settings.auth.jwt_expiry_hours:g}",
        login=settings.rate_limit.login_per_minute,
        body=_mib(settings.limits.max_body_bytes),
        registration=_mib(settings.limits.max_registration_bytes),
        gallery=_mib(settings.limits.max_gallery_bytes),
        timeout=f"{settings.limits.request_timeout_seconds:g}",
        registration_timeout=f"{settings.limits.registration_timeout_seconds:g}",
        idempotency_hours=settings.idempotency.ttl_hours,
        idempotency_wait=f"{settings.idempotency.wait_seconds:g}",
        reg=settings.rate_limit.registration_per_minute,
        admin_rate=settings.rate_limit.admin_per_minute,
        default_rate=settings.rate_limit.default_per_minute,
    ).splitlines()


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def render_api_reference(
    document: Mapping[str, Any], settings: Settings, from_guards: Mapping[str, Access]
) -> str:
    """The whole Markdown reference."""
    values = SchemaExamples(document)
    by_tag: dict[str, list[Operation]] = {}
    for operation in operations(document):
        by_tag.setdefault(operation.tag, []).append(operation)
    described = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    order = [name for name in described if name in by_tag] + sorted(set(by_tag) - set(described))

    lines = _introduction(settings)
    lines += ["", "## Operations", ""]
    for tag in order:
        title = f"{tag.capitalize()}: {described.get(tag, '')}".rstrip(": ")
        lines += [f"- [{title}](#{github_anchor(title)})"]
    for tag in order:
        title = f"{tag.capitalize()}: {described.get(tag, '')}".rstrip(": ")
        if lines[-1]:
            lines.append("")
        lines += [f"## {title}", "", "| operation | who may call it | summary |", "| --- | --- | --- |"]
        for operation in by_tag[tag]:
            heading = operation_heading(operation)
            who = access_of(operation, from_guards).name.lower().replace("_", " ")
            lines.append(
                f"| [{heading}](#{github_anchor(heading)}) | {who} | {_cell(operation.spec.get('summary'))} |"
            )
        lines.append("")
        for operation in by_tag[tag]:
            lines += render_operation(document, operation, access_of(operation, from_guards), values)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"
