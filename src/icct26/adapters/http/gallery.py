"""Gallery endpoints: public paginated list; admin upload (multipart) and delete.

Built per app by `gallery_router(settings)` because the upload's body limit comes from settings
(MAX_GALLERY_BYTES plus room for the multipart framing) while the app default stays at 1 MiB.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body, HeaderParameter, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from icct26.adapters.http.auth import actor_of, principal_of, staff_guard
from icct26.adapters.http.idempotency import (
    IDEMPOTENCY_KEY_HEADER,
    idempotency_key,
    json_answer,
    respond_idempotently,
)
from icct26.adapters.http.middleware.route_rules import GALLERY_MULTIPART_OVERHEAD
from icct26.adapters.http.problem_docs import REQUEST_ERRORS, problem_responses
from icct26.bootstrap import Container
from icct26.config import Settings
from icct26.domain.errors import ErrorCode
from icct26.domain.idempotency import SavedResponse, request_fingerprint
from icct26.domain.schedule import format_match_time
from icct26.services.gallery import PublishedImage

C = ErrorCode
MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000


@dataclass
class GalleryUploadForm:
    """`file`: a JPEG, PNG or WebP image (the content is checked, not the name); `caption`: optional."""

    file: UploadFile
    caption: str | None = None


class GalleryImageOut(msgspec.Struct):
    id: int
    url: str
    width: int
    height: int
    caption: str | None
    uploaded_at: str


class GalleryPageOut(msgspec.Struct):
    success: bool
    data: list[GalleryImageOut]
    total: int
    page: int
    page_size: int


class GalleryUploaded(msgspec.Struct):
    success: bool
    message: str
    data: GalleryImageOut


class GalleryDeleted(msgspec.Struct):
    success: bool
    message: str


def _absolute(request: Request[Any, Any, Any], url: str) -> str:
    # Stores without a PUBLIC_BASE_URL hand out paths; browsers elsewhere need the full address.
    if url.startswith("/"):
        return str(request.base_url).rstrip("/") + url
    return url


def _image_out(
    request: Request[Any, Any, Any], item: PublishedImage, container: Container
) -> GalleryImageOut:
    image = item.image
    return GalleryImageOut(
        id=image.id,
        url=_absolute(request, item.url),
        width=image.width,
        height=image.height,
        caption=image.caption,
        uploaded_at=format_match_time(image.uploaded_at, container.settings.timezone),
    )


async def list_images(
    request: Request[Any, Any, Any],
    container: NamedDependency[Container],
    page: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> GalleryPageOut:
    """Newest first. `url` is an absolute link a browser can open without credentials."""
    result = await container.gallery.list_page(page, page_size)
    return GalleryPageOut(
        success=True,
        data=[_image_out(request, item, container) for item in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


async def upload_image(
    request: Request[Any, Any, Any],
    container: NamedDependency[Container],
    data: Annotated[GalleryUploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
    idempotency_key_header: Annotated[
        str | None,
        HeaderParameter(
            name=IDEMPOTENCY_KEY_HEADER,
            required=False,
            description="1-255 printable characters; a repeat with the same key replays the first answer",
        ),
    ] = None,
) -> Response[bytes]:
    """Upload a photo; EXIF and other metadata are removed (orientation is applied first)."""
    key = idempotency_key(request)
    try:
        content = await data.file.read()
    finally:
        await data.file.close()

    async def produce() -> SavedResponse:
        item = await container.gallery.upload(content, data.caption, actor_of(request))
        image = _image_out(request, item, container)
        return json_answer(
            HTTP_201_CREATED, GalleryUploaded(success=True, message="Image uploaded", data=image)
        )

    return await respond_idempotently(
        request,
        container.registration.idempotency,
        key=key,
        scope=f"POST /api/gallery u{principal_of(request).user_id}",
        fingerprint=request_fingerprint(
            {"caption": data.caption or ""}, {"file": hashlib.sha256(content).hexdigest()}
        ),
        produce=produce,
    )


async def delete_image(
    request: Request[Any, Any, Any],
    container: NamedDependency[Container],
    image_id: Annotated[int, Parameter(description="The image's numeric ID")],
) -> GalleryDeleted:
    """Delete a photo and its stored file."""
    await container.gallery.delete(image_id, actor_of(request))
    return GalleryDeleted(success=True, message=f"Image {image_id} deleted")


def gallery_router(settings: Settings) -> Router:
    """The gallery routes with this configuration's upload limit."""
    admin: dict[str, Any] = {"guards": [staff_guard], "security": [{"BearerToken": []}]}
    auth_errors = (C.UNAUTHORIZED, C.FORBIDDEN, *REQUEST_ERRORS)
    handlers = [
        get(
            "/",
            operation_id="listGalleryImages",
            summary="Gallery images, newest first (paginated)",
            responses=problem_responses(*REQUEST_ERRORS),
        )(list_images),
        post(
            "/",
            operation_id="uploadGalleryImage",
            summary="Upload a gallery image (JPEG, PNG or WebP)",
            status_code=HTTP_201_CREATED,
            request_max_body_size=settings.max_gallery_bytes + GALLERY_MULTIPART_OVERHEAD,
            responses={
                201: ResponseSpec(
                    generate_examples=False, data_container=GalleryUploaded, description="The stored image"
                ),
                **problem_responses(
                    *auth_errors,
                    C.IDEMPOTENCY_KEY_INVALID,
                    C.IDEMPOTENCY_KEY_REUSED,
                    C.IDEMPOTENCY_IN_PROGRESS,
                    C.INVALID_FILE_TYPE,
                    C.FILE_TOO_LARGE,
                    C.BODY_TOO_LARGE,
                    C.STORAGE_UNAVAILABLE,
                ),
            },
            **admin,
        )(upload_image),
        delete(
            "/{image_id:int}",
            operation_id="deleteGalleryImage",
            summary="Delete a gallery image",
            status_code=HTTP_200_OK,
            responses=problem_responses(*auth_errors, C.IMAGE_NOT_FOUND),
            **admin,
        )(delete_image),
    ]
    return Router(path="/api/gallery", tags=["gallery"], route_handlers=handlers)
