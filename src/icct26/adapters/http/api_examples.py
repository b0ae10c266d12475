"""What an example request and its answer are, and how an example is built from the OpenAPI schema
when no curated one exists (`api_example_table.py` holds the curated ones).

One `Example` feeds both the Markdown reference (a curl command and a response block) and the test
that replays it against a real app, so the reference cannot show a request the API would refuse.
The bearer token and the `Idempotency-Key` are not part of an example: they follow from the
operation (whether it needs a token, whether it accepts a key) and are added by `example_request`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

BASE_URL = "http://127.0.0.1:8000"
TOKEN_PLACEHOLDER = "$TOKEN"  # the shell variable the curl examples read the bearer token from
_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})
NO_BODY: Any = object()  # an example without a JSON body (distinct from a JSON `null` body)
_KEY_NAMESPACE = uuid.UUID("5d0f6c1e-9a57-4c39-9d1e-2f0a8c6b1226")


@dataclass(frozen=True)
class Example:
    """One request of an operation and the answer it gets.

    `files` maps a multipart file field to the local file name curl uploads (its extension says
    what kind of file the replaying test sends). `response` is the JSON body, or text for other
    media types; `response_type` is its media type.
    """

    status: int
    response: Any
    path: Mapping[str, str | int] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    json: Any = NO_BODY
    form: Mapping[str, str] = field(default_factory=dict)
    files: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    response_type: str = "application/json"
    note: str = ""
    curated: bool = True


@dataclass(frozen=True)
class Operation:
    """One method + path of the OpenAPI document."""

    method: str
    path: str
    spec: Mapping[str, Any]

    @property
    def operation_id(self) -> str:
        return str(self.spec.get("operationId") or f"{self.method.lower()} {self.path}")

    @property
    def tag(self) -> str:
        tags = self.spec.get("tags") or ["other"]
        return str(tags[0])

    @property
    def needs_token(self) -> bool:
        requirements = self.spec.get("security") or []
        return bool(requirements) and all(requirement for requirement in requirements)

    @property
    def accepts_idempotency_key(self) -> bool:
        """The served document declares the header on every write that honours it."""
        return any(
            p.get("in") == "header" and p.get("name", "").lower() == "idempotency-key"
            for p in self.spec.get("parameters", [])
        )


def operations(document: Mapping[str, Any]) -> list[Operation]:
    """Every operation of the document, in its order."""
    return [
        Operation(method.upper(), path, spec)
        for path, item in document.get("paths", {}).items()
        for method, spec in item.items()
        if method.upper() in _HTTP_METHODS
    ]


@dataclass(frozen=True)
class ExampleRequest:
    """An example as an HTTP request (`target` = path with query string, relative to the server)."""

    method: str
    target: str
    headers: dict[str, str]
    json: Any = NO_BODY
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def idempotency_key_for(operation_id: str) -> str:
    """A fixed UUID per operation, so the reference is the same on every run."""
    return str(uuid.uuid5(_KEY_NAMESPACE, operation_id))


def example_request(operation: Operation, example: Example) -> ExampleRequest:
    path = operation.path
    for name, value in example.path.items():
        path = path.replace("{" + name + "}", str(value))
    if example.query:
        path += "?" + urlencode(example.query)
    headers: dict[str, str] = {}
    if operation.needs_token:
        headers["Authorization"] = f"Bearer {TOKEN_PLACEHOLDER}"
    if operation.accepts_idempotency_key:
        headers["Idempotency-Key"] = idempotency_key_for(operation.operation_id)
    headers.update(example.headers)
    if example.json is not NO_BODY:
        headers["Content-Type"] = "application/json"
    return ExampleRequest(
        operation.method, path, headers, example.json, dict(example.form), dict(example.files)
    )


# --- examples built from the schema, for operations nobody has written one for yet --------------

_PLACEHOLDER = re.compile(r"e\.g\. ([A-Za-z0-9_.:@+-]+)")
_STRING_FORMATS = {
    "date-time": "2026-01-24T09:30:00+05:30",
    "date": "2026-01-24",
    "email": "captain@example.org",
    "uri": "https://example.org/",
    "binary": "file.pdf",
}


class SchemaExamples:
    """Deterministic values for a schema: the schema's own example, else one built from its type."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.schemas: Mapping[str, Any] = document.get("components", {}).get("schemas", {})

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            schema = self.schemas.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return schema

    def value(self, schema: Mapping[str, Any], name: str = "", depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if "example" in schema:
            return schema["example"]
        if schema.get("examples"):
            return schema["examples"][0]
        if "default" in schema:
            return schema["default"]
        if schema.get("enum"):
            return next((v for v in schema["enum"] if v is not None), None)
        for combinator in ("oneOf", "anyOf", "allOf"):
            options = [o for o in schema.get(combinator, []) if self.resolve(o).get("type") != "null"]
            if options:
                return self.value(options[0], name, depth)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind == "object" or "properties" in schema:
            return self.object(schema, depth, required_only=False)
        if kind == "array":
            return [] if depth > 4 else [self.value(schema.get("items", {}), name, depth + 1)]
        if kind == "integer":
            return int(schema.get("minimum", 1))
        if kind == "number":
            return float(schema.get("minimum", 1))
        if kind == "boolean":
            return True
        if kind == "string":
            return self.string(schema, name)
        return None

    def string(self, schema: Mapping[str, Any], name: str) -> str:
        hint = _PLACEHOLDER.search(str(schema.get("description", "")))
        if hint:
            return hint.group(1).rstrip(".,")
        fmt = str(schema.get("format", ""))
        if fmt in _STRING_FORMATS:
            return _STRING_FORMATS[fmt]
        return "example" if not name else name.replace("_", "-")

    def object(self, schema: Mapping[str, Any], depth: int, *, required_only: bool) -> dict[str, Any]:
        schema = self.resolve(schema)
        if depth > 4:
            return {}
        required = set(schema.get("required", []))
        return {
            name: self.value(prop, name, depth + 1)
            for name, prop in schema.get("properties", {}).items()
            if name in required or not required_only
        }


def success_status(operation: Operation) -> int:
    return min(int(status) for status in operation.spec.get("responses", {}) if status.startswith("2"))


def example_from_schema(document: Mapping[str, Any], operation: Operation) -> Example:
    """A sensible, deterministic example from the operation's parameters, body and success schema."""
    values = SchemaExamples(document)
    path: dict[str, str | int] = {}
    query: dict[str, str] = {}
    for parameter in operation.spec.get("parameters", []):
        value = values.value({**parameter.get("schema", {}), "description": parameter.get("description")})
        if parameter["in"] == "path":
            path[parameter["name"]] = value
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = str(value)
    body: Any = NO_BODY
    form: dict[str, str] = {}
    files: dict[str, str] = {}
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = values.object(content["application/json"]["schema"], 0, required_only=True)
    elif "multipart/form-data" in content:
        schema = values.resolve(content["multipart/form-data"]["schema"])
        for name in schema.get("required", []):
            prop = values.resolve(schema["properties"][name])
            if prop.get("format") == "binary":
                files[name] = f"{name}.pdf"
            else:
                form[name] = str(values.value(prop, name))
    status = success_status(operation)
    answer = operation.spec["responses"][str(status)]
    media_type, media = next(iter(answer.get("content", {"application/json": {"schema": {}}}).items()))
    response = values.value(media.get("schema", {})) if media_type == "application/json" else "…"
    return Example(
        status=status,
        response=response,
        path=path,
        query=query,
        json=body,
        form=form,
        files=files,
        response_type=media_type,
        curated=False,
    )
