"""Gallery use cases: upload (decoded, metadata stripped), the public paginated list, and delete.

The stored object is written before its row and removed again if the row cannot be committed; a delete
commits the row removal first, so a failing store leaves an unreferenced file, never a broken image.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from loguru import logger

from icct26.domain.audit import Actor, AuditEntry
from icct26.domain.errors import DomainError, ErrorCode, NotFound
from icct26.domain.gallery import (
    GalleryImage,
    GalleryUnitOfWork,
    ImageSanitizer,
    NewGalleryImage,
    clean_caption,
)
from icct26.domain.ports import DocumentStore

# Public gallery links are long-lived; the store decides how it honours this (S3 caps presigning at 7 d).
PUBLIC_LINK_TTL_SECONDS = 7 * 24 * 3600
MAX_ID = 2**63 - 1
KEY_PREFIX = "gallery/"


@dataclass(frozen=True, slots=True)
class PublishedImage:
    image: GalleryImage
    url: str


@dataclass(frozen=True, slots=True)
class GalleryPage:
    items: list[PublishedImage]
    total: int
    page: int
    page_size: int


def _summary(image: GalleryImage) -> dict[str, object]:
    return {
        "storage_key": image.storage_key,
        "content_type": image.format.content_type,
        "width": image.width,
        "height": image.height,
        "size_bytes": image.size_bytes,
        "caption": image.caption,
    }


def _not_found(image_id: int) -> NotFound:
    return NotFound(ErrorCode.IMAGE_NOT_FOUND, f"No gallery image has the ID {image_id}")


class GalleryService:
    """Tournament photos. `uow` builds a fresh unit of work per call."""

    def __init__(
        self,
        uow: Callable[[], GalleryUnitOfWork],
        storage: DocumentStore,
        sanitizer: ImageSanitizer,
        max_bytes: int,
    ) -> None:
        self._uow = uow
        self._storage = storage
        self._sanitizer = sanitizer
        self._max_bytes = max_bytes

    async def upload(self, data: bytes, caption: str | None, actor: Actor) -> PublishedImage:
        """Store an image after decoding it (JPEG/PNG/WebP only) and stripping its metadata."""
        text = clean_caption(caption)
        if len(data) > self._max_bytes:
            raise DomainError(
                ErrorCode.FILE_TOO_LARGE,
                f"The image is larger than {self._max_bytes // (1024 * 1024)} MiB",
                extra={"max_bytes": self._max_bytes},
            )
        clean = await self._sanitizer.sanitize(data)
        key = f"{KEY_PREFIX}{uuid.uuid4().hex}.{clean.format.extension}"
        await self._storage.put_bytes(key, clean.data, clean.format.content_type)
        try:
            async with self._uow() as uow:
                image = await uow.images.add(
                    NewGalleryImage(
                        storage_key=key,
                        format=clean.format,
                        width=clean.width,
                        height=clean.height,
                        size_bytes=len(clean.data),
                        caption=text,
                        uploaded_by=actor.email,
                    )
                )
                uow.audit.record(
                    AuditEntry(actor, "gallery.upload", "gallery_image", str(image.id), after=_summary(image))
                )
                await uow.commit()
        except BaseException:
            await self._discard(key)
            raise
        return await self._publish(image)

    async def list_page(self, page: int, page_size: int) -> GalleryPage:
        """Newest first."""
        async with self._uow() as uow:
            images, total = await uow.images.page(offset=(page - 1) * page_size, limit=page_size)
        items = [await self._publish(image) for image in images]
        return GalleryPage(items=items, total=total, page=page, page_size=page_size)

    async def delete(self, image_id: int, actor: Actor) -> None:
        """Remove the image row (with its audit entry), then the stored object."""
        if not 1 <= image_id <= MAX_ID:
            raise _not_found(image_id)
        async with self._uow() as uow:
            image = await uow.images.lock(image_id)
            if image is None:
                raise _not_found(image_id)
            await uow.images.remove(image_id)
            uow.audit.record(
                AuditEntry(actor, "gallery.delete", "gallery_image", str(image_id), before=_summary(image))
            )
            await uow.commit()
        await self._discard(image.storage_key)

    async def _publish(self, image: GalleryImage) -> PublishedImage:
        url = await self._storage.url_for(
            image.storage_key, image.filename, ttl_seconds=PUBLIC_LINK_TTL_SECONDS, public=True
        )
        return PublishedImage(image=image, url=url)

    async def _discard(self, key: str) -> None:
        try:
            await self._storage.delete(key)
        except Exception:  # the row is gone or never committed; an orphan file is harmless
            logger.warning("could not delete stored gallery object {}", key)
