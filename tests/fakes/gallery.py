"""GalleryUnitOfWork: image rows, newest first, with the audit log in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from icct26.domain.gallery import GalleryImage, NewGalleryImage
from tests.fakes.unit_of_work import FakeDatabase, FakeUnitOfWork, Tables, check_bigint

EPOCH = datetime(2026, 3, 1, tzinfo=UTC)


@dataclass
class GalleryTables(Tables):
    images: dict[int, GalleryImage] = field(default_factory=dict)
    last_image_id: int = 0


class FakeGalleryImages:
    def __init__(self, tables: GalleryTables) -> None:
        self._t = tables

    async def add(self, image: NewGalleryImage) -> GalleryImage:
        self._t.last_image_id += 1
        image_id = self._t.last_image_id
        # Each upload a minute after the previous one, so "newest first" has an order to show.
        uploaded_at = EPOCH + timedelta(minutes=image_id)
        stored = GalleryImage(
            image_id,
            image.storage_key,
            image.format,
            image.width,
            image.height,
            image.size_bytes,
            image.caption,
            image.uploaded_by,
            uploaded_at,
        )
        self._t.images[image_id] = stored
        return stored

    async def page(self, *, offset: int, limit: int) -> tuple[list[GalleryImage], int]:
        newest_first = sorted(
            self._t.images.values(), key=lambda image: (image.uploaded_at, image.id), reverse=True
        )
        return newest_first[offset : offset + limit], len(newest_first)

    async def lock(self, image_id: int) -> GalleryImage | None:
        return self._t.images.get(check_bigint(image_id))

    async def remove(self, image_id: int) -> None:
        self._t.images.pop(image_id, None)


class FakeGalleryUnitOfWork(FakeUnitOfWork[GalleryTables]):
    images: FakeGalleryImages

    def _bind(self, tables: GalleryTables) -> None:
        super()._bind(tables)
        self.images = FakeGalleryImages(tables)


class FakeGalleryDatabase(FakeDatabase[GalleryTables]):
    def __init__(self) -> None:
        super().__init__(GalleryTables())

    def unit_of_work(self) -> FakeGalleryUnitOfWork:
        return FakeGalleryUnitOfWork(self)
