"""Gallery endpoints: public paginated list; admin upload (multipart) and delete.

Built per app by `gallery_router(settings)` because the upload's body limit comes from settings
(MAX_GALLERY_BYTES plus room for the multipart framing) while the app default stays at 1 MiB.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.openapi import ResponseSpec
from litestar.params import Body, Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from icct26.adapters.http.auth import actor_of, staff_guard
from icct26.adapters.http.dependencies import provide
from icct26.adapters.http.middleware.policy import route_policy
from icct26.adapters.http.openapi_docs import REQUEST_ERRORS, problem_responses
from icct26.config import Settings
from icct26.domain.errors import ErrorCode
from icct26.domain.schedule import format_match_time
from icct26.services.gallery import GalleryService, PublishedImage

C = ErrorCode
# The limit is on the image; the multipart framing and caption come on top of it.
GALLERY_MULTIPART_OVERHEAD = 64 * 1024
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


def _image_out(request: Request[Any, Any, Any], item: PublishedImage, settings: Settings) -> GalleryImageOut:
    image = item.image
    return GalleryImageOut(
        id=image.id,
        url=_absolute(request, item.url),
        width=image.width,
        height=image.height,
        caption=image.caption,
        uploaded_at=format_match_time(image.uploaded_at, settings.tournament.timezone),
    )


async def list_images(
    request: Request[Any, Any, Any],
    gallery: NamedDependency[GalleryService],
    settings: NamedDependency[Settings],
    page: Annotated[int, Parameter(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE)] = 20,
) -> GalleryPageOut:
    """Newest first. `url` is an absolute link a browser can open without credentials."""
    result = await gallery.list_page(page, page_size)
    return GalleryPageOut(
        success=True,
        data=[_image_out(request, item, settings) for item in result.items],
        total=result.total,
        page=result.page,
        page_size=result.page_size,
    )


async def upload_image(
    request: Request[Any, Any, Any],
    gallery: NamedDependency[GalleryService],
    settings: NamedDependency[Settings],
    data: Annotated[GalleryUploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> Response[GalleryUploaded]:
    """Upload a photo; EXIF and other metadata are removed (orientation is applied first)."""
    try:
        content = await data.file.read()
    finally:
        await data.file.close()
    item = await gallery.upload(content, data.caption, actor_of(request))
    image = _image_out(request, item, settings)
    return Response(
        GalleryUploaded(success=True, message="Image uploaded", data=image), status_code=HTTP_201_CREATED
    )


async def delete_image(
    request: Request[Any, Any, Any],
    gallery: NamedDependency[GalleryService],
    image_id: Annotated[int, Parameter(description="The image's numeric ID")],
) -> GalleryDeleted:
    """Delete a photo and its stored file."""
    await gallery.delete(image_id, actor_of(request))
    return GalleryDeleted(success=True, message=f"Image {image_id} deleted")


def gallery_router(settings: Settings) -> Router:
    """The gallery routes with this configuration's upload limit."""
    admin: dict[str, Any] = {
        "guards": [staff_guard],
        "security": [{"BearerToken": []}],
        "opt": route_policy(idempotent=True),
    }
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
            request_max_body_size=settings.limits.max_gallery_bytes + GALLERY_MULTIPART_OVERHEAD,
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
    return Router(
        path="/api/gallery",
        tags=["gallery"],
        route_handlers=handlers,
        dependencies=provide("gallery", "settings"),
    )
