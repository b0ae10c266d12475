"""OpenAPI documentation of routes that stream files: their success body is bytes of a known set of
media types, which Litestar cannot infer from a `Stream` return type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema


def file_operation(media_types: Iterable[str], description: str) -> type[Operation]:
    """An `operation_class` whose 200 response is a file of one of `media_types`."""
    binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
    success = OpenAPIResponse(
        description=description,
        content={media_type: OpenAPIMediaType(schema=binary) for media_type in media_types},
    )

    @dataclass
    class FileOperation(Operation):
        def __post_init__(self) -> None:
            self.responses = {**(self.responses or {}), "200": success}

    return FileOperation
