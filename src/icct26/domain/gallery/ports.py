"""Ports of the gallery use cases; adapters live in `icct26.adapters.db` and `icct26.adapters.images`."""

from __future__ import annotations

from typing import Protocol

from icct26.domain.audit import AuditLog
from icct26.domain.gallery.images import CleanImage, GalleryImage, NewGalleryImage


class ImageSanitizer(Protocol):
    """Decodes an upload and re-encodes it without metadata."""

    async def sanitize(self, data: bytes) -> CleanImage:
        """The clean image; raises DomainError(INVALID_FILE_TYPE) when `data` is not an accepted,
        decodable image (the content decides, never the file name)."""
        ...


class GalleryRepository(Protocol):
    async def add(self, image: NewGalleryImage) -> GalleryImage: ...

    async def page(self, *, offset: int, limit: int) -> tuple[list[GalleryImage], int]:
        """Newest first, and the total number of images."""
        ...

    async def lock(self, image_id: int) -> GalleryImage | None:
        """The image row, locked until the transaction ends."""
        ...

    async def remove(self, image_id: int) -> None: ...


class GalleryUnitOfWork(Protocol):
    @property
    def images(self) -> GalleryRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    async def __aenter__(self) -> GalleryUnitOfWork: ...

    async def __aexit__(self, *exc_info: object) -> None: ...

    async def commit(self) -> None: ...
