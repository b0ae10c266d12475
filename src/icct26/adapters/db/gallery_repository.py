"""SQL side of the gallery: image rows and the unit of work that records them with their audit entry."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from icct26.adapters.db.audit import SqlAuditLog
from icct26.adapters.db.models import GalleryImageRecord
from icct26.adapters.db.uow import SqlUnitOfWork
from icct26.domain.gallery import GalleryImage, ImageFormat, NewGalleryImage

_BY_CONTENT_TYPE = {f.content_type: f for f in ImageFormat}


def _to_image(record: GalleryImageRecord) -> GalleryImage:
    return GalleryImage(
        id=record.id,
        storage_key=record.storage_key,
        format=_BY_CONTENT_TYPE[record.content_type],
        width=record.width,
        height=record.height,
        size_bytes=record.size_bytes,
        caption=record.caption,
        uploaded_by=record.uploaded_by,
        uploaded_at=record.created_at,
    )


class SqlGalleryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, image: NewGalleryImage) -> GalleryImage:
        record = GalleryImageRecord(
            storage_key=image.storage_key,
            content_type=image.format.content_type,
            extension=image.format.extension,
            width=image.width,
            height=image.height,
            size_bytes=image.size_bytes,
            caption=image.caption,
            uploaded_by=image.uploaded_by,
        )
        self._session.add(record)
        await self._session.flush()
        return _to_image(record)

    async def page(self, *, offset: int, limit: int) -> tuple[list[GalleryImage], int]:
        # The total rides along as a window count, so a page is one statement.
        total = func.count().over().label("total")
        query = (
            select(GalleryImageRecord, total)
            .order_by(GalleryImageRecord.created_at.desc(), GalleryImageRecord.id.desc())
            .offset(offset)
            .limit(limit)
        )
        rows = (await self._session.execute(query)).all()
        if rows:
            return [_to_image(record) for record, _ in rows], int(rows[0][1])
        # An empty page past the end still reports how many images exist.
        count = await self._session.scalar(select(func.count()).select_from(GalleryImageRecord))
        return [], int(count or 0)

    async def lock(self, image_id: int) -> GalleryImage | None:
        query = select(GalleryImageRecord).where(GalleryImageRecord.id == image_id).with_for_update()
        record = await self._session.scalar(query)
        return _to_image(record) if record is not None else None

    async def remove(self, image_id: int) -> None:
        await self._session.execute(delete(GalleryImageRecord).where(GalleryImageRecord.id == image_id))


class SqlGalleryUnitOfWork(SqlUnitOfWork):
    """Gallery rows and the audit log in one transaction."""

    images: SqlGalleryRepository
    audit: SqlAuditLog

    def _bind(self, session: AsyncSession) -> None:
        self.images = SqlGalleryRepository(session)
        self.audit = SqlAuditLog(session)
